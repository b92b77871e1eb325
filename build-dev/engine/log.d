build-dev/engine/log.o: engine/log.c engine/log.h engine/../layout/err.h \
 engine/../layout/item.h engine/../layout/err.h engine/../layout/schema.h \
 engine/../layout/buf.h engine/../layout/item.h engine/db.h \
 engine/clock.h engine/item.h engine/table.h engine/../layout/codec.h \
 engine/store.h engine/../layout/buf.h engine/maint.h
engine/log.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/db.h:
engine/clock.h:
engine/item.h:
engine/table.h:
engine/../layout/codec.h:
engine/store.h:
engine/../layout/buf.h:
engine/maint.h:
