build-q/sigma0-obj/kernel/string.c.o: kernel/string.c kernel/string.h \
 kernel/types.h
kernel/string.h:
kernel/types.h:
