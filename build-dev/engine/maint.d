build-dev/engine/maint.o: engine/maint.c engine/maint.h \
 engine/../layout/err.h engine/../layout/schema.h engine/../layout/buf.h \
 engine/../layout/err.h engine/../layout/item.h engine/db.h \
 engine/clock.h engine/log.h engine/../layout/item.h engine/item.h \
 engine/table.h engine/store.h engine/../layout/buf.h engine/stream.h
engine/maint.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/db.h:
engine/clock.h:
engine/log.h:
engine/../layout/item.h:
engine/item.h:
engine/table.h:
engine/store.h:
engine/../layout/buf.h:
engine/stream.h:
