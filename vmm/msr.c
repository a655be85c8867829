/* SPDX-License-Identifier: BSD-2-Clause */
/* RDMSR and WRMSR: see msr.h. */
#include "msr.h"

/* The state-group word that holds msr (NULL: none), and its group. */
static l4_word_t *msr_word(struct l4_vcpu_state *s, uint32_t msr, unsigned *group)
{
	*group = L4_VCPU_MSR;
	switch (msr) {
	case MSR_SYSENTER_CS: return &s->msr[L4_MSR_SYSENTER_CS];
	case MSR_SYSENTER_ESP: return &s->msr[L4_MSR_SYSENTER_ESP];
	case MSR_SYSENTER_EIP: return &s->msr[L4_MSR_SYSENTER_EIP];
	case MSR_PAT: return &s->msr[L4_MSR_PAT];
	case MSR_STAR: return &s->msr[L4_MSR_STAR];
	case MSR_LSTAR: return &s->msr[L4_MSR_LSTAR];
	case MSR_CSTAR: return &s->msr[L4_MSR_CSTAR];
	case MSR_FMASK: return &s->msr[L4_MSR_FMASK];
	case MSR_KGS_BASE: return &s->msr[L4_MSR_KERNEL_GS_BASE];
	}
	*group = L4_VCPU_SEG;
	if (msr == MSR_FS_BASE)
		return &s->seg[2 * L4_SEG_FS + 1];
	if (msr == MSR_GS_BASE)
		return &s->seg[2 * L4_SEG_GS + 1];
	*group = L4_VCPU_CR;
	if (msr == MSR_EFER)
		return &s->cr[L4_CR_EFER];
	return NULL;
}

/* The MSRs with fixed answers; false if msr is none of them. */
static bool fixed_msr(uint32_t msr, uint64_t tsc, uint64_t *value)
{
	switch (msr) {
	case MSR_TSC: *value = tsc; return true;
	case MSR_BIOS_SIGN: case MSR_TSC_ADJUST: *value = 0; return true;
	case MSR_FEATURE: *value = MSR_FEATURE_LOCKED; return true;
	case MSR_MISC_ENABLE: *value = MSR_MISC_FAST_STRINGS; return true;
	default: return false;
	}
}

bool msr_exit(struct board *b, unsigned cpu, bool write, struct l4_vcpu_state *s, unsigned *groups,
	      uint64_t tsc, vdev_time_t now)
{
	uint32_t msr = (uint32_t)s->gpr[L4_REG_RCX];
	uint64_t value = (s->gpr[L4_REG_RDX] << 32) | (uint32_t)s->gpr[L4_REG_RAX];
	unsigned group;
	bool handled, ok;

	if (write)
		ok = board_msr_write(b, cpu, msr, value, &handled, now);
	else
		ok = board_msr_read(b, cpu, msr, &value, &handled, now);
	if (!handled) {
		l4_word_t *w = msr_word(s, msr, &group);
		if (w && write) {
			*w = value;
			*groups |= group;
			ok = true;
		} else if (w) {
			value = *w;
			ok = true;
		} else {
			uint64_t fixed = 0;
			ok = fixed_msr(msr, tsc, &fixed);      /* (writes to them: ignored) */
			if (!write)
				value = fixed;
		}
	}
	if (!ok)
		return false;
	if (!write) {
		s->gpr[L4_REG_RAX] = (uint32_t)value;
		s->gpr[L4_REG_RDX] = value >> 32;
	}
	return true;
}
