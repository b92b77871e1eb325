build-dev/fs/mountpoint.o: fs/mountpoint.c fs/mountpoint.h \
 fs/../layout/err.h
fs/mountpoint.h:
fs/../layout/err.h:
