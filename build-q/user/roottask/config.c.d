build-q/user/roottask/config.c.o: roottask/config.c roottask/config.h
roottask/config.h:
