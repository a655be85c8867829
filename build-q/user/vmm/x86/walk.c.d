build-q/user/vmm/x86/walk.c.o: vmm/x86/walk.c vmm/x86/walk.h
vmm/x86/walk.h:
