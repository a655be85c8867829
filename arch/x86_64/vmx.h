/* SPDX-License-Identifier: GPL-2.0-only */
/* VT-x: VMX operation on this CPU. */
#ifndef ARCH_VMX_H
#define ARCH_VMX_H

#include "types.h"

/* Enters VMX root operation if the CPU and firmware allow it; prints the
 * outcome. Returns true if VMX is on. */
bool vmx_init(void);
/* VMX operation on this CPU (an AP, after the boot CPU's vmx_init): NULL, or why not. */
const char *vmx_cpu_init(void);

/* True once VMXON succeeded. */
extern bool vmx_on;

/* The EPT pointer of an EPT whose PML4 is at root (SDM 24.6.11): write-back
 * paging structures, a 4-level walk. */
#define EPTP_WB_WALK4 ((6ull << 0) | (3ull << 3))
static inline uint64_t ept_pointer(uint64_t root)
{
	return root | EPTP_WB_WALK4;
}

/* Drops every translation the CPU cached for the EPT at root (INVEPT,
 * single context): the CPU tags them with the EPT pointer, so an EPT
 * whose root frame is recycled must not find the old ones. */
static inline void ept_flush(uint64_t root)
{
	struct { uint64_t eptp, zero; } desc = { ept_pointer(root), 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
}

#endif
