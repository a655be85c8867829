/* SPDX-License-Identifier: BSD-2-Clause */
/* Between exit state and the instruction emulator (see x86state.h). */
#include "x86state.h"

/* The register block's index of each x86 register number (RAX, RCX, ...). */
const unsigned vmm_gpr_of[X86_NGPR] = {
	L4_REG_RAX, L4_REG_RCX, L4_REG_RDX, L4_REG_RBX, L4_REG_RSP, L4_REG_RBP, L4_REG_RSI,
	L4_REG_RDI, L4_REG_R8, L4_REG_R9, L4_REG_R10, L4_REG_R11, L4_REG_R12, L4_REG_R13,
	L4_REG_R14, L4_REG_R15,
};

void x86_cpu_from_state(const struct l4_vcpu_state *s, struct x86_cpu *c)
{
	for (unsigned i = 0; i < X86_NGPR; i++)
		c->gpr[i] = s->gpr[vmm_gpr_of[i]];
	c->rip = s->gpr[L4_REG_RIP];
	c->rflags = s->gpr[L4_REG_RFLAGS];
	for (unsigned i = 0; i < X86_NSEG; i++) {
		l4_word_t w = s->seg[2 * i];
		l4_word_t ar = (w >> 16) & 0xffff;
		c->seg[i].attr = (uint32_t)((ar & 0xff) | (ar & 0x1f00) << 4);
		c->seg[i].limit = (uint32_t)(w >> 32);
		c->seg[i].base = s->seg[2 * i + 1];
	}
	c->cpl = (c->seg[X86_SS].attr >> 5) & 3;
	c->paging = (struct x86_paging){ .cr0 = s->cr[L4_CR_CR0], .cr3 = s->cr[L4_CR_CR3],
					 .cr4 = s->cr[L4_CR_CR4], .efer = s->cr[L4_CR_EFER], .maxphyaddr = 39 };
}

void x86_cpu_to_state(const struct x86_cpu *c, struct l4_vcpu_state *s)
{
	for (unsigned i = 0; i < X86_NGPR; i++)
		s->gpr[vmm_gpr_of[i]] = c->gpr[i];
	s->gpr[L4_REG_RIP] = c->rip;
	s->gpr[L4_REG_RFLAGS] = c->rflags;
}

