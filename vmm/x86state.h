/* SPDX-License-Identifier: BSD-2-Clause */
/* Between the vCPU state of an exit (l4vcpu.h) and the instruction emulator's CPU (x86/emulate.h). */
#ifndef VMM_X86STATE_H
#define VMM_X86STATE_H

#include "l4vcpu.h"
#include "x86/emulate.h"

/* The register block's index of each x86 register number (RAX, RCX, ...). */
extern const unsigned vmm_gpr_of[X86_NGPR];

/*
 * The guest's physical-address width (MAXPHYADDR): the host CPU's, from its
 * CPUID (x86_maxphyaddr_cpuid). Under EPT the CPU itself walks the guest's
 * page tables with it, so the VMM's walks (x86_cpu_from_state) and the
 * guest's CPUID leaf 0x80000008 both take it from here and cannot disagree.
 */
unsigned vmm_maxphyaddr(void);

/* From the GPR, CR and SEG groups of s (they must be there); CPL = SS.DPL. */
void x86_cpu_from_state(const struct l4_vcpu_state *s, struct x86_cpu *c);
/* Back: the GPR group (registers, RIP, RFLAGS). */
void x86_cpu_to_state(const struct x86_cpu *c, struct l4_vcpu_state *s);

/*
 * The event a result of x86_emulate or x86_emulate_io (status, *res) asks
 * the reply to inject (reply MR1; 0: none), with its error code in *error:
 * the exception of X86_EMU_UD, _GP, _SS, _PF and _AC, a #PF with CR2 = the
 * faulting linear address in s's CR group (which must be the vCPU's: the
 * reply writes it back), adding L4_VCPU_CR to *groups; #UD for
 * X86_EMU_ERROR (the VMM's problem: the caller reports it). DONE,
 * CONTINUE and RETRY inject nothing.
 */
l4_word_t x86_emu_event(int status, const struct x86_emu_result *res, struct l4_vcpu_state *s,
			unsigned *groups, l4_word_t *error);

#endif
