/* SPDX-License-Identifier: GPL-2.0-only */
/* CPU identification and the features the kernel uses. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "types.h"

struct vmx_caps {
	bool present;            /* CPUID.1:ECX.VMX */
	bool usable;             /* present, enabled by firmware, EPT available */
	const char *why_not;     /* reason when !usable */
	uint32_t revision;       /* VMCS revision identifier */
	bool ept, vpid, unrestricted_guest, preemption_timer;
	bool tpr_shadow, apic_access, virtual_interrupts, ept_2m, ept_1g, ept_wb, pause_loop;
	unsigned preemption_timer_shift;   /* timer counts TSC >> shift */
};

struct cpu_features {
	char vendor[13];
	unsigned family, model, stepping;
	unsigned max_leaf, max_ext_leaf;
	bool pcid, invpcid, x2apic, tsc_deadline, invariant_tsc, fsgsbase;
	bool xsave, smep, smap, nx, pages_1g, hypervisor;
	struct vmx_caps vmx;
};

extern struct cpu_features cpu;

#endif
