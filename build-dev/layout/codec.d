build-dev/layout/codec.o: layout/codec.c layout/codec.h layout/buf.h \
 layout/err.h layout/item.h
layout/codec.h:
layout/buf.h:
layout/err.h:
layout/item.h:
