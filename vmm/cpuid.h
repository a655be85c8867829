/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CPUID policy: what the guest sees of the host CPU's CPUID. The host's
 * answer with what we do not virtualise taken out (VMX, MONITOR/MWAIT,
 * machine checks, MTRRs, power management and performance counters,
 * INVPCID, PKU, WAITPKG, RDPID, RDTSCP, XSAVES, AVX-512), the hypervisor
 * bit set but no hypervisor leaves, each vCPU's APIC ID and count, the
 * TSC's rate in leaves 0x15 and 0x16, XSAVE as the host's XCR0 enables it,
 * and the host's MAXPHYADDR (x86state.h says why it must be the host's).
 * Pure: cpuid_guest_view computes the guest's leaf from the host's.
 */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "l4vcpu.h"

#define CPUID1_ECX_MONITOR    (1u << 3)
#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_MCE        (1u << 7)
#define CPUID1_EDX_MTRR       (1u << 12)
#define CPUID1_EDX_MCA        (1u << 14)
#define CPUID7_EBX_INVPCID    (1u << 10)
#define CPUID7_EBX_AVX512     0xdc230000u   /* AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID7_ECX_PKU        (1u << 3)
#define CPUID7_ECX_WAITPKG    (1u << 5)
#define CPUID7_ECX_RDPID      (1u << 22)
#define CPUID7_ECX_AVX512     0x00005842u   /* VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define CPUID7_EDX_AVX512     0x0000010cu   /* 4VNNIW, 4FMAPS, VP2INTERSECT */
#define CPUIDD1_EAX_XSAVES    (1u << 3)
#define CPUIDX1_EDX_RDTSCP    (1u << 27)
#define CPUID_HYPERVISOR_LEAVES 0x40000000u /* 0x40000000-0x4fffffff: hypervisor interfaces */
#define CPUID_HYPERVISOR_END    0x50000000u
#define CR4_OSXSAVE           (1u << 18)

/* What the guest's view depends on besides the host's answer. */
struct cpuid_guest {
	unsigned cpus;                  /* vCPUs (leaf 1 EBX[23:16]) */
	unsigned apic_id;               /* the asking vCPU's (leaf 1 EBX[31:24]) */
	unsigned long tsc_khz;          /* leaves 0x15, 0x16 */
	uint64_t xcr0;                  /* XSAVE components the guest may use: the host's XCR0 */
	unsigned maxphyaddr;            /* leaf 0x80000008 EAX[7:0] */
	bool osxsave;                   /* the guest's CR4.OSXSAVE (leaf 1 ECX mirrors it) */
};

/* Leaf (leaf, sub): r holds the host's EAX, EBX, ECX, EDX and gets the guest's. */
void cpuid_guest_view(const struct cpuid_guest *g, uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* The host CPU's answer, and its XCR0 (which stays loaded while the guest
 * runs: XSETBV does not change it). */
void cpuid_host(uint32_t leaf, uint32_t sub, uint32_t r[4]);
uint64_t cpuid_host_xcr0(void);

/* A CPUID exit: the leaf in s's RAX and RCX, the guest's answer back in
 * its RAX..RDX (g's osxsave is taken from s's CR group). */
void cpuid_exit(struct cpuid_guest g, struct l4_vcpu_state *s);

#endif
