build-dev/engine/clock.o: engine/clock.c engine/clock.h \
 engine/../layout/err.h
engine/clock.h:
engine/../layout/err.h:
