build-dev/layout/err.o: layout/err.c layout/err.h
layout/err.h:
