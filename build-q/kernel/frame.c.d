build-q/kernel/frame.c.o: kernel/frame.c kernel/frame.h kernel/types.h
kernel/frame.h:
kernel/types.h:
