build-dev/engine/stream.o: engine/stream.c engine/stream.h \
 engine/../layout/buf.h engine/../layout/err.h engine/db.h engine/clock.h \
 engine/../layout/codec.h engine/../layout/buf.h engine/../layout/err.h \
 engine/../layout/item.h engine/../layout/stream.h engine/log.h \
 engine/../layout/item.h engine/../layout/schema.h engine/item.h \
 engine/table.h engine/store.h engine/maint.h
engine/stream.h:
engine/../layout/buf.h:
engine/../layout/err.h:
engine/db.h:
engine/clock.h:
engine/../layout/codec.h:
engine/../layout/buf.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/../layout/stream.h:
engine/log.h:
engine/../layout/item.h:
engine/../layout/schema.h:
engine/item.h:
engine/table.h:
engine/store.h:
engine/maint.h:
