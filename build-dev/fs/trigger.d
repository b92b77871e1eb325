build-dev/fs/trigger.o: fs/trigger.c fs/trigger.h fs/../layout/buf.h \
 fs/../layout/err.h
fs/trigger.h:
fs/../layout/buf.h:
fs/../layout/err.h:
