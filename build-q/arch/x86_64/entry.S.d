build-q/arch/x86_64/entry.S.o: arch/x86_64/entry.S
