build-dev/layout/b64.o: layout/b64.c layout/b64.h layout/buf.h
layout/b64.h:
layout/buf.h:
