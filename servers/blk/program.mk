# The block server (include/l4/blk.h).
$(eval $(call user_program,blk,servers/blk/main.c servers/blk/policy.c))
