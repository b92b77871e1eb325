build-dev/fs/cmd.o: fs/cmd.c fs/cmd.h fs/../layout/schema.h \
 fs/../layout/buf.h fs/../layout/err.h fs/../layout/item.h fs/trigger.h
fs/cmd.h:
fs/../layout/schema.h:
fs/../layout/buf.h:
fs/../layout/err.h:
fs/../layout/item.h:
fs/trigger.h:
