# L4 microhypervisor: top-level build.
#
#   make            build everything (kernel, programs, ISOs)
#   make run        native servers and Debian's Linux in a VM (config/linux.cfg):
#                   QEMU with KVM where nested VT-x works, else Bochs; serial here
#   make run-native native servers only (config/run.cfg) in QEMU: seconds
#   make run-bochs  the native image in Bochs
#   make debug      the native image in QEMU stopped for gdb (tools/debug.sh prints
#                   the gdb command; GDB_PORT=1234)
#   make test       host unit tests + boot tests in QEMU and Bochs; ends "N passed, N failed"
#   make deps       install missing Debian packages (root) or print the apt-get command
#
# One non-recursive Makefile; every object gets a .d dependency file, so
# incremental builds rebuild exactly what changed.

BUILD      ?= build
CC         := gcc
LD         := ld
HOSTCC     ?= gcc

# V=1 shows whole commands.
Q := $(if $(V),,@)

# Kernel command line used by `make run`; tests build their own images.
CMDLINE    ?= loglevel=3
RUN_CONFIG ?= config/run.cfg
LINUX_CONFIG ?= config/linux.cfg
TIMEOUT    ?= 0

# ---------------------------------------------------------------- kernel
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-ffreestanding -fno-builtin -nostdinc -mno-red-zone -mcmodel=kernel -fno-pic -fno-pie \
	-mgeneral-regs-only -mno-sse -mno-mmx -mno-avx -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-strict-aliasing \
	-fcf-protection=none -ffunction-sections -fno-tree-loop-distribute-patterns \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Ikernel -Iarch/x86_64 -MMD -MP
KERNEL_ASFLAGS := $(filter-out -std=gnu11,$(KERNEL_CFLAGS)) -D__ASSEMBLY__
KERNEL_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T linker/kernel.ld

KERNEL_SRCS := $(sort $(wildcard kernel/*.c) $(wildcard arch/x86_64/*.c) $(wildcard arch/x86_64/*.S))
KERNEL_OBJS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRCS))

.PHONY: all kernel iso run run-bochs run-linux run-native debug test unit deps clean sloc ktest bench fuzz programs FORCE
all: iso $(BUILD)/sigma0.elf $(BUILD)/ktest.elf $(BUILD)/bench.elf programs $(BUILD)/cfgtool $(BUILD)/run.iso

kernel: $(BUILD)/kernel.elf
iso: $(BUILD)/l4.iso

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) linker/kernel.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)

# The images' inputs that are not files: make rewrites $(BUILD)/image.vars
# as it reads this file (with -n too) whenever they differ from the last
# run's, so that `make run-native CMDLINE=...` or RUN_CONFIG=... makes a
# new image instead of booting the old one.
IMAGE_VARS := CMDLINE=$(CMDLINE) RUN_CONFIG=$(RUN_CONFIG)
ifneq ($(file <$(BUILD)/image.vars),$(IMAGE_VARS))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/image.vars,$(IMAGE_VARS))
endif

$(BUILD)/l4.iso: $(BUILD)/kernel.elf tools/mkiso.sh $(BUILD)/image.vars
	@echo "  ISO     $@"
	$(Q)tools/mkiso.sh $@ $(BUILD)/kernel.elf "console=com1 $(CMDLINE)"

# The boot configuration tool (docs/config.md), for tools/mkimage.sh.
$(BUILD)/cfgtool: tools/cfgtool.c roottask/config.c roottask/config.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=c11 -O1 -Wall -Wextra -Werror -I. -Iinclude -o $@ tools/cfgtool.c roottask/config.c

# ---------------------------------------------------------------- user programs
# Static ELF executables for ring 3 (the kernel loads them as boot modules).
# -mgeneral-regs-only until the kernel switches FPU/SSE state between threads.
USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
	-ffreestanding -fno-builtin -nostdinc -fno-pic -fno-pie -fno-stack-protector \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude -iquote kernel -MMD -MP
USER_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker/user.ld

$(BUILD)/user/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  UCC     $<"
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  UAS     $<"
	$(Q)$(CC) $(filter-out -std=gnu11,$(USER_CFLAGS)) -c $< -o $@

# libl4: what native programs link with (libl4/l4lib.h).
LIBL4_SRCS := $(sort $(wildcard libl4/*.c libl4/*.S)) kernel/format.c kernel/string.c
LIBL4_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(LIBL4_SRCS))
USER_CFLAGS += -Ilibl4

# The kernel test suite runs as the root task (tests/ktest).
KTEST_SRCS := $(sort $(wildcard tests/ktest/*.c tests/ktest/*.S))
KTEST_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(KTEST_SRCS)) $(LIBL4_OBJS)

$(BUILD)/ktest.elf: $(KTEST_OBJS) linker/user.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(KTEST_OBJS)

ktest: $(BUILD)/ktest.elf

# The IPC benchmark suite runs as the root task (bench/).
BENCH_SRCS := $(sort $(wildcard bench/*.c)) vmm/x86state.c $(sort $(wildcard vmm/x86/*.c))
BENCH_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(BENCH_SRCS)) $(LIBL4_OBJS)

$(BUILD)/bench.elf: $(BENCH_OBJS) linker/user.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(BENCH_OBJS)

# Native programs: $(call user_program,NAME,SOURCES) links $(BUILD)/NAME.elf
# from its sources and libl4.
define user_program
$(BUILD)/$(1).elf: $(patsubst %,$(BUILD)/user/%.o,$(2)) $(LIBL4_OBJS) linker/user.ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $$@ $(patsubst %,$(BUILD)/user/%.o,$(2)) $(LIBL4_OBJS)
PROGRAMS += $(BUILD)/$(1).elf
USER_OBJS += $(patsubst %,$(BUILD)/user/%.o,$(2))
endef
$(eval $(call user_program,roottask,roottask/main.c roottask/config.c kernel/elf.c))
$(eval $(call user_program,hello-server,examples/hello/server.c))
$(eval $(call user_program,hello-client,examples/hello/client.c))
$(eval $(call user_program,crash,tests/programs/crash.c))
$(eval $(call user_program,modules-test,tests/programs/modules-test.c))
$(eval $(call user_program,neighbour,tests/programs/neighbour.c))
# The VMM: board, device models, instruction emulation, loaders.
$(eval $(call user_program,vmm,$(sort $(wildcard vmm/*.c vmm/dev/*.c vmm/x86/*.c vmm/loader/*.c))))

# Test guests for the VMM (32-bit, multiboot).
$(BUILD)/guests/%.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	@echo "  AS32    $<"
	$(Q)$(CC) -m32 -c -ffreestanding -fno-pic -o $@ $<
$(BUILD)/mb%.elf: $(BUILD)/guests/mb%.o tests/guests/mbtest.ld
	@echo "  LD32    $@"
	$(Q)$(LD) -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments -T tests/guests/mbtest.ld -o $@ $<
PROGRAMS += $(BUILD)/mbtest.elf $(BUILD)/mbcrash.elf $(BUILD)/mbsmp.elf
.PRECIOUS: $(BUILD)/guests/%.o

# The Linux guest: Debian's kernel, a busybox initramfs and an ext4 root
# file system for its virtio disk, from Debian packages.
$(BUILD)/guest/vmlinuz $(BUILD)/guest/initrd.gz $(BUILD)/guest/rootfs.ext4: tools/guest-linux.sh tests/guests/l4end.S \
		tests/guests/l4tsc.S
	@echo "  GUEST   $(BUILD)/guest (Debian's linux-image-amd64, busybox-static)"
	$(Q)tools/guest-linux.sh $(BUILD)/guest

# Each server (and its test programs) adds its own lines in servers/NAME/program.mk.
include $(sort $(wildcard servers/*/program.mk))
programs: $(PROGRAMS)

# What `make run-native` boots: RUN_CONFIG made into an image as a user would.
# (Here, below every PROGRAMS +=: make expands a rule's prerequisites where it
# reads the rule, so above them the list was empty and edited programs were
# not rebuilt into the image.)
$(BUILD)/run.iso: $(RUN_CONFIG) $(BUILD)/cfgtool $(BUILD)/kernel.elf $(BUILD)/sigma0.elf $(PROGRAMS) \
		tools/mkimage.sh tools/mkiso.sh $(BUILD)/image.vars
	@echo "  IMAGE   $@ ($(RUN_CONFIG))"
	$(Q)tools/mkimage.sh -D BUILD=$(BUILD) -c "$(CMDLINE)" -o $@ $(RUN_CONFIG)

# sigma0 maps physical memory 1:1, so it lives far above any physical
# address, which needs the large code model (its own object directory).
SIGMA0_SRCS := $(sort $(wildcard sigma0/*.c sigma0/*.S)) kernel/format.c kernel/string.c
SIGMA0_OBJS := $(patsubst %,$(BUILD)/sigma0-obj/%.o,$(SIGMA0_SRCS))

$(BUILD)/sigma0-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  UCC     $< (large model)"
	$(Q)$(CC) $(USER_CFLAGS) -mcmodel=large -c $< -o $@

$(BUILD)/sigma0-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  UAS     $<"
	$(Q)$(CC) $(filter-out -std=gnu11,$(USER_CFLAGS)) -c $< -o $@

$(BUILD)/sigma0.elf: $(SIGMA0_OBJS) linker/user.ld
	@echo "  LD      $@"
	$(Q)$(LD) --defsym=USER_BASE=0x700000000000 $(USER_LDFLAGS) -o $@ $(SIGMA0_OBJS)

# ---------------------------------------------------------------- host unit tests
# Pure kernel logic compiled for the host and driven by Check.
UNIT_KSRCS := kernel/format.c kernel/mb2.c kernel/frame.c kernel/cmdline.c kernel/elf.c kernel/acpi.c kernel/dtree.c
# Pure user-level code (VMM device models, instruction decoder, loaders,
# the root task's configuration parser, the VMM's exit state to emulator
# glue and the VMM's pure parts: the board and its bus, guest set-up,
# CPUID, MSRs, interrupt delivery, console output, typed input, statistics)
# is tested the same way: it uses only <stdint.h>, <stddef.h>,
# <stdbool.h>, __builtin_mem* and, for the glue, libl4's headers (types and
# inline helpers, no system calls) and the CPUID instruction. (The VMM's
# files that make system calls, main.c, vcpu.c, vapic.c and timer.c, are
# not built here.)
UNIT_USRCS := $(sort $(wildcard vmm/dev/*.c vmm/x86/*.c vmm/loader/*.c) vmm/board.c vmm/bus.c vmm/x86state.c \
	vmm/cpuid.c vmm/msr.c vmm/irq.c vmm/console.c vmm/input.c vmm/stats.c vmm/setup.c \
	roottask/config.c servers/blk/policy.c servers/ata/ata.c servers/vswitch/fdb.c servers/vswitch/switch.c libl4/netring.c \
	servers/netecho/packet.c)
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c tests/unit/*/*.c))
UNIT_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -DHOST_TEST -Iinclude -iquote kernel -iquote arch/x86_64 -I. -Ilibl4 \
	-I$(BUILD)/host \
	-fsanitize=address,undefined -fno-omit-frame-pointer -MMD -MP \
	$(shell pkg-config --cflags check 2>/dev/null)
UNIT_LIBS  := $(shell pkg-config --libs check 2>/dev/null)
UNIT_OBJS  := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_SRCS) $(UNIT_KSRCS) $(UNIT_USRCS))
# Kernel arch files compiled unchanged with their privileged instructions
# replaced by recorders (tests/unit/shim/x86_shim.h, forced in with -include;
# tests/unit/test_space.c): their own object rule, so the shim reaches no
# other file. gdt.c's tss_set_io_bitmap is renamed so that the shim's
# recorder of that call can pass it on (tests/unit/shim/shim.h).
UNIT_ASRCS := arch/x86_64/space.c arch/x86_64/paging.c arch/x86_64/gdt.c
UNIT_AOBJS := $(patsubst %.c,$(BUILD)/host/shim/%.o,$(UNIT_ASRCS))
UNIT_OBJS  += $(UNIT_AOBJS)
UNIT_SHIM_CFLAGS := -include tests/unit/shim/x86_shim.h
$(BUILD)/host/shim/arch/x86_64/gdt.o: UNIT_SHIM_CFLAGS += -Dtss_set_io_bitmap=gdt_tss_set_io_bitmap

# Every `Suite *NAME_suite(void)` defined in a test file is run: the list
# is generated, so adding a test file is all it takes.
# (Always regenerated, kept when unchanged: the list of files may change.)
$(BUILD)/host/suites.h: $(UNIT_SRCS) Makefile FORCE
	@mkdir -p $(dir $@)
	$(Q)grep -ho '^Suite \*[a-z0-9_]*_suite(void)' $(UNIT_SRCS) | \
		sed 's/^Suite \*\([a-z0-9_]*\)_suite(void)/UNIT_SUITE(\1)/' > $@.tmp
	$(Q)cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/host/tests/unit/main.o: $(BUILD)/host/suites.h

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_AOBJS): $(BUILD)/host/shim/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (shim)"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_SHIM_CFLAGS) -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_OBJS)
	@echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) -fsanitize=address,undefined -o $@ $(UNIT_OBJS) $(UNIT_LIBS)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# ---------------------------------------------------------------- commands
deps:
	@tools/setup.sh

# The whole system: native servers and Debian's Linux in a VM (LINUX_CONFIG),
# under QEMU with KVM where nested VT-x works, else Bochs (about four minutes
# to the shell prompt there).
# The guest's root file system is on the machine's disk, $(BUILD)/disk.img:
# a copy of $(BUILD)/guest/rootfs.ext4 made once, so what the guest writes
# stays there from run to run (delete it for a fresh one).
run: deps
	@$(MAKE) --no-print-directory all $(BUILD)/guest/vmlinuz $(BUILD)/disk.img
	$(Q)tools/mkimage.sh -D BUILD=$(BUILD) -c "$(CMDLINE)" -o $(BUILD)/linux.iso $(LINUX_CONFIG)
	$(if $(CPUS),EMU_CPUS=$(CPUS) )EMU_DISK=$(BUILD)/disk.img tools/run-linux.sh $(BUILD)/linux.iso $(TIMEOUT)

$(BUILD)/disk.img: | $(BUILD)/guest/vmlinuz
	@echo "  DISK    $@ (a copy of $(BUILD)/guest/rootfs.ext4: the guest's root file system)"
	$(Q)cp $(BUILD)/guest/rootfs.ext4 $@

run-linux: run

# Native programs only (RUN_CONFIG), in QEMU: seconds.
run-native: deps
	@$(MAKE) --no-print-directory all
	$(if $(CPUS),EMU_CPUS=$(CPUS) )tools/run-qemu.sh $(BUILD)/run.iso $(TIMEOUT)

run-bochs: deps
	@$(MAKE) --no-print-directory all
	$(if $(CPUS),EMU_CPUS=$(CPUS) )tools/run-bochs.sh $(BUILD)/run.iso $(TIMEOUT)

# The native image in QEMU stopped at its first instruction, with a gdb
# server on 127.0.0.1:GDB_PORT (README, Debugging).
debug: deps
	@$(MAKE) --no-print-directory all
	tools/debug.sh $(BUILD)/run.iso $(BUILD)/kernel.elf $(TIMEOUT)

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests $(BUILD)/guest/vmlinuz
	@tests/run.sh

# The concurrent fuzzer over more seeds and steps than `make test` (tools/fuzz.sh).
fuzz: deps
	@$(MAKE) --no-print-directory all
	@tools/fuzz.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/guest/vmlinuz
	@tools/bench.sh

sloc:
	@cat kernel/*.c kernel/*.h arch/x86_64/*.[chS] | grep -cvE '^\s*($$|//|/\*|\*)'

clean:
	rm -rf $(BUILD)

FORCE:

-include $(KERNEL_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(KTEST_OBJS:.o=.d) $(SIGMA0_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) \
	$(USER_OBJS:.o=.d)
