build-dev/fs/early.o: fs/early.c fs/early.h fs/fs.h \
 /usr/include/fuse3/fuse_lowlevel.h /usr/include/fuse3/fuse_common.h \
 /usr/include/fuse3/libfuse_config.h /usr/include/fuse3/fuse_opt.h \
 /usr/include/fuse3/fuse_log.h fs/../engine/db.h \
 fs/../engine/../layout/err.h fs/../engine/clock.h fs/../engine/item.h \
 fs/../engine/../layout/item.h fs/../engine/../layout/err.h \
 fs/../engine/../layout/schema.h fs/../engine/../layout/buf.h \
 fs/../engine/../layout/item.h fs/../engine/db.h fs/../engine/table.h \
 fs/../engine/maint.h fs/../engine/stream.h fs/../engine/../layout/buf.h \
 fs/../engine/table.h fs/../layout/buf.h fs/../layout/jscan.h \
 fs/../layout/err.h fs/../layout/json.h fs/../layout/buf.h \
 fs/../layout/item.h fs/../layout/schema.h fs/file.h
fs/early.h:
fs/fs.h:
/usr/include/fuse3/fuse_lowlevel.h:
/usr/include/fuse3/fuse_common.h:
/usr/include/fuse3/libfuse_config.h:
/usr/include/fuse3/fuse_opt.h:
/usr/include/fuse3/fuse_log.h:
fs/../engine/db.h:
fs/../engine/../layout/err.h:
fs/../engine/clock.h:
fs/../engine/item.h:
fs/../engine/../layout/item.h:
fs/../engine/../layout/err.h:
fs/../engine/../layout/schema.h:
fs/../engine/../layout/buf.h:
fs/../engine/../layout/item.h:
fs/../engine/db.h:
fs/../engine/table.h:
fs/../engine/maint.h:
fs/../engine/stream.h:
fs/../engine/../layout/buf.h:
fs/../engine/table.h:
fs/../layout/buf.h:
fs/../layout/jscan.h:
fs/../layout/err.h:
fs/../layout/json.h:
fs/../layout/buf.h:
fs/../layout/item.h:
fs/../layout/schema.h:
fs/file.h:
