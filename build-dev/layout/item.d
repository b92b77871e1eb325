build-dev/layout/item.o: layout/item.c layout/item.h layout/err.h \
 layout/num.h layout/buf.h
layout/item.h:
layout/err.h:
layout/num.h:
layout/buf.h:
