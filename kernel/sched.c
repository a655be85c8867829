/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduler. The running thread is never in a ready queue: a thread
 * that blocks needs no dequeue, and an IPC that hands the CPU straight to
 * its partner needs no queue operation at all. The running thread goes
 * back into its queue only when something else is chosen while it is
 * still ready (preemption: at the head; yield or an expired time slice:
 * at the tail).
 */
#include "sched.h"
#include <l4/debug.h>
#include <l4/errno.h>
#include "check.h"
#include <l4/syscall.h>
#include "arch.h"
#include "console.h"
#include "ipc.h"
#include "task.h"
#include "uexit.h"

/* This CPU's queues (percpu.h). */
#define ready (cpu_self()->ready)
#define ready_bits (this_cpu->ready_bits)
#define ready_words (this_cpu->ready_words)
#define timeouts (cpu_self()->timeouts)
#define ticks (this_cpu->ticks)

static void enqueue(struct thread *t, bool at_head)
{
	struct thread **head = &ready[t->prio];

	if (!*head) {
		t->q_next = t->q_prev = t;
		*head = t;
		ready_bits[t->prio / 64] |= 1ull << (t->prio % 64);
		ready_words |= 1ull << (t->prio / 64);
		return;
	}
	t->q_next = *head;
	t->q_prev = (*head)->q_prev;
	t->q_prev->q_next = t;
	(*head)->q_prev = t;
	if (at_head)
		*head = t;
}

void sched_enqueue(struct thread *t)
{
	if (t != this_cpu->current)
		enqueue(t, false);
}

static void remove(struct thread *t)
{
	struct thread **head = &ready[t->prio];

	if (t->q_next == t) {
		*head = NULL;
		ready_bits[t->prio / 64] &= ~(1ull << (t->prio % 64));
		if (!ready_bits[t->prio / 64])
			ready_words &= ~(1ull << (t->prio / 64));
	} else {
		t->q_prev->q_next = t->q_next;
		t->q_next->q_prev = t->q_prev;
		if (*head == t)
			*head = t->q_next;
	}
	t->q_next = t->q_prev = NULL;
}

void sched_dequeue(struct thread *t)
{
	/* The running thread is in no queue; anyone else READY is. */
	if (t != this_cpu->current && t->state == TS_READY && t->q_next)
		remove(t);
}

/* Two bit scans: the highest non-empty word, then its highest bit. */
static struct thread *highest_ready(void)
{
	int p = sched_highest_ready_prio();

	return p < 0 ? NULL : ready[p];
}

void sched_prefer(struct thread *t)
{
	struct thread *cur = this_cpu->current;

	if (t->state != TS_READY || t == cur)
		return;
	if (cur && cur->state == TS_READY && t->prio < cur->prio)
		return;
	remove(t);
	if (cur && cur->state == TS_READY)
		enqueue(cur, true);     /* it keeps its turn at its priority */
	this_cpu->current = t;
}

void sched_yield(void)
{
	struct thread *cur = this_cpu->current;

	if (cur && cur->state == TS_READY) {
		cur->ticks_left = cur->timeslice_ticks;
		this_cpu->current = NULL;
		enqueue(cur, false);
	}
}

void sched_set_prio(struct thread *t, uint8_t prio)
{
	if (t->state == TS_READY && t != this_cpu->current && t->q_next) {
		remove(t);
		t->prio = prio;
		enqueue(t, false);
	} else {
		t->prio = prio;          /* the running thread: the way out re-decides */
		ipc_requeue(t);          /* wait queues are ordered by priority */
	}
}

void sched_timeout_arm(struct thread *t, uint64_t timeout_us)
{
	if (timeout_us == L4_TIMEOUT_NEVER)
		return;
	/* Round up to whole ticks, at least one. */
	uint64_t n = timeout_us / (1000000 / SCHED_TICK_HZ) + 1;
	t->deadline = ticks + n;
	struct thread **p = &timeouts;
	while (*p && (*p)->deadline <= t->deadline)
		p = &(*p)->tq_next;
	t->tq_next = *p;
	*p = t;
}

void sched_timeout_cancel(struct thread *t)
{
	if (t->deadline == TIMEOUT_NONE)
		return;
	for (struct thread **p = &timeouts; *p; p = &(*p)->tq_next)
		if (*p == t) {
			*p = t->tq_next;
			break;
		}
	t->deadline = TIMEOUT_NONE;
	t->tq_next = NULL;
}

uint64_t sched_poweroff_ticks;

void sched_tick(void)
{
	ticks++;
	if (sched_poweroff_ticks && ticks >= sched_poweroff_ticks && this_cpu->id == 0) {
		kprintf("poweroff after %llu s\n", (unsigned long long)(ticks / SCHED_TICK_HZ));
		arch_machine_exit(0);
	}
	while (timeouts && timeouts->deadline <= ticks) {
		struct thread *t = timeouts;
		ipc_timeout(t);   /* cancels the timeout and wakes t with L4_ETIMEOUT */
	}
	struct thread *cur = this_cpu->current;
	if (cur && cur->state == TS_READY && cur->ticks_left && --cur->ticks_left == 0)
		sched_yield();
}

uint64_t sched_ticks(void)
{
	return ticks;
}

void sched_exit_kernel(void)
{
	for (;;) {
		struct thread *cur = this_cpu->current, *best = highest_ready();
		if (cur && cur->state == TS_READY) {
			if (!best || best->prio <= cur->prio)
				best = cur;
			else
				enqueue(cur, true);      /* preempted: first again at its level */
		}
		if (best) {
			if (best != cur)
				remove(best);
			sched_set_running(best);
			bool sysret = best->resume_sysret;
			best->resume_sysret = false;
			arch_exit_to_user(best, sysret);
		}
		/* Nothing to run: wait for an interrupt to make something ready. */
		this_cpu->current = NULL;
		arch_wait_for_irq();
		arch_irq_disable();
	}
}

/* ---- the self-check's part (check.c) */

#define CHECK_BOUND (1ull << 24)     /* more threads than any queue can hold */

void sched_check(uint64_t *ready_count, uint64_t *timed)
{
	*ready_count = *timed = 0;
	for (unsigned p = 0; p < PRIO_LEVELS; p++) {
		struct thread *head = ready[p];
		if (!head != !(ready_bits[p / 64] >> (p % 64) & 1) ||
		    !ready_bits[p / 64] != !(ready_words >> (p / 64) & 1))
			check_fail(L4_CHECK_QUEUES, "ready queue %u and its bits disagree", p);
		for (struct thread *t = head; t; t = t->q_next) {
			if (!check_alive(t, L4_OBJ_THREAD) || t->state != TS_READY || t->prio != p ||
			    t == this_cpu->current || t->q_next->q_prev != t || ++*ready_count > CHECK_BOUND) {
				check_fail(L4_CHECK_QUEUES, "ready queue %u: thread %p does not belong there", p, t);
				break;
			}
			if (t->q_next == head)
				break;
		}
	}
	uint64_t last = 0;
	for (struct thread *t = timeouts; t; t = t->tq_next) {
		bool blocked = t->state == TS_SEND_BLOCKED || t->state == TS_RECV_BLOCKED ||
			       t->state == TS_REPLY_BLOCKED || t->state == TS_NOTIFY_BLOCKED;
		if (!check_alive(t, L4_OBJ_THREAD) || !blocked || t->deadline == TIMEOUT_NONE ||
		    t->deadline < last || ++*timed > CHECK_BOUND) {
			check_fail(L4_CHECK_QUEUES, "timeout list: thread %p does not belong there", t);
			break;
		}
		last = t->deadline;
	}
}
