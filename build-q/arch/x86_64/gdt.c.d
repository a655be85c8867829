build-q/arch/x86_64/gdt.c.o: arch/x86_64/gdt.c arch/x86_64/trap.h \
 kernel/types.h arch/x86_64/x86.h
arch/x86_64/trap.h:
kernel/types.h:
arch/x86_64/x86.h:
