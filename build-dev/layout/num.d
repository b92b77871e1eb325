build-dev/layout/num.o: layout/num.c layout/num.h layout/buf.h \
 layout/err.h
layout/num.h:
layout/buf.h:
layout/err.h:
