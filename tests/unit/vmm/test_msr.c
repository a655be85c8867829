/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RDMSR and WRMSR exits (vmm/msr.c): the board's MSRs, the ones in the
 * exit's state groups (a write goes back with its group), the fixed ones,
 * and #GP for the rest.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/msr.h"

static struct board b;
static struct l4_vcpu_state s;
static unsigned groups;

static void setup(void)
{
	struct board_config cfg = { .cpus = 2, .tsc_hz = 1000000000ull };

	board_init(&b, &cfg, 0);
	memset(&s, 0, sizeof(s));
	groups = 0;
}

static bool rdmsr(unsigned cpu, uint32_t msr, uint64_t *value)
{
	s.gpr[L4_REG_RCX] = msr;
	s.gpr[L4_REG_RAX] = s.gpr[L4_REG_RDX] = 0xdeadbeef;
	bool ok = msr_exit(&b, cpu, false, &s, &groups, 0x123456789ull, 0);
	*value = s.gpr[L4_REG_RDX] << 32 | (uint32_t)s.gpr[L4_REG_RAX];
	return ok;
}

static bool wrmsr(unsigned cpu, uint32_t msr, uint64_t value)
{
	s.gpr[L4_REG_RCX] = msr;
	s.gpr[L4_REG_RAX] = (uint32_t)value | 0xffffffff00000000ull;   /* (the high halves do not count) */
	s.gpr[L4_REG_RDX] = value >> 32;
	return msr_exit(&b, cpu, true, &s, &groups, 0, 0);
}

START_TEST(test_state_group_msrs)
{
	static const struct {
		uint32_t msr;
		unsigned group;
		l4_word_t *word;
	} m[] = {
		{ MSR_SYSENTER_CS, L4_VCPU_MSR, &s.msr[L4_MSR_SYSENTER_CS] },
		{ MSR_SYSENTER_ESP, L4_VCPU_MSR, &s.msr[L4_MSR_SYSENTER_ESP] },
		{ MSR_SYSENTER_EIP, L4_VCPU_MSR, &s.msr[L4_MSR_SYSENTER_EIP] },
		{ MSR_PAT, L4_VCPU_MSR, &s.msr[L4_MSR_PAT] },
		{ MSR_STAR, L4_VCPU_MSR, &s.msr[L4_MSR_STAR] },
		{ MSR_LSTAR, L4_VCPU_MSR, &s.msr[L4_MSR_LSTAR] },
		{ MSR_CSTAR, L4_VCPU_MSR, &s.msr[L4_MSR_CSTAR] },
		{ MSR_FMASK, L4_VCPU_MSR, &s.msr[L4_MSR_FMASK] },
		{ MSR_KGS_BASE, L4_VCPU_MSR, &s.msr[L4_MSR_KERNEL_GS_BASE] },
		{ MSR_FS_BASE, L4_VCPU_SEG, &s.seg[2 * L4_SEG_FS + 1] },
		{ MSR_GS_BASE, L4_VCPU_SEG, &s.seg[2 * L4_SEG_GS + 1] },
		{ MSR_EFER, L4_VCPU_CR, &s.cr[L4_CR_EFER] },
	};
	uint64_t v;

	for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		groups = 0;
		ck_assert(wrmsr(0, m[i].msr, 0x1122334455667700ull + i));
		ck_assert_uint_eq(*m[i].word, 0x1122334455667700ull + i);
		ck_assert_uint_eq(groups, m[i].group);                  /* (the reply writes it back) */
		*m[i].word = 0xfedcba9876543210ull;
		groups = 0;
		ck_assert(rdmsr(0, m[i].msr, &v));
		ck_assert_uint_eq(v, 0xfedcba9876543210ull);
		ck_assert_uint_eq(s.gpr[L4_REG_RAX], 0x76543210u);     /* EDX:EAX, upper halves clear */
		ck_assert_uint_eq(groups, 0);
	}
}
END_TEST

START_TEST(test_fixed_msrs)
{
	uint64_t v;

	ck_assert(rdmsr(0, MSR_TSC, &v));
	ck_assert_uint_eq(v, 0x123456789ull);
	ck_assert(rdmsr(0, MSR_BIOS_SIGN, &v));
	ck_assert_uint_eq(v, 0);
	ck_assert(rdmsr(0, MSR_TSC_ADJUST, &v));
	ck_assert_uint_eq(v, 0);
	ck_assert(rdmsr(0, MSR_FEATURE, &v));
	ck_assert_uint_eq(v, MSR_FEATURE_LOCKED);
	ck_assert(rdmsr(0, MSR_MISC_ENABLE, &v));
	ck_assert_uint_eq(v, MSR_MISC_FAST_STRINGS);
	/* Writes to them are taken and change nothing. */
	ck_assert(wrmsr(0, MSR_TSC, 5));
	ck_assert(wrmsr(0, MSR_BIOS_SIGN, 5));
	ck_assert(wrmsr(0, MSR_MISC_ENABLE, 0));
	ck_assert_uint_eq(groups, 0);
	ck_assert(rdmsr(0, MSR_MISC_ENABLE, &v));
	ck_assert_uint_eq(v, MSR_MISC_FAST_STRINGS);
}
END_TEST

START_TEST(test_unknown_msrs_fault)
{
	uint64_t v;

	ck_assert(!rdmsr(0, 0x19b, &v));                                /* (Linux reads these) */
	ck_assert_uint_eq(s.gpr[L4_REG_RAX], 0xdeadbeef);              /* untouched */
	ck_assert(!wrmsr(0, 0x150, 1));
	ck_assert(!rdmsr(0, 0xc0011029, &v));
	ck_assert_uint_eq(groups, 0);
}
END_TEST

START_TEST(test_the_boards_msrs)
{
	uint64_t v;

	/* IA32_APIC_BASE: each vCPU's own; only CPU 0 is the BSP. */
	ck_assert(rdmsr(0, MSR_IA32_APIC_BASE, &v));
	ck_assert_uint_eq(v & ~0xfffull, LAPIC_DEFAULT_BASE);
	ck_assert(v & (1u << 8));
	ck_assert(rdmsr(1, MSR_IA32_APIC_BASE, &v));
	ck_assert(!(v & (1u << 8)));
	/* x2APIC registers fault in xAPIC mode: the board's #GP, not a fixed answer. */
	ck_assert(!rdmsr(0, 0x802, &v));
	/* The TSC deadline reaches the local APIC's timer. */
	ck_assert(board_mmio_write(&b, 0, LAPIC_DEFAULT_BASE + 0x320, 4, 0x40000 | 0xec, 0));
	ck_assert(wrmsr(0, MSR_IA32_TSC_DEADLINE, 5000));
	ck_assert_uint_eq(board_next_event(&b), 5000);
	ck_assert_uint_eq(groups, 0);
}
END_TEST

Suite *vmm_msr_suite(void)
{
	Suite *s = suite_create("vmm_msr");
	TCase *tc = tcase_create("msr");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_state_group_msrs);
	tcase_add_test(tc, test_fixed_msrs);
	tcase_add_test(tc, test_unknown_msrs_fault);
	tcase_add_test(tc, test_the_boards_msrs);
	suite_add_tcase(s, tc);
	return s;
}
