/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt delivery at the end of an exit (vmm/irq.c) over a real board:
 * injection at interrupt windows, NMIs first at NMI windows, posting with
 * APIC virtualization only while the guest has interrupts on, the task
 * priority back to CR8; whether an interrupt waits (HLT); and the APIC
 * virtualization helpers of vmm/vapic.h.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/irq.h"
#include "vmm/vapic.h"

static struct board b;
static struct irq_vcpu v;
static struct vmm_stats st;
static struct l4_vcpu_state s;
static struct l4_vcpu_exit e;
static unsigned groups, requests;

static void setup(void)
{
	struct board_config cfg = { .cpus = 2, .tsc_hz = 1000000000ull };

	board_init(&b, &cfg, 0);
	memset(&v, 0, sizeof(v));
	memset(&st, 0, sizeof(st));
	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	s.gpr[L4_REG_RFLAGS] = RFLAGS_IF | 2;
	e.groups = L4_VCPU_GPR;
	groups = L4_VCPU_GPR;
	requests = 0;
}

/* The end of an exit of cpu with reason, after work that injects event. */
static l4_word_t deliver(unsigned cpu, unsigned reason, l4_word_t event)
{
	groups = L4_VCPU_GPR;
	requests = 0;
	return irq_deliver(&b, cpu, &v, reason, &e, &s, &groups, &requests, event, 0, &st);
}

START_TEST(test_injected_at_an_interrupt_window)
{
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_CPUID, 0), 0);
	ck_assert_uint_eq(requests, 0);
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x51, false));
	/* Not a window: ask for one, take nothing. */
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_IO, 0), 0);
	ck_assert_uint_eq(requests, L4_VCPU_REQ_IRQ_WINDOW);
	ck_assert_int_eq(board_pending(&b, 0), 0x51);
	/* The window: injected, acknowledged, counted. */
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_IRQ_WINDOW, 0), l4_event_interrupt(0x51));
	ck_assert_uint_eq(requests, 0);
	ck_assert_int_eq(board_pending(&b, 0), -1);
	ck_assert_uint_eq(st.injected[0x51], 1);
	ck_assert_uint_eq(st.posted, 0);
	/* An exception from the exit's own work goes first; the interrupt waits. */
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x62, false));
	l4_word_t gp = l4_event_exception(13, true);
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_IRQ_WINDOW, gp), gp);
	ck_assert_int_eq(board_pending(&b, 0), 0x62);
	ck_assert_uint_eq(st.injected[0x62], 0);
	/* Another vCPU's interrupt is not this one's. */
	ck_assert_uint_eq(deliver(1, L4_VMEXIT_IRQ_WINDOW, 0), 0);
	ck_assert_uint_eq(requests, 0);
}
END_TEST

START_TEST(test_nmi_first_at_an_nmi_window)
{
	v.nmi_pending = true;
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x51, false));
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_HLT, 0), 0);
	ck_assert_uint_eq(requests, L4_VCPU_REQ_NMI_WINDOW | L4_VCPU_REQ_IRQ_WINDOW);
	ck_assert(v.nmi_pending);
	/* An exception of the exit's own first: the NMI waits, unasked. */
	l4_word_t ud = l4_event_exception(6, false);
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_CPUID, ud), ud);
	ck_assert(v.nmi_pending);
	ck_assert_uint_eq(requests & L4_VCPU_REQ_NMI_WINDOW, 0);
	/* The NMI window: the NMI, and the interrupt stays for later. */
	ck_assert_uint_eq(deliver(0, L4_VMEXIT_NMI_WINDOW, 0), L4_EVENT_VALID | L4_EVENT_NMI | 2);
	ck_assert(!v.nmi_pending);
	ck_assert_int_eq(board_pending(&b, 0), 0x51);
	ck_assert_uint_eq(st.injected[0x51], 0);
}
END_TEST

START_TEST(test_posted_only_while_interrupts_are_on)
{
	struct lapic *l = board_lapic(&b, 1);

	/* vCPU 1 started as firmware leaves APs: its APIC on first. */
	ck_assert(board_mmio_write(&b, 1, LAPIC_DEFAULT_BASE + 0xf0, 4, 0x1ff, 0));
	lapic_set_vid(l, true);
	v.vapic = true;
	ck_assert(lapic_accept_irq(l, 0x61, true));
	/* Interrupts off: not posted (Bochs would deliver it anyway); a window brings it. */
	s.gpr[L4_REG_RFLAGS] = 2;
	ck_assert_uint_eq(deliver(1, L4_VMEXIT_IO, 0), 0);
	ck_assert_uint_eq(requests, L4_VCPU_REQ_IRQ_WINDOW);
	ck_assert_uint_eq(st.posted, 0);
	/* On: posted with its EOI exit (level triggered), nothing injected by us. */
	s.gpr[L4_REG_RFLAGS] = RFLAGS_IF | 2;
	ck_assert_uint_eq(deliver(1, L4_VMEXIT_IRQ_WINDOW, 0), 0);
	ck_assert_uint_eq(requests, (unsigned)L4_VCPU_POST(0x61, true));
	ck_assert_uint_eq(st.posted, 1);
	ck_assert_uint_eq(st.injected[0x61], 1);
	/* One per reply: two more, the next exit posts the higher first and asks for a window. */
	ck_assert(lapic_accept_irq(l, 0x71, false));
	ck_assert(lapic_accept_irq(l, 0x72, false));
	ck_assert_uint_eq(deliver(1, L4_VMEXIT_IO, 0), 0);
	ck_assert_uint_eq(requests, (unsigned)L4_VCPU_POST(0x72, false) | L4_VCPU_REQ_IRQ_WINDOW);
	ck_assert_uint_eq(deliver(1, L4_VMEXIT_IRQ_WINDOW, 0), 0);
	ck_assert_uint_eq(requests, (unsigned)L4_VCPU_POST(0x71, false));
	ck_assert_uint_eq(st.posted, 3);
}
END_TEST

START_TEST(test_task_priority_back_to_cr8)
{
	/* A TPR write through the xAPIC page: CR8 5 goes back in the CR group. */
	ck_assert(board_mmio_write(&b, 0, LAPIC_DEFAULT_BASE + 0x80, 4, 0x50, 0));
	e.groups = L4_VCPU_GPR | L4_VCPU_CR;
	deliver(0, L4_VMEXIT_EPT_VIOLATION, 0);
	ck_assert_uint_eq(s.cr[L4_CR_TPR], L4_TPR(5, 0));
	ck_assert_uint_eq(groups, L4_VCPU_GPR | L4_VCPU_CR);
	ck_assert_uint_eq(requests, 0);
	/* The guest has it now (e.cr8 5): nothing to write. */
	e.cr8 = 5;
	board_set_cr8(&b, 0, 5);
	deliver(0, L4_VMEXIT_IO, 0);
	ck_assert_uint_eq(groups, L4_VCPU_GPR);
	/* A held-back interrupt (class 4 < 5): the threshold, here without the
	 * CR group: a window exit will bring it. */
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x41, false));
	e.groups = L4_VCPU_GPR;
	deliver(0, L4_VMEXIT_IO, 0);
	ck_assert_uint_eq(requests, L4_VCPU_REQ_IRQ_WINDOW);
	ck_assert_uint_eq(groups, L4_VCPU_GPR);
	ck_assert_uint_eq(v.tpr_threshold, 0);
	e.groups = L4_VCPU_GPR | L4_VCPU_CR;
	deliver(0, L4_VMEXIT_IRQ_WINDOW, 0);
	ck_assert_uint_eq(s.cr[L4_CR_TPR], L4_TPR(5, 4));
	ck_assert_uint_eq(v.tpr_threshold, 4);
	ck_assert_uint_eq(groups, L4_VCPU_GPR | L4_VCPU_CR);
}
END_TEST

START_TEST(test_whether_an_interrupt_waits)
{
	ck_assert(!irq_waiting(&b, 0, &v));
	v.nmi_pending = true;
	ck_assert(irq_waiting(&b, 0, &v));
	v.nmi_pending = false;
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x51, false));
	ck_assert(irq_waiting(&b, 0, &v));
	ck_assert(!irq_waiting(&b, 1, &v));
	/* With APIC virtualization the CPU holds it: the model's request counts. */
	board_set_cr8(&b, 0, 0);
	lapic_set_vid(board_lapic(&b, 1), true);
	ck_assert(board_mmio_write(&b, 1, LAPIC_DEFAULT_BASE + 0xf0, 4, 0x1ff, 0));
	ck_assert(lapic_accept_irq(board_lapic(&b, 1), 0x52, false));
	ck_assert(!irq_waiting(&b, 1, &v));
	v.vapic = true;
	ck_assert(irq_waiting(&b, 1, &v));
}
END_TEST

START_TEST(test_vapic_helpers)
{
	struct lapic *l = board_lapic(&b, 0);
	uint64_t r;

	/* Deliverable: its class above CR8 and above the one in service. */
	s.apic[L4_APIC_STATUS] = 0x51;                               /* RVI 0x51, SVI 0 */
	ck_assert(vapic_deliverable(&s, 4));
	ck_assert(!vapic_deliverable(&s, 5));
	s.apic[L4_APIC_STATUS] = 0x61 << 8 | 0x51;                   /* SVI 0x61 */
	ck_assert(!vapic_deliverable(&s, 0));
	s.apic[L4_APIC_STATUS] = 0x41 << 8 | 0x51;
	ck_assert(vapic_deliverable(&s, 0));
	ck_assert(!vapic_deliverable(&(struct l4_vcpu_state){ 0 }, 0));   /* nothing posted */
	/* The CPU's IRR and ISR into the model: register reads show them. */
	lapic_set_vid(l, true);
	s.apic[L4_APIC_IRR + 1] = 1ull << (0x51 - 64);                /* IRR words 2, 3 */
	s.apic[L4_APIC_ISR + 3] = 1ull << (0xf1 - 192);              /* ISR words 6, 7 */
	vapic_state_to_model(l, &s);
	ck_assert(board_mmio_read(&b, 0, LAPIC_DEFAULT_BASE + 0x200 + 0x10 * 2, 4, &r, 0));   /* IRR 2 */
	ck_assert_uint_eq(r, 1u << (0x51 % 32));
	ck_assert(board_mmio_read(&b, 0, LAPIC_DEFAULT_BASE + 0x100 + 0x10 * 6, 4, &r, 0));   /* ISR 6 */
	ck_assert_uint_eq(r, 0);
	ck_assert(board_mmio_read(&b, 0, LAPIC_DEFAULT_BASE + 0x100 + 0x10 * 7, 4, &r, 0));   /* ISR 7 */
	ck_assert_uint_eq(r, 1u << (0xf1 % 32));
	/* The page in place: the xAPIC at its default base; moved, it is not. */
	ck_assert(vapic_page_in_place(l));
	bool handled;
	ck_assert(board_msr_read(&b, 0, MSR_IA32_APIC_BASE, &r, &handled, 0));
	ck_assert(board_msr_write(&b, 0, MSR_IA32_APIC_BASE, (r & 0xfff) | 0xfed00000ull, &handled, 0));
	ck_assert(!vapic_page_in_place(l));
}
END_TEST

Suite *vmm_irq_suite(void)
{
	Suite *s = suite_create("vmm_irq");
	TCase *tc = tcase_create("delivery");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_injected_at_an_interrupt_window);
	tcase_add_test(tc, test_nmi_first_at_an_nmi_window);
	tcase_add_test(tc, test_posted_only_while_interrupts_are_on);
	tcase_add_test(tc, test_task_priority_back_to_cr8);
	tcase_add_test(tc, test_whether_an_interrupt_waits);
	tcase_add_test(tc, test_vapic_helpers);
	suite_add_tcase(s, tc);
	return s;
}
