build-dev/layout/name.o: layout/name.c layout/name.h layout/buf.h \
 layout/err.h layout/item.h layout/b64.h layout/num.h
layout/name.h:
layout/buf.h:
layout/err.h:
layout/item.h:
layout/b64.h:
layout/num.h:
