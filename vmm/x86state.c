/* SPDX-License-Identifier: BSD-2-Clause */
/* Between exit state and the instruction emulator (see x86state.h). */
#include "x86state.h"

/* The register block's index of each x86 register number (RAX, RCX, ...). */
const unsigned vmm_gpr_of[X86_NGPR] = {
	L4_REG_RAX, L4_REG_RCX, L4_REG_RDX, L4_REG_RBX, L4_REG_RSP, L4_REG_RBP, L4_REG_RSI,
	L4_REG_RDI, L4_REG_R8, L4_REG_R9, L4_REG_R10, L4_REG_R11, L4_REG_R12, L4_REG_R13,
	L4_REG_R14, L4_REG_R15,
};

static void host_cpuid(uint32_t leaf, uint32_t r[4])
{
#if defined(__x86_64__)
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
#else
	(void)leaf;
	r[0] = r[1] = r[2] = r[3] = 0;         /* (unit tests on another host: no CPUID, 32 bits) */
#endif
}

unsigned vmm_maxphyaddr(void)
{
	static unsigned width;                 /* computed once: the CPU does not change */

	if (!width) {
		uint32_t ext[4], sizes[4] = { 0 }, basic[4];
		host_cpuid(0x80000000u, ext);
		if (ext[0] >= X86_CPUID_ADDR_SIZES)
			host_cpuid(X86_CPUID_ADDR_SIZES, sizes);
		host_cpuid(1, basic);
		width = x86_maxphyaddr_cpuid(ext[0], sizes[0], basic[3]);
	}
	return width;
}

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
					 .cr4 = s->cr[L4_CR_CR4], .efer = s->cr[L4_CR_EFER],
					 .maxphyaddr = vmm_maxphyaddr() };
}

void x86_cpu_to_state(const struct x86_cpu *c, struct l4_vcpu_state *s)
{
	for (unsigned i = 0; i < X86_NGPR; i++)
		s->gpr[vmm_gpr_of[i]] = c->gpr[i];
	s->gpr[L4_REG_RIP] = c->rip;
	s->gpr[L4_REG_RFLAGS] = c->rflags;
}

l4_word_t x86_emu_event(int status, const struct x86_emu_result *res, struct l4_vcpu_state *s,
			unsigned *groups, l4_word_t *error)
{
	switch (status) {
	case X86_EMU_DONE:
	case X86_EMU_CONTINUE:
	case X86_EMU_RETRY:
		return 0;
	case X86_EMU_UD:
	case X86_EMU_GP:
	case X86_EMU_SS:
	case X86_EMU_PF:
	case X86_EMU_AC:
		if (res->vector)
			break;
		/* (no exception named: as an error) */
		/* fall through */
	default:                              /* X86_EMU_ERROR */
		*error = 0;
		return l4_event_exception(X86_VEC_UD, false);
	}
	if (status == X86_EMU_PF) {
		s->cr[L4_CR_CR2] = res->cr2;
		*groups |= L4_VCPU_CR;
	}
	*error = res->has_error ? res->error_code : 0;
	return l4_event_exception(res->vector, res->has_error);
}
