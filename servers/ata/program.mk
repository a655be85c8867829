# The ATA/IDE disk driver (include/l4/disk.h); its boot tests are the block
# server's (servers/blk/program.mk).
$(eval $(call user_program,ata,servers/ata/main.c servers/ata/ata.c))
