# The block server (include/l4/blk.h) and the programs and disk images of
# its boot tests (tests/boot/blk.cfg, tests/boot/bochs-blk.cfg).
$(eval $(call user_program,blk,servers/blk/main.c servers/blk/policy.c))
$(eval $(call user_program,blk-test,tests/programs/blk-test.c))
$(eval $(call user_program,blk-bad,tests/programs/blk-bad.c))
$(eval $(call user_program,disk-crash,tests/programs/disk-crash.c))

# Test images with known content (tests/programs/blk-pattern.h): a disk of
# 2016 sectors, two cylinders of 16 heads and 63 sectors (Bochs takes
# flat disks in whole cylinders), and a RAM disk module of 128 KiB.
$(BUILD)/mkdisk: tools/mkdisk.c tests/programs/blk-pattern.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=c11 -O1 -Wall -Wextra -Werror -I. -o $@ tools/mkdisk.c
$(BUILD)/blk-disk.img: $(BUILD)/mkdisk
	@echo "  DISK    $@"
	$(Q)$(BUILD)/mkdisk $@ 2016 1
$(BUILD)/blk-ram.img: $(BUILD)/mkdisk
	@echo "  DISK    $@"
	$(Q)$(BUILD)/mkdisk $@ 256 2
PROGRAMS += $(BUILD)/blk-disk.img $(BUILD)/blk-ram.img
