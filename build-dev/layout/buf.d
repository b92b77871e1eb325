build-dev/layout/buf.o: layout/buf.c layout/buf.h
layout/buf.h:
