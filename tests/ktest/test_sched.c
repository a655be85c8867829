/* SPDX-License-Identifier: GPL-2.0-only */
/* Scheduling, thread control, and faults handled by IPC. */
#include "ktest.h"

static volatile unsigned long counter;

static long count_forever(long arg)
{
	(void)arg;
	for (;;)
		counter++;
	return 0;
}

static long count_and_yield(long rounds)
{
	for (long i = 0; i < rounds; i++) {
		counter++;
		l4_yield();
	}
	return 0;
}

static void higher_priority_runs_first(void)
{
	counter = 0;
	l4_cap_t t = l4_thread_start(count_and_yield, 5, 120);
	/* It ran to completion before START returned to us. */
	CHECK_EQ(counter, 5);
	CHECK_EQ(l4_thread_result(t), 0);
	l4_thread_kill(t);
}

static void lower_priority_waits(void)
{
	counter = 0;
	l4_cap_t t = l4_thread_start(count_forever, 0, 50);
	l4_spin_us(20000);
	CHECK_EQ(counter, 0);
	/* Once we block, it runs. */
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	CHECK_EQ(l4_recv(ep, 5000).error, L4_ETIMEOUT);
	CHECK(counter > 0);
	l4_thread_kill(t);
}

static void time_slices_rotate_equal_priorities(void)
{
	counter = 0;
	l4_cap_t t = l4_thread_start(count_forever, 0, 100);
	/* Same priority as ours: it runs when our time slice ends, without a yield. */
	l4_spin_us(50000);
	CHECK(counter > 0);
	l4_thread_kill(t);
}

static void yield_alternates(void)
{
	counter = 0;
	l4_cap_t t = l4_thread_start(count_and_yield, 1000, 100);
	for (int i = 0; i < 3; i++) {
		unsigned long before = counter;
		l4_yield();
		CHECK(counter > before);
	}
	l4_thread_kill(t);
}

static void priority_limits(void)
{
	l4_cap_t t = l4_thread_start(count_and_yield, 0, 10);

	CHECK(l4_thread_join(t));
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_PRIO, 256).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_PRIO, 255).error, L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[1], 255);
	/* A thread with MCP 0 cannot raise anyone. */
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_MCP, 256).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_MCP, 0).error, L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_TIMESLICE, 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_TIMESLICE, 5000).error, L4_OK);
	l4_thread_kill(t);
}

/* Threads (and vCPUs) a thread creates start no higher than its MCP
 * (review finding 9: they started at 100 whatever it was). */
static volatile l4_word_t made_prio[2];

static long make_threads(long task)
{
	l4_cap_t t = l4_slot_alloc(), vm = l4_slot_alloc(), v = l4_slot_alloc();

	made_prio[0] = made_prio[1] = ~0ull;
	if (!L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, t, (l4_cap_t)task, 0x7f0000000000ull).error &&
	    !L4_INVOKE(t, L4_THREAD_INFO).error)
		made_prio[0] = l4_utcb()->mr[1];
	if (!L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error &&
	    !L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, v, vm).error && !L4_INVOKE(v, L4_THREAD_INFO).error)
		made_prio[1] = l4_utcb()->mr[1];
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, v);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm);
	return 1;
}

static void new_threads_start_below_their_creators_mcp(void)
{
	l4_cap_t b = l4_task_share_image(16);
	l4_cap_t t = l4_thread_start(make_threads, (long)b, 90);       /* runs when we wait */

	CHECK(t != L4_CAP_NONE && b != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_MCP, 40).error, L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(made_prio[0], 40);
	CHECK(made_prio[1] == 40 || made_prio[1] == ~0ull);            /* (no VT-x: no vCPU) */
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static void stop_and_resume(void)
{
	counter = 0;
	l4_cap_t t = l4_thread_start(count_forever, 0, 50);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_STOP).error, L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_recv(ep, 3000);
	CHECK_EQ(counter, 0);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_RESUME).error, L4_OK);
	l4_recv(ep, 3000);
	CHECK(counter > 0);
	l4_thread_kill(t);
}

static void bad_start_addresses(void)
{
	l4_cap_t t = l4_thread_start(count_and_yield, 0, 10);

	CHECK(l4_thread_join(t));
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_START, 0xffffffff80100000ull, 0x1000).error, L4_EFAULT);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_START, 0x400000, 0x8000000000000000ull).error, L4_EFAULT);
	l4_thread_kill(t);
}

static long ud2_thread(long arg)
{
	__asm__ volatile("ud2");
	return arg;     /* reached only if the handler skipped the ud2 */
}

static void exception_goes_to_handler(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t t = l4_thread_start(ud2_thread, 77, 50);

	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, ep).error, L4_OK);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_EXCEPTION);
	CHECK_EQ(l4_tag_words(r.tag), L4_EXC_WORDS);
	CHECK_EQ(UTCB0->mr[L4_EXC_VECTOR], 6);         /* #UD */
	l4_word_t rip = UTCB0->mr[L4_EXC_REGS + L4_REG_RIP];
	CHECK(rip >= 0x400000 && rip < 0x800000);
	CHECK_EQ(*(const unsigned short *)rip, 0x0b0f); /* the ud2 itself */
	CHECK_EQ(UTCB0->mr[L4_EXC_REGS + L4_REG_RDI], 77);
	/* Reply with the registers, RIP moved past the ud2: the thread goes on. */
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		UTCB0->mr[i] = UTCB0->mr[L4_EXC_REGS + i];
	UTCB0->mr[L4_REG_RIP] = rip + 2;
	CHECK_EQ(l4_reply(l4_tag(0, L4_REG_COUNT, 0)), L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 77);
	l4_thread_kill(t);
}

static void exception_reply_with_bad_rip_stops(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t t = l4_thread_start(ud2_thread, 1, 50);

	L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, ep);
	CHECK_EQ(l4_recv(ep, 100000).error, L4_OK);
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		UTCB0->mr[i] = UTCB0->mr[L4_EXC_REGS + i];
	UTCB0->mr[L4_REG_RIP] = 0xffff800000000000ull;
	CHECK_EQ(l4_reply(l4_tag(0, L4_REG_COUNT, 0)), L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	l4_thread_kill(t);
}

static long touch(long addr)
{
	return *(volatile long *)addr;
}

static void page_fault_goes_to_pager(void)
{
	const l4_word_t addr = 0x50000123;
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), b = l4_slot_alloc();

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b, L4_CAP_RIGHTS_ALL, 0x9a9e);
	l4_cap_t t = l4_thread_start(touch, (long)addr, 50);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_PAGER, b).error, L4_OK);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_PAGE_FAULT);
	CHECK_EQ(r.badge, 0x9a9e);
	CHECK_EQ(UTCB0->mr[0], addr);
	CHECK(UTCB0->mr[1] >= 0x400000 && UTCB0->mr[1] < 0x800000);
	CHECK_EQ(UTCB0->mr[2] & (L4_FAULT_WRITE | L4_FAULT_EXEC | L4_FAULT_PRESENT), 0);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_REPLY_BLOCKED);
	l4_thread_kill(t);
}

static void unhandled_fault_stops_only_the_thread(void)
{
	/* No pager: the thread stops, everything else goes on. */
	l4_cap_t t = l4_thread_start(touch, 0x10, 120);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	CHECK_EQ(l4_thread_result(t), -1);
	/* Kernel addresses are faults too, not kernel reads. */
	l4_cap_t k = l4_thread_start(touch, (long)0xffffffff80100000ull, 120);
	CHECK_EQ(L4_INVOKE(k, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	l4_thread_kill(t);
	l4_thread_kill(k);
}

static void pager_death_stops_faulter(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t t = l4_thread_start(touch, 0x60000000, 50);

	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	l4_recv(ep, 3000);            /* lets t run into its fault, which queues in ep */
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK(l4_utcb()->mr[0] == L4_THREAD_REPLY_BLOCKED || l4_utcb()->mr[0] == L4_THREAD_SEND_BLOCKED);
	/* We hold its reply right (or it waits in ep): deleting ep and replying nothing. */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep);
	l4_reply(0);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK(l4_utcb()->mr[0] != L4_THREAD_SEND_BLOCKED);
	l4_thread_kill(t);
}

static void read_and_write_registers(void)
{
	l4_cap_t t = l4_thread_start(count_forever, 0, 50);

	CHECK_EQ(L4_INVOKE(t, L4_THREAD_STOP).error, L4_OK);
	struct l4_result r = L4_INVOKE(t, L4_THREAD_READ_REGS);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_words(r.tag), L4_REG_COUNT);
	l4_word_t regs[L4_REG_COUNT];
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = l4_utcb()->mr[i];
	CHECK(regs[L4_REG_RIP] >= 0x400000 && regs[L4_REG_RIP] < 0x800000);
	regs[L4_REG_R12] = 0x12121212;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		l4_utcb()->mr[i] = regs[i];
	CHECK_EQ(l4_call(t, l4_tag(L4_THREAD_WRITE_REGS, L4_REG_COUNT, 0), L4_TIMEOUT_NEVER).error,
		 L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_READ_REGS).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[L4_REG_R12], 0x12121212);
	/* Privileged flags cannot be set: IOPL and IF stay as the kernel wants. */
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		l4_utcb()->mr[i] = regs[i];
	l4_utcb()->mr[L4_REG_RFLAGS] = 0x3000;
	l4_call(t, l4_tag(L4_THREAD_WRITE_REGS, L4_REG_COUNT, 0), L4_TIMEOUT_NEVER);
	L4_INVOKE(t, L4_THREAD_READ_REGS);
	CHECK_EQ(l4_utcb()->mr[L4_REG_RFLAGS] & 0x3200, 0x200);
	l4_thread_kill(t);
}

const struct ktest ktests_sched[] = {
	{ "sched/higher-priority-runs-first", higher_priority_runs_first },
	{ "sched/lower-priority-waits", lower_priority_waits },
	{ "sched/time-slices-rotate", time_slices_rotate_equal_priorities },
	{ "sched/yield-alternates", yield_alternates },
	{ "sched/priority-limits", priority_limits },
	{ "sched/new-threads-start-below-their-creators-mcp", new_threads_start_below_their_creators_mcp },
	{ "sched/stop-and-resume", stop_and_resume },
	{ "sched/bad-start-addresses", bad_start_addresses },
	{ "fault/exception-goes-to-handler", exception_goes_to_handler },
	{ "fault/exception-reply-bad-rip-stops", exception_reply_with_bad_rip_stops },
	{ "fault/page-fault-goes-to-pager", page_fault_goes_to_pager },
	{ "fault/unhandled-stops-only-the-thread", unhandled_fault_stops_only_the_thread },
	{ "fault/pager-death-stops-faulter", pager_death_stops_faulter },
	{ "thread/read-and-write-registers", read_and_write_registers },
	{ NULL, NULL },
};
