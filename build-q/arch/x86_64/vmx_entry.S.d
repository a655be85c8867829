build-q/arch/x86_64/vmx_entry.S.o: arch/x86_64/vmx_entry.S
