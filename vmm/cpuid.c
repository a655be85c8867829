/* SPDX-License-Identifier: BSD-2-Clause */
/* CPUID policy: see cpuid.h. */
#include "cpuid.h"
#include "x86/walk.h"

enum { EAX, EBX, ECX, EDX };

void cpuid_guest_view(const struct cpuid_guest *g, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	switch (leaf) {
	case 1:
		r[ECX] &= ~(CPUID1_ECX_VMX | CPUID1_ECX_MONITOR | CPUID1_ECX_OSXSAVE);
		r[ECX] |= CPUID1_ECX_HYPERVISOR;
		if (g->osxsave)
			r[ECX] |= CPUID1_ECX_OSXSAVE;
		r[EDX] &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MTRR | CPUID1_EDX_MCA);
		/* logical CPUs, APIC ID */
		r[EBX] = (r[EBX] & 0x0000ffffu) | (g->cpus & 0xffu) << 16 | (g->apic_id & 0xffu) << 24;
		break;
	case 6: case 0xa:                                 /* power management, performance counters */
		r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;
		break;
	case 7:
		if (sub == 0) {
			r[EBX] &= ~(CPUID7_EBX_INVPCID | CPUID7_EBX_AVX512);
			r[ECX] &= ~(CPUID7_ECX_PKU | CPUID7_ECX_WAITPKG | CPUID7_ECX_RDPID | CPUID7_ECX_AVX512);
			r[EDX] &= ~CPUID7_EDX_AVX512;
		}
		break;
	case 0xd:
		if (sub == 0) {                           /* supported = enabled: the host's XCR0 */
			r[EAX] = (uint32_t)g->xcr0;
			r[EDX] = (uint32_t)(g->xcr0 >> 32);
			r[ECX] = r[EBX];                  /* the largest area is the current one */
		} else if (sub == 1) {
			r[EAX] &= ~CPUIDD1_EAX_XSAVES;
		} else if (sub < 64 && !(g->xcr0 & (1ull << sub))) {
			r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;
		}
		break;
	case 0x15:                                        /* the TSC's true rate: crystal = TSC, ratio 1 */
		r[EAX] = r[EBX] = 1;
		r[ECX] = (uint32_t)(g->tsc_khz * 1000);
		r[EDX] = 0;
		break;
	case 0x16:                                        /* base and maximum MHz, bus 100 MHz */
		r[EAX] = r[EBX] = (uint32_t)(g->tsc_khz / 1000);
		r[ECX] = 100;
		r[EDX] = 0;
		break;
	case 0x80000001:
		r[EDX] &= ~CPUIDX1_EDX_RDTSCP;
		break;
	case X86_CPUID_ADDR_SIZES:                        /* the width our guest page walks use */
		r[EAX] = (r[EAX] & ~0xffu) | (g->maxphyaddr & 0xffu);
		break;
	default:
		if (leaf >= CPUID_HYPERVISOR_LEAVES && leaf < CPUID_HYPERVISOR_END)
			r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;    /* no hypervisor interface */
		break;
	}
}

void cpuid_host(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[EAX]), "=b"(r[EBX]), "=c"(r[ECX]), "=d"(r[EDX]) : "a"(leaf), "c"(sub));
}

uint64_t cpuid_host_xcr0(void)
{
	unsigned lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

void cpuid_exit(struct cpuid_guest g, struct l4_vcpu_state *s)
{
	uint32_t leaf = (uint32_t)s->gpr[L4_REG_RAX], sub = (uint32_t)s->gpr[L4_REG_RCX], r[4];

	g.osxsave = s->cr[L4_CR_CR4] & CR4_OSXSAVE;
	cpuid_host(leaf, sub, r);
	cpuid_guest_view(&g, leaf, sub, r);
	s->gpr[L4_REG_RAX] = r[EAX];
	s->gpr[L4_REG_RBX] = r[EBX];
	s->gpr[L4_REG_RCX] = r[ECX];
	s->gpr[L4_REG_RDX] = r[EDX];
}
