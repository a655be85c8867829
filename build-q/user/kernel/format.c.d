build-q/user/kernel/format.c.o: kernel/format.c kernel/format.h \
 kernel/types.h
kernel/format.h:
kernel/types.h:
