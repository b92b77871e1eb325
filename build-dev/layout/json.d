build-dev/layout/json.o: layout/json.c layout/json.h layout/buf.h \
 layout/err.h layout/item.h /usr/include/cjson/cJSON.h layout/b64.h \
 layout/num.h
layout/json.h:
layout/buf.h:
layout/err.h:
layout/item.h:
/usr/include/cjson/cJSON.h:
layout/b64.h:
layout/num.h:
