/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libl4's vCPU API: VMs, vCPUs and their exit messages (the ABI is in
 * include/l4/vcpu.h). A VMM's main loop:
 *
 *   l4_cap_t vm, vcpu, ep = l4_make(L4_FACTORY_ENDPOINT);
 *   l4_vm_create(&vm);
 *   l4_vm_map(vm, 0, ram, 20, L4_FP_RWX);          // 1 MiB of guest RAM at 0
 *   l4_vcpu_create(vm, ep, 50, &vcpu);
 *   l4_vcpu_config(vcpu, 0, L4_VCPU_GPR, NULL, 0);  // exits carry the GPRs
 *   struct l4_vcpu_state s = { 0 };                 // initial state:
 *   ... s.gpr[L4_REG_RIP] = entry ...
 *   l4_vcpu_write(vcpu, L4_VCPU_ALL, 0, 0, &s);
 *   L4_INVOKE(vcpu, L4_THREAD_RESUME);
 *   struct l4_vcpu_exit e;
 *   struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
 *   for (;;) {
 *       l4_vcpu_exit_get(&e, &s);                  // reason, state groups
 *       ... emulate; e.g. s.gpr[L4_REG_RIP] += e.ilen ...
 *       r = l4_reply_wait(ep, l4_vcpu_reply_prepare(e.groups, 0, 0, 0, &s), L4_TIMEOUT_NEVER);
 *   }
 *
 * A reply may carry fewer groups than the exit (only what changed), an
 * event to inject (L4_EVENT_*), window requests (L4_VCPU_REQ_*) and, with
 * APIC virtualization (l4_vcpu_apic), a posted interrupt (L4_VCPU_POST).
 */
#ifndef L4VCPU_H
#define L4VCPU_H

#include "l4lib.h"

/* Every group by name; only the groups an exit or read names are valid. */
struct l4_vcpu_state {
	l4_word_t gpr[L4_VCPU_GPR_WORDS];     /* enum l4_reg */
	l4_word_t cr[L4_VCPU_CR_WORDS];       /* enum l4_vcpu_cr */
	l4_word_t seg[L4_VCPU_SEG_WORDS];     /* 2 * enum l4_vcpu_seg: L4_SEG_WORD, base */
	l4_word_t dt[L4_VCPU_DT_WORDS];       /* enum l4_vcpu_dt */
	l4_word_t intr[L4_VCPU_INTR_WORDS];   /* enum l4_vcpu_intr */
	l4_word_t msr[L4_VCPU_MSR_WORDS];     /* enum l4_vcpu_msr */
	l4_word_t apic[L4_VCPU_APIC_WORDS];   /* enum l4_vcpu_apic (virtual-interrupt delivery) */
};

struct l4_vcpu_exit {
	l4_word_t reason;     /* bit 31: the VM entry failed */
	l4_word_t qual, ilen, gpa, gla;
	unsigned groups;      /* the groups the message carried */
	unsigned cr8;         /* the guest's CR8 (every exit has it) */
};

/* A VM task with 16 capability slots in *vm (a fresh slot). Error code. */
l4_word_t l4_vm_create(l4_cap_t *vm);
/* Maps 2^order bytes of our memory at host_addr to guest-physical gpa
 * with rights L4_FP_R/W/X. Error code. */
l4_word_t l4_vm_map(l4_cap_t vm, l4_word_t gpa, l4_word_t host_addr, unsigned order, unsigned rights);
/* A vCPU of vm (stopped, real mode at 0:0) whose exits go to endpoint
 * exit_ep, at priority prio, in *vcpu (a fresh slot). Error code. */
l4_word_t l4_vcpu_create(l4_cap_t vm, l4_cap_t exit_ep, unsigned prio, l4_cap_t *vcpu);
/* Exceptions that exit (bitmap), the default transfer mask, and masks[r]
 * for exit reasons r < n (0: the default). Error code. */
l4_word_t l4_vcpu_config(l4_cap_t vcpu, uint32_t exceptions, unsigned default_mask,
			 const uint8_t *masks, unsigned n);
/* APIC virtualization: the guest's APIC page at guest-physical gpa (page
 * aligned, mapped in the VM: l4_vm_map), flags L4_VAPIC_*; gpa 0: off.
 * Error code (L4_ENOSYS: the CPU cannot). */
static inline l4_word_t l4_vcpu_apic(l4_cap_t vcpu, l4_word_t gpa, unsigned flags)
{
	return L4_INVOKE(vcpu, L4_THREAD_VCPU_APIC, gpa | flags).error;
}
/* Reads the groups into *s. Error code. */
l4_word_t l4_vcpu_read(l4_cap_t vcpu, unsigned groups, struct l4_vcpu_state *s);
/* Writes the groups from *s, with requests and an event (0: none). Error code. */
l4_word_t l4_vcpu_write(l4_cap_t vcpu, unsigned groups, unsigned requests, l4_word_t event,
			l4_word_t error, const struct l4_vcpu_state *s);

/* The exit message in our UTCB, into *e and the groups it carries into *s
 * (s may be NULL). */
void l4_vcpu_exit_get(struct l4_vcpu_exit *e, struct l4_vcpu_state *s);
/* Puts a reply into our UTCB: groups from *s, requests, an event; returns
 * the tag for l4_reply or l4_reply_wait. */
l4_word_t l4_vcpu_reply_prepare(unsigned groups, unsigned requests, l4_word_t event,
				l4_word_t error, const struct l4_vcpu_state *s);

/* The common reply, in place: the exit's GPR group (it must have one)
 * back to the guest with RIP advanced by advance (e.g. the instruction
 * length) and an event (0: none). Returns the tag. Cheaper than a
 * round trip through struct l4_vcpu_state: no copies but the GPRs'. */
static inline l4_word_t l4_vcpu_reply_gprs(l4_word_t advance, l4_word_t event)
{
	l4_word_t *mr = l4_utcb()->mr;

	for (unsigned i = 0; i < L4_VCPU_GPR_WORDS; i++)
		mr[L4_VCPU_REPLY_STATE + i] = mr[L4_VMEXIT_STATE + i];
	mr[L4_VCPU_REPLY_STATE + L4_REG_RIP] += advance;
	mr[L4_VCPU_REPLY_GROUPS] = L4_VCPU_GPR;
	mr[L4_VCPU_REPLY_INJECT] = event;
	mr[L4_VCPU_REPLY_ERROR] = 0;
	return l4_tag(0, L4_VCPU_REPLY_STATE + L4_VCPU_GPR_WORDS, 0);
}

/* A hardware exception to inject (vector, with an error code or not). */
static inline l4_word_t l4_event_exception(unsigned vector, bool has_error)
{
	return L4_EVENT_VALID | L4_EVENT_HW_EXC | (has_error ? L4_EVENT_ERROR_CODE : 0) | vector;
}
/* An external interrupt to inject. */
static inline l4_word_t l4_event_interrupt(unsigned vector)
{
	return L4_EVENT_VALID | L4_EVENT_EXTINT | vector;
}

#endif
