build-q/sigma0-obj/sigma0/start.S.o: sigma0/start.S
