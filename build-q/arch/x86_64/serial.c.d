build-q/arch/x86_64/serial.c.o: arch/x86_64/serial.c kernel/arch.h \
 kernel/types.h arch/x86_64/x86.h kernel/types.h
kernel/arch.h:
kernel/types.h:
arch/x86_64/x86.h:
kernel/types.h:
