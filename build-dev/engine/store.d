build-dev/engine/store.o: engine/store.c engine/store.h \
 engine/../layout/buf.h engine/../layout/err.h engine/../layout/item.h \
 engine/../layout/err.h engine/../layout/schema.h engine/../layout/buf.h \
 engine/../layout/item.h engine/clock.h engine/db.h engine/item.h \
 engine/table.h engine/maint.h
engine/store.h:
engine/../layout/buf.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/clock.h:
engine/db.h:
engine/item.h:
engine/table.h:
engine/maint.h:
