build-q/user/libl4/crt0.S.o: libl4/crt0.S
