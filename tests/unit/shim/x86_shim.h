/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced (gcc -include) into the kernel's arch files that the host unit
 * tests compile unchanged: arch/x86_64/space.c, paging.c and gdt.c (see
 * the Makefile). The real x86.h and vmx.h are included here first, with
 * every instruction they wrap renamed out of the way, so the files' own
 * #include of them finds the include guards set; then the instructions
 * those files use come back under their names as recorders (shim.h). A
 * kernel file that starts using another one fails to compile here rather
 * than executing a privileged instruction on the host.
 */
#ifndef TESTS_UNIT_SHIM_X86_SHIM_H
#define TESTS_UNIT_SHIM_X86_SHIM_H

#define outb           unshimmed_outb
#define inb            unshimmed_inb
#define rdmsr          unshimmed_rdmsr
#define wrmsr          unshimmed_wrmsr
#define cpuid          unshimmed_cpuid
#define rdtsc          unshimmed_rdtsc
#define read_cr0       unshimmed_read_cr0
#define write_cr0      unshimmed_write_cr0
#define read_cr2       unshimmed_read_cr2
#define write_cr2      unshimmed_write_cr2
#define read_cr3       unshimmed_read_cr3
#define write_cr3      unshimmed_write_cr3
#define read_cr4       unshimmed_read_cr4
#define write_cr4      unshimmed_write_cr4
#define invlpg         unshimmed_invlpg
#define irq_enable     unshimmed_irq_enable
#define irq_disable    unshimmed_irq_disable
#define cpu_relax      unshimmed_cpu_relax
#define read_rflags    unshimmed_read_rflags
#define halt_until_irq unshimmed_halt_until_irq
#define ept_flush      unshimmed_ept_flush
#include "arch/x86_64/x86.h"
#include "arch/x86_64/vmx.h"
#undef outb
#undef inb
#undef rdmsr
#undef wrmsr
#undef cpuid
#undef rdtsc
#undef read_cr0
#undef write_cr0
#undef read_cr2
#undef write_cr2
#undef read_cr3
#undef write_cr3
#undef read_cr4
#undef write_cr4
#undef invlpg
#undef irq_enable
#undef irq_disable
#undef cpu_relax
#undef read_rflags
#undef halt_until_irq
#undef ept_flush

#include "tests/unit/shim/shim.h"

static inline uint64_t read_cr0(void) { return shim_cr0; }
static inline uint64_t read_cr3(void) { return shim_cr3; }
static inline void write_cr3(uint64_t v) { shim_write_cr3(v); }
static inline uint64_t read_cr4(void) { return shim_cr4; }
static inline void write_cr4(uint64_t v) { shim_write_cr4(v); }
static inline void invlpg(uintptr_t va) { shim_invlpg(va); }

/* EFER only (paging.c sets NXE); any other MSR fails the test. */
static inline uint64_t rdmsr(uint32_t msr)
{
	if (msr != MSR_EFER)
		shim_unexpected("rdmsr", msr);
	return shim_efer;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	if (msr != MSR_EFER)
		shim_unexpected("wrmsr", msr);
	shim_efer = v;
}

/* INVEPT, single context, with the EPT pointer vmx.h makes. */
static inline void ept_flush(uint64_t root) { shim_invept(ept_pointer(root)); }

#endif
