build-q/kernel/elf.c.o: kernel/elf.c kernel/elf.h kernel/types.h
kernel/elf.h:
kernel/types.h:
