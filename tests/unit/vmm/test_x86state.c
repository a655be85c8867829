/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/x86state.c, between a VM exit's state groups (l4vcpu.h)
 * and the instruction emulator: the guest's MAXPHYADDR has one source (the
 * host's CPUID, which the guest's CPUID leaf 0x80000008 reports too), the
 * CPL is SS.DPL, and segments and registers arrive where the emulator
 * expects them; an emulation's exception becomes the reply's event, a #PF
 * with CR2 in the CR group. End to end, as the VMM runs a string I/O exit:
 * a user process's REP INSB into a supervisor page is a #PF(P|W|U) for the
 * guest with CR2, and the page and the port are left alone; SMAP likewise.
 */
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/x86state.h"
#include "gmem.h"

/* VMX access rights (SDM vol. 3C, 24.4.1) of a few segments. */
#define AR_CODE64 0xa09bu                 /* P S code, L, G; DPL 0 */
#define AR_DATA 0xc093u                   /* P S data writable, B, G; DPL 0 */
#define AR_DPL3 (3u << 5)

static struct l4_vcpu_state state;

/* A 64-bit guest at CPL cpl: flat segments of that DPL. */
static void state_long(unsigned cpl)
{
	memset(&state, 0, sizeof(state));
	state.cr[L4_CR_CR0] = X86_CR0_PE | X86_CR0_PG;
	state.cr[L4_CR_CR4] = X86_CR4_PAE;
	state.cr[L4_CR_EFER] = X86_EFER_LMA;
	for (unsigned s = 0; s < X86_NSEG; s++) {
		unsigned ar = (s == X86_CS ? AR_CODE64 : AR_DATA) | (cpl ? AR_DPL3 : 0);
		state.seg[2 * s] = L4_SEG_WORD(s == X86_CS ? 0x10 | cpl : 0x18 | cpl, L4_SEG_AR(ar),
					       0xffffffffu);
	}
}

/* The walker's width is the one CPUID gives the guest: the host's. */
START_TEST(test_maxphyaddr_one_source)
{
	struct x86_cpu cpu;

#if defined(__x86_64__)
	unsigned a = 0, b, c, d = 0, ext = __get_cpuid_max(0x80000000u, NULL), sizes = 0;
	if (ext >= 0x80000008u)
		__get_cpuid(0x80000008u, &sizes, &b, &c, &d);
	__get_cpuid(1, &a, &b, &c, &d);
	ck_assert_uint_eq(vmm_maxphyaddr(), x86_maxphyaddr_cpuid(ext, sizes, d));
#endif
	ck_assert_uint_ge(vmm_maxphyaddr(), X86_MAXPHYADDR_MIN);
	ck_assert_uint_le(vmm_maxphyaddr(), X86_MAXPHYADDR_MAX);
	state_long(0);
	x86_cpu_from_state(&state, &cpu);
	ck_assert_uint_eq(cpu.paging.maxphyaddr, vmm_maxphyaddr());
}
END_TEST

/* CPL is SS.DPL: 3 makes the emulator's accesses user accesses. */
START_TEST(test_cpl_from_ss)
{
	struct x86_cpu cpu;

	state_long(3);
	x86_cpu_from_state(&state, &cpu);
	ck_assert_uint_eq(cpu.cpl, 3);
	ck_assert_uint_eq(cpu.seg[X86_SS].attr, AR_DATA | AR_DPL3);
	ck_assert_uint_eq(cpu.seg[X86_CS].attr, AR_CODE64 | AR_DPL3);
	state_long(0);
	x86_cpu_from_state(&state, &cpu);
	ck_assert_uint_eq(cpu.cpl, 0);
	/* SS decides, not CS (they agree in a valid state; SS is the SDM's CPL). */
	state.seg[2 * X86_SS] = L4_SEG_WORD(0x2b, L4_SEG_AR(AR_DATA | AR_DPL3), 0xffffffffu);
	x86_cpu_from_state(&state, &cpu);
	ck_assert_uint_eq(cpu.cpl, 3);
	/* Registers by x86 number, limits and bases as they came. */
	state.gpr[L4_REG_RDI] = 0x1234;
	state.gpr[L4_REG_RCX] = 7;
	state.gpr[L4_REG_RIP] = 0xffffffff81000000ull;
	state.seg[2 * X86_FS + 1] = 0x7f0000001000ull;
	x86_cpu_from_state(&state, &cpu);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0x1234);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 7);
	ck_assert_uint_eq(cpu.rip, 0xffffffff81000000ull);
	ck_assert_uint_eq(cpu.seg[X86_FS].base, 0x7f0000001000ull);
	ck_assert_uint_eq(cpu.seg[X86_ES].limit, 0xffffffffu);
}
END_TEST

/* ------------------------------------------------------------ events for the reply */

START_TEST(test_event_page_fault_with_cr2)
{
	struct x86_emu_result res = { .vector = X86_VEC_PF, .has_error = true,
				      .error_code = X86_PF_P | X86_PF_W | X86_PF_U,
				      .cr2 = 0xffff888000100080ull };
	unsigned groups = L4_VCPU_GPR;
	l4_word_t error = 99;

	state_long(3);
	state.cr[L4_CR_CR2] = 0x1234;
	state.cr[L4_CR_CR3] = 0x5000;
	l4_word_t ev = x86_emu_event(X86_EMU_PF, &res, &state, &groups, &error);
	ck_assert_uint_eq(ev, L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 14);
	ck_assert_uint_eq(error, 7);
	ck_assert_uint_eq(state.cr[L4_CR_CR2], 0xffff888000100080ull);
	ck_assert_uint_eq(state.cr[L4_CR_CR3], 0x5000);       /* the rest as read */
	ck_assert_uint_eq(groups, L4_VCPU_GPR | L4_VCPU_CR);
}
END_TEST

START_TEST(test_event_other_results)
{
	struct x86_emu_result res = { .vector = X86_VEC_GP, .has_error = true, .cr2 = 0xdead };
	unsigned groups = L4_VCPU_GPR;
	l4_word_t error = 99;

	state_long(0);
	/* #GP(0) and #SS(0): an error code, CR2 untouched */
	ck_assert_uint_eq(x86_emu_event(X86_EMU_GP, &res, &state, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 13);
	ck_assert_uint_eq(error, 0);
	ck_assert_uint_eq(state.cr[L4_CR_CR2], 0);
	ck_assert_uint_eq(groups, L4_VCPU_GPR);
	res.vector = X86_VEC_SS;
	ck_assert_uint_eq(x86_emu_event(X86_EMU_SS, &res, &state, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 12);
	res.vector = X86_VEC_AC;
	ck_assert_uint_eq(x86_emu_event(X86_EMU_AC, &res, &state, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 17);
	/* #UD: no error code */
	res = (struct x86_emu_result){ .vector = X86_VEC_UD };
	error = 99;
	ck_assert_uint_eq(x86_emu_event(X86_EMU_UD, &res, &state, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | 6);
	ck_assert_uint_eq(error, 0);
	/* Nothing to inject after success, a bounded REP or a race */
	ck_assert_uint_eq(x86_emu_event(X86_EMU_DONE, &res, &state, &groups, &error), 0);
	ck_assert_uint_eq(x86_emu_event(X86_EMU_CONTINUE, &res, &state, &groups, &error), 0);
	ck_assert_uint_eq(x86_emu_event(X86_EMU_RETRY, &res, &state, &groups, &error), 0);
	/* The VMM's own trouble (a table outside RAM): #UD, which the caller reports */
	res = (struct x86_emu_result){ .bad_gpa = 0xfec00000 };
	ck_assert_uint_eq(x86_emu_event(X86_EMU_ERROR, &res, &state, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | 6);
	ck_assert_uint_eq(groups, L4_VCPU_GPR);
}
END_TEST

/* ------------------------------------------------------------ a string I/O exit, end to end */

#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_US 4ull
#define LEVELS4 4u
#define CODE_LA 0x0000000000400000ull     /* user code */
#define CODE_GPA 0x200000ull
#define KERNEL_LA 0xffff888000100000ull   /* a supervisor-only page */
#define KERNEL_GPA 0x300000ull
#define USER_LA 0x0000000000600000ull     /* a user data page */
#define USER_GPA 0x310000ull

static struct gmem *ram;
static unsigned port_reads;

static int port_read(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	(void)ctx;
	(void)port;
	port_reads++;
	*val = 0xabababab & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
	return 0;
}

/* A 64-bit guest's paging: user code, a kernel page, a user page; rep insb at RIP. */
static void setup_guest(void)
{
	ram = gmem_new();
	uint64_t cr3 = gmem_table(ram);
	gmem_map(ram, LEVELS4, cr3, CODE_LA, CODE_GPA, 1, PTE_P | PTE_US);
	gmem_map(ram, LEVELS4, cr3, KERNEL_LA, KERNEL_GPA, 1, PTE_P | PTE_RW);
	gmem_map(ram, LEVELS4, cr3, USER_LA, USER_GPA, 1, PTE_P | PTE_RW | PTE_US);
	memcpy(gmem_at(ram, CODE_GPA), "\xf3\x6c", 2);                 /* rep insb */
	memset(gmem_at(ram, KERNEL_GPA), 0x5a, 4096);
	memset(gmem_at(ram, USER_GPA), 0x5a, 4096);
	state_long(3);
	state.cr[L4_CR_CR3] = cr3;
	state.gpr[L4_REG_RIP] = CODE_LA;
	state.gpr[L4_REG_RFLAGS] = 0x3202;              /* IF, IOPL 3 */
	state.gpr[L4_REG_RDX] = 0x1f0;
	state.gpr[L4_REG_RCX] = 8;
	port_reads = 0;
}

static void teardown_guest(void)
{
	gmem_delete(ram);
}

/* What the VMM does with a string I/O exit (main.c: handle_io, emulate, emu_event). */
static l4_word_t string_io_exit(uint64_t qual, unsigned *groups, l4_word_t *error)
{
	const struct x86_emu_ops ops = { .ram = { gmem_read, gmem_write, ram }, .pio_in = port_read };
	struct x86_emu_result res;
	struct x86_cpu cpu;

	*groups = L4_VCPU_GPR;
	x86_cpu_from_state(&state, &cpu);
	int status = x86_emulate_io(&cpu, qual, &ops, 64, &res);
	if (status == X86_EMU_DONE || status == X86_EMU_CONTINUE)
		x86_cpu_to_state(&cpu, &state);
	return x86_emu_event(status, &res, &state, groups, error);
}

#define INSB_REP_1F0 (0x1f0ull << 16 | X86_IO_QUAL_REP | X86_IO_QUAL_STRING | X86_IO_QUAL_IN)

START_TEST(test_user_insb_into_kernel_page)
{
	unsigned groups;
	l4_word_t error;

	state.gpr[L4_REG_RDI] = KERNEL_LA + 0x40;
	l4_word_t ev = string_io_exit(INSB_REP_1F0, &groups, &error);
	ck_assert_uint_eq(ev, L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 14);
	ck_assert_uint_eq(error, X86_PF_P | X86_PF_W | X86_PF_U);
	ck_assert_uint_eq(state.cr[L4_CR_CR2], KERNEL_LA + 0x40);
	ck_assert(groups & L4_VCPU_CR);
	for (unsigned i = 0; i < 4096; i++)
		ck_assert_uint_eq(gmem_at(ram, KERNEL_GPA)[i], 0x5a);
	ck_assert_uint_eq(port_reads, 0);
	ck_assert_uint_eq(state.gpr[L4_REG_RIP], CODE_LA);      /* the fault is the instruction's */
	ck_assert_uint_eq(state.gpr[L4_REG_RCX], 8);
	ck_assert_uint_eq(state.gpr[L4_REG_RDI], KERNEL_LA + 0x40);
	/* Into its own page it works, RCX and RDI counted, RIP past it */
	state.gpr[L4_REG_RDI] = USER_LA;
	ck_assert_uint_eq(string_io_exit(INSB_REP_1F0, &groups, &error), 0);
	ck_assert_uint_eq(port_reads, 8);
	ck_assert_uint_eq(gmem_at(ram, USER_GPA)[7], 0xab);
	ck_assert_uint_eq(state.gpr[L4_REG_RCX], 0);
	ck_assert_uint_eq(state.gpr[L4_REG_RDI], USER_LA + 8);
	ck_assert_uint_eq(state.gpr[L4_REG_RIP], CODE_LA + 2);
}
END_TEST

START_TEST(test_kernel_insb_smap)
{
	unsigned groups;
	l4_word_t error;

	/* The kernel (CPL 0) with SMAP, its code the user page's (a test shortcut) */
	state_long(0);
	state.cr[L4_CR_CR3] = gmem_table(ram);
	gmem_map(ram, LEVELS4, state.cr[L4_CR_CR3], CODE_LA, CODE_GPA, 1, PTE_P);
	gmem_map(ram, LEVELS4, state.cr[L4_CR_CR3], USER_LA, USER_GPA, 1, PTE_P | PTE_RW | PTE_US);
	state.cr[L4_CR_CR4] |= X86_CR4_SMAP;
	state.gpr[L4_REG_RIP] = CODE_LA;
	state.gpr[L4_REG_RFLAGS] = 0x202;
	state.gpr[L4_REG_RDX] = 0x1f0;
	state.gpr[L4_REG_RCX] = 1;
	state.gpr[L4_REG_RDI] = USER_LA + 3;
	ck_assert_uint_eq(string_io_exit(INSB_REP_1F0, &groups, &error),
			  L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 14);
	ck_assert_uint_eq(error, X86_PF_P | X86_PF_W);
	ck_assert_uint_eq(state.cr[L4_CR_CR2], USER_LA + 3);
	ck_assert_uint_eq(port_reads, 0);
	/* STAC: RFLAGS.AC lets it through */
	state.gpr[L4_REG_RFLAGS] |= X86_RFLAGS_AC;
	ck_assert_uint_eq(string_io_exit(INSB_REP_1F0, &groups, &error), 0);
	ck_assert_uint_eq(gmem_at(ram, USER_GPA)[3], 0xab);
}
END_TEST

Suite *x86state_suite(void)
{
	Suite *s = suite_create("x86state");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, test_maxphyaddr_one_source);
	tcase_add_test(tc, test_cpl_from_ss);
	tcase_add_test(tc, test_event_page_fault_with_cr2);
	tcase_add_test(tc, test_event_other_results);
	suite_add_tcase(s, tc);

	tc = tcase_create("string_io_exit");
	tcase_add_checked_fixture(tc, setup_guest, teardown_guest);
	tcase_add_test(tc, test_user_insb_into_kernel_page);
	tcase_add_test(tc, test_kernel_insb_smap);
	suite_add_tcase(s, tc);
	return s;
}
