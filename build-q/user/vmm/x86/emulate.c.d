build-q/user/vmm/x86/emulate.c.o: vmm/x86/emulate.c vmm/x86/emulate.h \
 vmm/x86/decode.h vmm/x86/walk.h
vmm/x86/emulate.h:
vmm/x86/decode.h:
vmm/x86/walk.h:
