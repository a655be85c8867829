/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest set-up (vmm/setup.c): the VMM's options and the guest's command
 * line, the multiboot modules' strings, loading a kernel (a small
 * multiboot one here; Linux has its own loader tests) and the messages
 * when it cannot, the MP tables' PCI interrupts, vCPU 0's first state, the
 * exit masks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/board.h"
#include "vmm/setup.h"

#define RAM_SIZE 0x1000000ull             /* 16 MiB */
#define KERNEL_AT 0x100000u
#define ENTRY (KERNEL_AT + 0x20)

static char out[1024];
static size_t nout;
static struct l4_env env;
static uint8_t kernel[0x2000], mod_one[100], mod_two[3000];
static uint8_t *ram;

static int capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out + nout, sizeof(out) - nout, fmt, ap);
	va_end(ap);
	nout += (size_t)n;
	return n;
}

static void add_module(const char *name, const void *data, size_t size, const char *args)
{
	struct l4_env_module *m = &env.modules[env.module_count++];

	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->args, sizeof(m->args), "%s", args);
	m->addr = (l4_word_t)data;
	m->size = size;
}

/* A multiboot kernel with the a.out kludge: the whole file at 1 MiB. */
static void build_kernel(void)
{
	uint32_t flags = MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_AOUT_KLUDGE;

	memset(kernel, 0x90, sizeof(kernel));
	put32(kernel, MB_HEADER_MAGIC);
	put32(kernel + 4, flags);
	put32(kernel + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
	put32(kernel + 12, KERNEL_AT);           /* header_addr */
	put32(kernel + 16, KERNEL_AT);           /* load_addr */
	put32(kernel + 20, 0);                   /* load_end: the whole file */
	put32(kernel + 24, 0);                   /* bss_end: none */
	put32(kernel + 28, ENTRY);
}

static void setup(void)
{
	memset(&env, 0, sizeof(env));
	out[0] = 0;
	nout = 0;
	ram = alloc_exact(RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	build_kernel();
	memset(mod_one, 1, sizeof(mod_one));
	memset(mod_two, 2, sizeof(mod_two));
}

static void teardown(void)
{
	free(ram);
	ram = NULL;
}

START_TEST(test_options_and_command_line)
{
	struct vmm_options o;
	char *argv[] = { "vmm", "vmm.end_machine", "vmm.vid", "vmm.bogus", "console=ttyS0", "earlyprintk=ttyS0",
			 "vmm.novapic", "console=hvc0" };

	setup_options(8, argv, &o, capture);
	ck_assert(o.end_machine);
	ck_assert(o.vid);                                  /* (vmm.novapic after the first other argument is Linux's) */
	ck_assert(o.input_virtio);                          /* the last console= */
	ck_assert_str_eq(o.cmdline, "console=ttyS0 earlyprintk=ttyS0 vmm.novapic console=hvc0");
	ck_assert_str_eq(out, "vmm: unknown option vmm.bogus ignored\n");
	/* vmm.disk=VOLUME: the name, up to 15 characters. */
	char *argvd[] = { "vmm", "vmm.disk=root", "vmm.disk=", "console=ttyS0" };
	out[0] = 0;
	nout = 0;
	setup_options(4, argvd, &o, capture);
	ck_assert_str_eq(o.disk, "root");
	ck_assert_str_eq(out, "vmm: vmm.disk=: not a volume name (1-15 characters): no disk\n");
	char *argvl[] = { "vmm", "vmm.disk=abcdefghijklmnop" };
	out[0] = 0;
	nout = 0;
	setup_options(2, argvl, &o, capture);
	ck_assert_str_eq(o.disk, "");
	ck_assert_str_eq(out, "vmm: vmm.disk=abcdefghijklmnop: not a volume name (1-15 characters): no disk\n");
	char *argv2[] = { "vmm", "vmm.vid", "vmm.novapic", "console=hvc0", "console=ttyS0" };
	setup_options(5, argv2, &o, capture);
	ck_assert(!o.vid && !o.end_machine);
	ck_assert(!o.input_virtio);
	char *argv3[] = { "vmm" };
	setup_options(1, argv3, &o, capture);
	ck_assert_str_eq(o.cmdline, "");
	/* A command line longer than the buffer is cut, NUL-terminated. */
	static char longarg[700];
	memset(longarg, 'a', sizeof(longarg) - 1);
	char *argv4[] = { "vmm", "x", longarg };
	setup_options(3, argv4, &o, capture);
	ck_assert_uint_eq(strlen(o.cmdline), SETUP_CMDLINE - 2);
	ck_assert(strncmp(o.cmdline, "x aaa", 5) == 0);
}
END_TEST

/* vmm.net and vmm.mac=: a NIC, its address given or not; a bad address
 * is said and means no NIC, whatever else asked for one. */
START_TEST(test_network_options)
{
	static const uint8_t mac[6] = { 0x02, 0xab, 0xcd, 0xef, 0x01, 0x23 };
	struct vmm_options o;

	char *plain[] = { "vmm", "vmm.net", "console=ttyS0" };
	setup_options(3, plain, &o, capture);
	ck_assert(o.net && !o.mac_given);
	ck_assert_str_eq(o.cmdline, "console=ttyS0");
	char *given[] = { "vmm", "vmm.mac=02:AB:cd:ef:01:23" };
	setup_options(2, given, &o, capture);
	ck_assert(o.net && o.mac_given);
	ck_assert_mem_eq(o.mac, mac, 6);
	ck_assert_str_eq(out, "");
	static const char *const bad[] = {
		"vmm.mac=01:00:5e:00:00:01",                       /* a group address */
		"vmm.mac=02:ab:cd:ef:01",                          /* too short */
		"vmm.mac=02:ab:cd:ef:01:234",                      /* too long */
		"vmm.mac=02-ab-cd-ef-01-23",
		"vmm.mac=0g:ab:cd:ef:01:23",
		"vmm.mac=",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "vmm", "vmm.net", (char *)bad[i], "vmm.mac=02:ab:cd:ef:01:23", "quiet" };
		char want[128];
		out[0] = 0;
		nout = 0;
		setup_options(5, argv, &o, capture);
		snprintf(want, sizeof(want), "vmm: %s: not a unicast Ethernet address (xx:xx:xx:xx:xx:xx): no NIC\n",
			 bad[i]);
		ck_assert_str_eq(out, want);
		ck_assert(!o.net && !o.mac_given);
		ck_assert_mem_eq(o.mac, (const uint8_t[6]){ 0 }, 6);
		ck_assert_str_eq(o.cmdline, "quiet");
	}
	char *none[] = { "vmm", "vmm.disk=root" };
	setup_options(2, none, &o, capture);
	ck_assert(!o.net && !o.mac_given);
}
END_TEST

START_TEST(test_modules_and_their_strings)
{
	struct mb_module mods[L4_ENV_MAX_MODULES];
	char strings[L4_ENV_MAX_MODULES][SETUP_MB_STRING];

	add_module("one", mod_one, sizeof(mod_one), "a b");
	add_module("kernel", kernel, sizeof(kernel), "");
	add_module("two", mod_two, sizeof(mod_two), "");
	ck_assert_ptr_eq(setup_module(&env, "kernel"), &env.modules[1]);
	ck_assert_ptr_eq(setup_module(&env, "two"), &env.modules[2]);
	ck_assert_ptr_null(setup_module(&env, "initrd"));
	ck_assert_ptr_null(setup_module(&env, "tw"));
	ck_assert_ptr_null(setup_module(&env, "twos"));
	/* Every module but the kernel, in order, "NAME ARGS". */
	ck_assert_uint_eq(setup_multiboot_modules(&env, mods, strings), 2);
	ck_assert_str_eq(mods[0].cmdline, "one a b");
	ck_assert_ptr_eq(mods[0].data, mod_one);
	ck_assert_uint_eq(mods[0].len, sizeof(mod_one));
	ck_assert_str_eq(mods[1].cmdline, "two");
	/* The longest name and arguments fit. */
	memset(env.modules[0].name, 'n', L4_ENV_NAME_LEN - 1);
	memset(env.modules[0].args, 'x', L4_ENV_MODULE_ARGS_LEN - 1);
	ck_assert_uint_eq(setup_multiboot_modules(&env, mods, strings), 2);
	ck_assert_uint_eq(strlen(mods[0].cmdline), L4_ENV_NAME_LEN - 1 + 1 + L4_ENV_MODULE_ARGS_LEN - 1);
}
END_TEST

START_TEST(test_multiboot_kernel_loads)
{
	struct cpustate cpu;

	add_module("kernel", kernel, sizeof(kernel), "");
	add_module("one", mod_one, sizeof(mod_one), "a b");
	add_module("two", mod_two, sizeof(mod_two), "");
	ck_assert(setup_load(&env, ram, RAM_SIZE, "cmd line", 1, 0, &cpu, capture));
	ck_assert_str_eq(out, "vmm: multiboot kernel loaded (8192 bytes, entry 0x100020, 2 modules)\n");
	ck_assert_uint_eq(cpu.rip, ENTRY);
	ck_assert_uint_eq(cpu.rax, MB_BOOTLOADER_MAGIC);
	ck_assert_mem_eq(ram + KERNEL_AT, kernel, sizeof(kernel));
	/* The modules' strings as the guest finds them in the multiboot information. */
	const uint8_t *info = ram + cpu.rbx;
	ck_assert_uint_eq(get32(info + 20), 2);                   /* mods_count */
	const uint8_t *mod = ram + get32(info + 24);
	ck_assert_str_eq((const char *)ram + get32(mod + 8), "one a b");
	ck_assert_mem_eq(ram + get32(mod), mod_one, sizeof(mod_one));
	ck_assert_str_eq((const char *)ram + get32(mod + 16 + 8), "two");
	ck_assert_str_eq((const char *)ram + get32(info + 16), "cmd line");
	/* No MP tables for a multiboot guest. */
	ck_assert_uint_eq(get32(ram + SETUP_MPTABLE_GPA), 0);
}
END_TEST

START_TEST(test_what_cannot_load)
{
	struct cpustate cpu;

	/* No kernel module. */
	add_module("initrd", mod_one, sizeof(mod_one), "");
	ck_assert(!setup_load(&env, ram, RAM_SIZE, "", 1, 0, &cpu, capture));
	ck_assert_str_eq(out, "vmm: no guest kernel (`module kernel FILE`)\n");
	/* Neither a bzImage nor multiboot: both reasons. */
	nout = 0;
	add_module("kernel", mod_two, sizeof(mod_two), "");
	ck_assert(!setup_load(&env, ram, RAM_SIZE, "", 1, 0, &cpu, capture));
	ck_assert_msg(strncmp(out, "vmm: kernel refused: as a Linux bzImage: ", 41) == 0, "%s", out);
	ck_assert(strstr(out, "; as multiboot: ") != NULL);
	/* A multiboot kernel that loads without its modules: a module is at
	 * fault (one larger than guest RAM). */
	memset(&env, 0, sizeof(env));
	nout = 0;
	add_module("kernel", kernel, sizeof(kernel), "");
	add_module("huge", mod_two, RAM_SIZE, "");
	ck_assert(!setup_load(&env, ram, RAM_SIZE, "", 1, 0, &cpu, capture));
	ck_assert_msg(strncmp(out, "vmm: multiboot kernel refused: ", 31) == 0, "%s", out);
	/* No PC memory map for so little RAM. */
	nout = 0;
	ck_assert(!setup_load(&env, ram, 0, "", 1, 0, &cpu, capture));
	ck_assert_str_eq(out, "vmm: 0 bytes of RAM make no PC memory map\n");
}
END_TEST

/* The MP tables route each PCI function's INTA# to its own pin: the
 * console always, the disk and the NIC as the board has them. */
static bool routed(unsigned cpus, unsigned slot, unsigned pin)
{
	/* (The I/O interrupt entry: INT, level and active low, bus 0, INTA# of the slot.) */
	const uint8_t e[8] = { 3, 0, 0x0f, 0, 0, (uint8_t)(slot << 2), (uint8_t)BOARD_IOAPIC_ID(cpus), (uint8_t)pin };

	for (unsigned at = 0; at + 8 <= 0x1000; at += 4)
		if (!memcmp(ram + SETUP_MPTABLE_GPA + at, e, 8))
			return true;
	return false;
}

START_TEST(test_mp_tables_route_the_pci_functions)
{
	static const struct {
		unsigned pci;
		bool disk, net;
	} cases[] = { { 0, false, false }, { SETUP_PCI_DISK, true, false }, { SETUP_PCI_NET, false, true },
		      { SETUP_PCI_DISK | SETUP_PCI_NET, true, true } };

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(ram + SETUP_MPTABLE_GPA, 0, SETUP_MPTABLE_SIZE);
		ck_assert(setup_mptable(ram, RAM_SIZE, 2, cases[i].pci));
		ck_assert(routed(2, BOARD_VIRTIO_SLOT, BOARD_VIRTIO_IRQ));
		ck_assert_int_eq(routed(2, BOARD_DISK_SLOT, BOARD_DISK_IRQ), cases[i].disk);
		ck_assert_int_eq(routed(2, BOARD_NET_SLOT, BOARD_NET_IRQ), cases[i].net);
	}
	/* Guest RAM that does not reach the BIOS area: none. */
	ck_assert(!setup_mptable(ram, SETUP_MPTABLE_GPA, 1, 0));
}
END_TEST

START_TEST(test_first_state)
{
	struct cpustate c;
	struct l4_vcpu_state s;

	memset(&c, 0, sizeof(c));
	c.rax = 1, c.rbx = 2, c.rcx = 3, c.rdx = 4, c.rsi = 5, c.rdi = 6, c.rbp = 7, c.rsp = 8;
	c.r8 = 9, c.r15 = 16, c.rip = 0x100020, c.rflags = 2;
	c.cr0 = 0x11, c.cr3 = 0x5000, c.cr4 = 0x20, c.efer = 0x500;
	c.cs = (struct cpu_segment){ .selector = 0x08, .ar = 0xc09b, .limit = 0xffffffff, .base = 0 };
	c.tr = (struct cpu_segment){ .selector = 0, .ar = 0x8b, .limit = 0x67, .base = 0x2000 };
	c.gdtr = (struct cpu_dtable){ .base = 0x1000, .limit = 31 };
	setup_state(&c, &s);
	ck_assert_uint_eq(s.gpr[L4_REG_RAX], 1);
	ck_assert_uint_eq(s.gpr[L4_REG_RBX], 2);
	ck_assert_uint_eq(s.gpr[L4_REG_RSP], 8);
	ck_assert_uint_eq(s.gpr[L4_REG_R8], 9);
	ck_assert_uint_eq(s.gpr[L4_REG_R15], 16);
	ck_assert_uint_eq(s.gpr[L4_REG_RIP], 0x100020);
	ck_assert_uint_eq(s.gpr[L4_REG_RFLAGS], 2);
	ck_assert_uint_eq(s.cr[L4_CR_CR0], 0x11);
	ck_assert_uint_eq(s.cr[L4_CR_CR3], 0x5000);
	ck_assert_uint_eq(s.cr[L4_CR_CR4], 0x20);
	ck_assert_uint_eq(s.cr[L4_CR_EFER], 0x500);
	ck_assert_uint_eq(s.cr[L4_CR_DR7], 0x400);
	ck_assert_uint_eq(s.seg[2 * L4_SEG_CS], L4_SEG_WORD(0x08, L4_SEG_AR(0xc09b), 0xffffffff));
	ck_assert_uint_eq(s.seg[2 * L4_SEG_TR + 1], 0x2000);
	ck_assert_uint_eq(s.dt[L4_DT_GDTR_BASE], 0x1000);
	ck_assert_uint_eq(s.dt[L4_DT_GDTR_LIMIT], 31);
	ck_assert_uint_eq(s.msr[L4_MSR_PAT], 0x0007040600070406ull);
}
END_TEST

START_TEST(test_exit_masks)
{
	uint8_t m[L4_VMEXIT_REASONS];

	memset(m, 0xff, sizeof(m));
	setup_exit_masks(m, false);
	ck_assert_uint_eq(m[L4_VMEXIT_IO], 0);                  /* the default: GPRs only */
	ck_assert_uint_eq(m[L4_VMEXIT_EPT_VIOLATION], L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG);
	ck_assert_uint_eq(m[L4_VMEXIT_RDMSR], L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_MSR);
	ck_assert_uint_eq(m[L4_VMEXIT_CPUID], L4_VCPU_GPR | L4_VCPU_CR);
	ck_assert_uint_eq(m[L4_VMEXIT_IRQ_WINDOW], L4_VCPU_GPR | L4_VCPU_CR);
	ck_assert_uint_eq(m[L4_VMEXIT_HLT], L4_VCPU_GPR);
	ck_assert_uint_eq(m[L4_VMEXIT_APIC_ACCESS] & L4_VCPU_APIC, 0);
	setup_exit_masks(m, true);
	ck_assert_uint_eq(m[L4_VMEXIT_HLT], L4_VCPU_GPR | L4_VCPU_APIC);
	ck_assert_uint_eq(m[L4_VMEXIT_APIC_ACCESS], L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_APIC);
}
END_TEST

Suite *vmm_setup_suite(void)
{
	Suite *s = suite_create("vmm_setup");
	TCase *tc = tcase_create("setup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_options_and_command_line);
	tcase_add_test(tc, test_network_options);
	tcase_add_test(tc, test_modules_and_their_strings);
	tcase_add_test(tc, test_multiboot_kernel_loads);
	tcase_add_test(tc, test_what_cannot_load);
	tcase_add_test(tc, test_mp_tables_route_the_pci_functions);
	tcase_add_test(tc, test_first_state);
	tcase_add_test(tc, test_exit_masks);
	suite_add_tcase(s, tc);
	return s;
}
