build-dev/engine/table.o: engine/table.c engine/table.h \
 engine/../layout/err.h engine/../layout/schema.h engine/../layout/buf.h \
 engine/../layout/err.h engine/../layout/item.h engine/db.h \
 engine/clock.h engine/store.h engine/../layout/buf.h \
 engine/../layout/item.h engine/item.h engine/maint.h
engine/table.h:
engine/../layout/err.h:
engine/../layout/schema.h:
engine/../layout/buf.h:
engine/../layout/err.h:
engine/../layout/item.h:
engine/db.h:
engine/clock.h:
engine/store.h:
engine/../layout/buf.h:
engine/../layout/item.h:
engine/item.h:
engine/maint.h:
