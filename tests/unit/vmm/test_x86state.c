/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/x86state.c, between a VM exit's state groups (l4vcpu.h)
 * and the instruction emulator: the guest's MAXPHYADDR has one source (the
 * host's CPUID, which the guest's CPUID leaf 0x80000008 reports too), the
 * CPL is SS.DPL, and segments and registers arrive where the emulator
 * expects them.
 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/x86state.h"

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
	unsigned a = 0, b, c, d = 0, ext = __get_cpuid_max(0x80000000u, NULL), sizes = 0;
	struct x86_cpu cpu;

	if (ext >= 0x80000008u)
		__get_cpuid(0x80000008u, &sizes, &b, &c, &d);
	__get_cpuid(1, &a, &b, &c, &d);
	ck_assert_uint_eq(vmm_maxphyaddr(), x86_maxphyaddr_cpuid(ext, sizes, d));
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

Suite *x86state_suite(void)
{
	Suite *s = suite_create("x86state");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, test_maxphyaddr_one_source);
	tcase_add_test(tc, test_cpl_from_ss);
	suite_add_tcase(s, tc);
	return s;
}
