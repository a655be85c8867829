build-q/arch/x86_64/cpu.c.o: arch/x86_64/cpu.c kernel/arch.h \
 kernel/types.h kernel/console.h arch/x86_64/cpu.h kernel/types.h \
 arch/x86_64/x86.h
kernel/arch.h:
kernel/types.h:
kernel/console.h:
arch/x86_64/cpu.h:
kernel/types.h:
arch/x86_64/x86.h:
