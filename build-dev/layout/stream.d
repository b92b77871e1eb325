build-dev/layout/stream.o: layout/stream.c layout/stream.h layout/buf.h \
 layout/item.h layout/err.h layout/json.h
layout/stream.h:
layout/buf.h:
layout/item.h:
layout/err.h:
layout/json.h:
