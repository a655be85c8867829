build-q/kernel/dtree.c.o: kernel/dtree.c kernel/dtree.h kernel/types.h
kernel/dtree.h:
kernel/types.h:
