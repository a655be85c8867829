build-q/kernel/mb2.c.o: kernel/mb2.c kernel/mb2.h kernel/types.h
kernel/mb2.h:
kernel/types.h:
