build-q/kernel/cmdline.c.o: kernel/cmdline.c kernel/cmdline.h \
 kernel/types.h
kernel/cmdline.h:
kernel/types.h:
