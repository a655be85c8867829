build-q/user/vmm/x86/decode.c.o: vmm/x86/decode.c vmm/x86/decode.h
vmm/x86/decode.h:
