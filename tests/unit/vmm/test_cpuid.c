/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMM's CPUID policy (vmm/cpuid.c): from made-up host answers (all
 * ones, so that every bit taken out shows), what the guest sees.
 */
#include "tests/unit/unit.h"
#include "vmm/cpuid.h"

enum { EAX, EBX, ECX, EDX };

static const struct cpuid_guest guest = {
	.cpus = 4, .apic_id = 2, .tsc_khz = 2097152, .xcr0 = 0x7, .maxphyaddr = 39, .osxsave = false,
};

/* The guest's view of (leaf, sub) when the host answers all ones. */
static void view(const struct cpuid_guest *g, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	r[EAX] = r[EBX] = r[ECX] = r[EDX] = ~0u;
	cpuid_guest_view(g, leaf, sub, r);
}

START_TEST(test_leaf_1)
{
	uint32_t r[4];
	struct cpuid_guest g = guest;

	view(&g, 1, 0, r);
	ck_assert_uint_eq(r[ECX] & (CPUID1_ECX_VMX | CPUID1_ECX_MONITOR | CPUID1_ECX_OSXSAVE), 0);
	ck_assert_uint_eq(r[ECX] & CPUID1_ECX_HYPERVISOR, CPUID1_ECX_HYPERVISOR);
	ck_assert_uint_eq(r[EDX] & (CPUID1_EDX_MCE | CPUID1_EDX_MTRR | CPUID1_EDX_MCA), 0);
	ck_assert_uint_eq(r[EBX], 0x0204ffffu);                  /* APIC ID 2, 4 logical CPUs, the rest the host's */
	ck_assert_uint_eq(r[EAX], ~0u);
	/* OSXSAVE mirrors the guest's CR4, not the host's. */
	g.osxsave = true;
	view(&g, 1, 0, r);
	ck_assert_uint_eq(r[ECX] & CPUID1_ECX_OSXSAVE, CPUID1_ECX_OSXSAVE);
	/* The host says nothing of a hypervisor: the guest still learns of one. */
	r[ECX] = 0;
	cpuid_guest_view(&g, 1, 0, r);
	ck_assert_uint_eq(r[ECX], CPUID1_ECX_HYPERVISOR | CPUID1_ECX_OSXSAVE);
}
END_TEST

START_TEST(test_hidden_features)
{
	uint32_t r[4];

	view(&guest, 6, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);      /* power management */
	view(&guest, 0xa, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);      /* performance counters */
	view(&guest, 7, 0, r);
	ck_assert_uint_eq(r[EBX] & (CPUID7_EBX_INVPCID | CPUID7_EBX_AVX512), 0);
	ck_assert_uint_eq(r[ECX] & (CPUID7_ECX_PKU | CPUID7_ECX_WAITPKG | CPUID7_ECX_RDPID | CPUID7_ECX_AVX512), 0);
	ck_assert_uint_eq(r[EDX] & CPUID7_EDX_AVX512, 0);
	ck_assert_uint_eq(r[EBX] | CPUID7_EBX_INVPCID | CPUID7_EBX_AVX512, ~0u);   /* nothing else */
	view(&guest, 7, 1, r);                                       /* other subleaves: the host's */
	ck_assert_uint_eq(r[EBX] & r[ECX] & r[EDX], ~0u);
	view(&guest, 0x80000001, 0, r);
	ck_assert_uint_eq(r[EDX], ~CPUIDX1_EDX_RDTSCP);
	for (uint32_t leaf = 0x40000000; leaf < 0x50000000; leaf += 0x01000001) {
		view(&guest, leaf, 0, r);
		ck_assert_msg((r[EAX] | r[EBX] | r[ECX] | r[EDX]) == 0, "leaf %#x", leaf);
	}
	view(&guest, 0x50000000, 0, r);
	ck_assert_uint_eq(r[EAX], ~0u);
	view(&guest, 0, 0, r);                                       /* vendor and maximum leaf: the host's */
	ck_assert_uint_eq(r[EAX] & r[EBX] & r[ECX] & r[EDX], ~0u);
}
END_TEST

START_TEST(test_xsave_leaf)
{
	uint32_t r[4];

	view(&guest, 0xd, 0, r);
	ck_assert_uint_eq(r[EAX], 0x7);                                /* supported = the host's XCR0 */
	ck_assert_uint_eq(r[EDX], 0);
	ck_assert_uint_eq(r[ECX], r[EBX]);                             /* the largest area: the current one */
	view(&guest, 0xd, 1, r);
	ck_assert_uint_eq(r[EAX], ~CPUIDD1_EAX_XSAVES);
	view(&guest, 0xd, 2, r);                                       /* AVX: in XCR0 */
	ck_assert_uint_eq(r[EAX], ~0u);
	view(&guest, 0xd, 5, r);                                       /* AVX-512 state: not */
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	view(&guest, 0xd, 64, r);                                      /* beyond the components */
	ck_assert_uint_eq(r[EAX], ~0u);
	struct cpuid_guest g = guest;
	g.xcr0 = 0x2e7ull | 1ull << 62;
	view(&g, 0xd, 0, r);
	ck_assert_uint_eq(r[EAX], 0x2e7);
	ck_assert_uint_eq(r[EDX], 1u << 30);
}
END_TEST

START_TEST(test_tsc_and_address_leaves)
{
	uint32_t r[4];

	view(&guest, 0x15, 0, r);
	ck_assert_uint_eq(r[EAX], 1);
	ck_assert_uint_eq(r[EBX], 1);
	ck_assert_uint_eq(r[ECX], 2097152000u);                        /* the TSC's Hz */
	ck_assert_uint_eq(r[EDX], 0);
	view(&guest, 0x16, 0, r);
	ck_assert_uint_eq(r[EAX], 2097);
	ck_assert_uint_eq(r[EBX], 2097);
	ck_assert_uint_eq(r[ECX], 100);
	view(&guest, 0x80000008, 0, r);
	ck_assert_uint_eq(r[EAX], 0xffffff27u);                        /* MAXPHYADDR 39, the rest the host's */
}
END_TEST

START_TEST(test_exit_uses_the_registers)
{
	struct l4_vcpu_state s = { 0 };

	s.gpr[L4_REG_RAX] = 0x40000000;
	s.gpr[L4_REG_RBX] = s.gpr[L4_REG_RCX] = s.gpr[L4_REG_RDX] = 0x1234;
	cpuid_exit(guest, &s);
	ck_assert_uint_eq(s.gpr[L4_REG_RAX] | s.gpr[L4_REG_RBX] | s.gpr[L4_REG_RCX] | s.gpr[L4_REG_RDX], 0);
	/* Leaf 1 on this host: the guest's CR4 decides OSXSAVE. */
	s.gpr[L4_REG_RAX] = 1;
	s.cr[L4_CR_CR4] = CR4_OSXSAVE;
	cpuid_exit(guest, &s);
	ck_assert_uint_eq(s.gpr[L4_REG_RCX] & (CPUID1_ECX_OSXSAVE | CPUID1_ECX_HYPERVISOR | CPUID1_ECX_VMX),
			  CPUID1_ECX_OSXSAVE | CPUID1_ECX_HYPERVISOR);
	ck_assert_uint_eq(s.gpr[L4_REG_RBX] >> 16, 0x0204);
	s.gpr[L4_REG_RAX] = 1;
	s.cr[L4_CR_CR4] = 0;
	cpuid_exit(guest, &s);
	ck_assert_uint_eq(s.gpr[L4_REG_RCX] & CPUID1_ECX_OSXSAVE, 0);
}
END_TEST

Suite *vmm_cpuid_suite(void)
{
	Suite *s = suite_create("vmm_cpuid");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, test_leaf_1);
	tcase_add_test(tc, test_hidden_features);
	tcase_add_test(tc, test_xsave_leaf);
	tcase_add_test(tc, test_tsc_and_address_leaves);
	tcase_add_test(tc, test_exit_uses_the_registers);
	suite_add_tcase(s, tc);
	return s;
}
