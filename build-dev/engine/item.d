build-dev/engine/item.o: engine/item.c engine/item.h \
 engine/../layout/err.h engine/../layout/item.h engine/../layout/err.h \
 engine/../layout/schema.h engine/../layout/buf.h engine/../layout/item.h \
 engine/db.h engine/clock.h engine/table.h engine/../layout/codec.h \
 engine/../layout/json.h engine/../layout/keyenc.h \
 engine/../layout/name.h engine/log.h engine/store.h \
 engine/../layout/buf.h engine/maint.h
engine/item.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/db.h:
engine/clock.h:
engine/table.h:
engine/../layout/codec.h:
engine/../layout/json.h:
engine/../layout/keyenc.h:
engine/../layout/name.h:
engine/log.h:
engine/store.h:
engine/../layout/buf.h:
engine/maint.h:
