build-q/arch/x86_64/boot.S.o: arch/x86_64/boot.S arch/x86_64/layout.h
arch/x86_64/layout.h:
