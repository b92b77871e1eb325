build-dev/layout/jscan.o: layout/jscan.c layout/jscan.h layout/err.h
layout/jscan.h:
layout/err.h:
