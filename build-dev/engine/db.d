build-dev/engine/db.o: engine/db.c engine/db.h engine/../layout/err.h \
 engine/clock.h engine/store.h engine/../layout/buf.h \
 engine/../layout/item.h engine/../layout/err.h engine/../layout/schema.h \
 engine/../layout/buf.h engine/../layout/item.h engine/item.h \
 engine/table.h engine/maint.h
engine/db.h:
engine/../layout/err.h:
engine/clock.h:
engine/store.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/item.h:
engine/table.h:
engine/maint.h:
