build-dev/layout/keyenc.o: layout/keyenc.c layout/keyenc.h layout/buf.h \
 layout/err.h layout/item.h layout/num.h
layout/keyenc.h:
layout/buf.h:
layout/err.h:
layout/item.h:
layout/num.h:
