/* SPDX-License-Identifier: BSD-2-Clause */
/* VMs and vCPUs (see l4vcpu.h). */
#include "l4vcpu.h"

/* The groups in bit order, each with its words in struct l4_vcpu_state. */
static l4_word_t *group_words(struct l4_vcpu_state *s, unsigned bit)
{
	switch (bit) {
	case L4_VCPU_GPR: return s->gpr;
	case L4_VCPU_CR: return s->cr;
	case L4_VCPU_SEG: return s->seg;
	case L4_VCPU_DT: return s->dt;
	case L4_VCPU_INTR: return s->intr;
	case L4_VCPU_MSR: return s->msr;
	default: return s->apic;
	}
}

/* Copies the groups between a struct and message words (to_msg: struct
 * to words); returns the number of words. */
static unsigned copy_groups(unsigned groups, struct l4_vcpu_state *s, l4_word_t *w, bool to_msg)
{
	unsigned n = 0;

	for (unsigned bit = 1; bit <= L4_VCPU_APIC; bit <<= 1) {
		if (!(groups & bit))
			continue;
		l4_word_t *g = group_words(s, bit);
		unsigned words = l4_vcpu_words(bit);
		for (unsigned i = 0; i < words; i++) {
			if (to_msg)
				w[n + i] = g[i];
			else
				g[i] = w[n + i];
		}
		n += words;
	}
	return n;
}

l4_word_t l4_vm_create(l4_cap_t *vm)
{
	*vm = l4_slot_alloc();
	return L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, *vm, 16).error;
}

l4_word_t l4_vm_map(l4_cap_t vm, l4_word_t gpa, l4_word_t host_addr, unsigned order, unsigned rights)
{
	return L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | gpa, l4_fpage_mem(host_addr, order, rights)).error;
}

l4_word_t l4_vcpu_create(l4_cap_t vm, l4_cap_t exit_ep, unsigned prio, l4_cap_t *vcpu)
{
	l4_word_t err;

	*vcpu = l4_slot_alloc();
	if ((err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, *vcpu, vm).error) ||
	    (err = L4_INVOKE(*vcpu, L4_THREAD_SET_EXC_HANDLER, exit_ep).error))
		return err;
	return L4_INVOKE(*vcpu, L4_THREAD_SET_PRIO, prio).error;
}

l4_word_t l4_vcpu_config(l4_cap_t vcpu, uint32_t exceptions, unsigned default_mask,
			 const uint8_t *masks, unsigned n)
{
	l4_word_t w[2 + L4_VMEXIT_REASONS];

	if (n > L4_VMEXIT_REASONS)
		return L4_EINVAL;
	w[0] = exceptions;
	w[1] = default_mask;
	for (unsigned r = 0; r < n; r++)
		w[2 + r] = masks[r];
	return l4_invoke(vcpu, L4_THREAD_VCPU_CONFIG, 2 + n, w).error;
}

l4_word_t l4_vcpu_read(l4_cap_t vcpu, unsigned groups, struct l4_vcpu_state *s)
{
	struct l4_result r = L4_INVOKE(vcpu, L4_THREAD_VCPU_READ, groups);

	if (!r.error)
		copy_groups(groups, s, &l4_utcb()->mr[1], false);
	return r.error;
}

l4_word_t l4_vcpu_write(l4_cap_t vcpu, unsigned groups, unsigned requests, l4_word_t event,
			l4_word_t error, const struct l4_vcpu_state *s)
{
	l4_word_t tag = l4_vcpu_reply_prepare(groups, requests, event, error, s);

	return l4_call(vcpu, l4_tag(L4_THREAD_VCPU_WRITE, l4_tag_words(tag), 0), L4_TIMEOUT_NEVER).error;
}

void l4_vcpu_exit_get(struct l4_vcpu_exit *e, struct l4_vcpu_state *s)
{
	l4_word_t *mr = l4_utcb()->mr;

	e->reason = mr[L4_VMEXIT_REASON];
	e->qual = mr[L4_VMEXIT_QUAL];
	e->ilen = mr[L4_VMEXIT_ILEN];
	e->gpa = mr[L4_VMEXIT_GPA];
	e->gla = mr[L4_VMEXIT_GLA];
	e->groups = (unsigned)mr[L4_VMEXIT_GROUPS] & (L4_VCPU_ALL | L4_VCPU_APIC);
	e->cr8 = L4_VMEXIT_CR8(mr[L4_VMEXIT_GROUPS]);
	if (s)
		copy_groups(e->groups, s, &mr[L4_VMEXIT_STATE], false);
}

l4_word_t l4_vcpu_reply_prepare(unsigned groups, unsigned requests, l4_word_t event,
				l4_word_t error, const struct l4_vcpu_state *s)
{
	l4_word_t *mr = l4_utcb()->mr;

	groups &= L4_VCPU_ALL | L4_VCPU_APIC;
	mr[L4_VCPU_REPLY_GROUPS] = groups | requests;
	mr[L4_VCPU_REPLY_INJECT] = event;
	mr[L4_VCPU_REPLY_ERROR] = error;
	unsigned n = copy_groups(groups, (struct l4_vcpu_state *)s, &mr[L4_VCPU_REPLY_STATE], true);
	return l4_tag(0, L4_VCPU_REPLY_STATE + n, 0);
}
