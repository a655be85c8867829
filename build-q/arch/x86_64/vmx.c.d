build-q/arch/x86_64/vmx.c.o: arch/x86_64/vmx.c arch/x86_64/vmx.h \
 kernel/types.h kernel/arch.h kernel/types.h kernel/console.h \
 arch/x86_64/cpu.h arch/x86_64/layout.h kernel/mem.h kernel/frame.h \
 kernel/mb2.h arch/x86_64/x86.h
arch/x86_64/vmx.h:
kernel/types.h:
kernel/arch.h:
kernel/types.h:
kernel/console.h:
arch/x86_64/cpu.h:
arch/x86_64/layout.h:
kernel/mem.h:
kernel/frame.h:
kernel/mb2.h:
arch/x86_64/x86.h:
