build-dev/layout/schema.o: layout/schema.c layout/schema.h layout/buf.h \
 layout/err.h layout/item.h layout/b64.h layout/json.h
layout/schema.h:
layout/buf.h:
layout/err.h:
layout/item.h:
layout/b64.h:
layout/json.h:
