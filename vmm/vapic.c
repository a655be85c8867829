/* SPDX-License-Identifier: BSD-2-Clause */
/* APIC virtualization: see vapic.h. */
#include "vapic.h"
#include "vmm.h"

/* The VM's one APIC-access page: ours, lent to the VM. */
static uint8_t apic_page[4096] __attribute__((aligned(4096)));

/* Takes apic_page back from the VM (we keep it). */
static void apic_page_revoke(void)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem((l4_word_t)apic_page, 12, L4_FP_RWX), 0);
}

bool vapic_start(l4_cap_t vm, bool wanted)
{
	l4_word_t err;

	apic_page[0] = 0;                                 /* (ours before we lend it) */
	if (!wanted) {
		l4_printf("vmm: local APIC interrupts injected (vmm.vid: posted by the CPU)\n");
		return false;
	}
	err = l4_vm_map(vm, LAPIC_DEFAULT_BASE, (l4_word_t)apic_page, 12, L4_FP_R | L4_FP_W);
	for (unsigned i = 0; i < nvcpus && !err; i++)
		vcpus[i].irq.vapic = !(err = l4_vcpu_apic(vcpus[i].cap, LAPIC_DEFAULT_BASE, L4_VAPIC_VID));
	if (err) {
		for (unsigned i = 0; i < nvcpus; i++)
			if (vcpus[i].irq.vapic)
				l4_vcpu_apic(vcpus[i].cap, 0, 0);
		for (unsigned i = 0; i < nvcpus; i++)
			vcpus[i].irq.vapic = false;
		apic_page_revoke();
	}
	l4_printf("vmm: local APIC interrupts %s\n", !err ? "posted (virtual-interrupt delivery)" :
		  err == L4_ENOSYS ? "injected (the CPU has no virtual-interrupt delivery)" : "injected");
	return !err;
}

void vapic_off(struct vcpu_ctx *c, const char *why)
{
	struct l4_vcpu_state st;
	struct lapic *l = board_lapic(&board, c->id);

	if (l4_vcpu_read(c->cap, L4_VCPU_APIC, &st) == L4_OK)
		vapic_state_to_model(l, &st);
	l4_vcpu_apic(c->cap, 0, 0);
	bool any = false;
	c->irq.vapic = false;
	for (unsigned i = 0; i < nvcpus; i++)
		any |= vcpus[i].irq.vapic;
	if (!any)
		apic_page_revoke();       /* (the page is the VM's one APIC-access page) */
	lapic_set_vid(l, false);
	l4_printf("vmm: APIC virtualization off%s: %s\n", nvcpus > 1 ? " for a vCPU" : "", why);
}
