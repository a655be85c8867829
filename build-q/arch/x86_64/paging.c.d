build-q/arch/x86_64/paging.c.o: arch/x86_64/paging.c kernel/arch.h \
 kernel/types.h kernel/console.h arch/x86_64/cpu.h kernel/types.h \
 arch/x86_64/layout.h kernel/mem.h kernel/frame.h kernel/mb2.h \
 arch/x86_64/paging.h arch/x86_64/x86.h
kernel/arch.h:
kernel/types.h:
kernel/console.h:
arch/x86_64/cpu.h:
kernel/types.h:
arch/x86_64/layout.h:
kernel/mem.h:
kernel/frame.h:
kernel/mb2.h:
arch/x86_64/paging.h:
arch/x86_64/x86.h:
