/* SPDX-License-Identifier: GPL-2.0-only */
#include "sched.h"
#include <l4/errno.h>
#include <l4/syscall.h>
#include "arch.h"
#include "ipc.h"
#include "task.h"

struct thread *sched_current_thread;

static struct thread *ready[PRIO_LEVELS];         /* circular lists, head = next to run */
static uint64_t ready_bits[PRIO_LEVELS / 64];
static struct thread *timeouts;                   /* sorted by deadline */
static uint64_t ticks;

void sched_enqueue(struct thread *t)
{
	struct thread **head = &ready[t->prio];

	if (!*head) {
		t->q_next = t->q_prev = t;
		*head = t;
		ready_bits[t->prio / 64] |= 1ull << (t->prio % 64);
		return;
	}
	t->q_next = *head;
	t->q_prev = (*head)->q_prev;
	t->q_prev->q_next = t;
	(*head)->q_prev = t;
}

void sched_dequeue(struct thread *t)
{
	struct thread **head = &ready[t->prio];

	if (t->q_next == t) {
		*head = NULL;
		ready_bits[t->prio / 64] &= ~(1ull << (t->prio % 64));
	} else {
		t->q_prev->q_next = t->q_next;
		t->q_next->q_prev = t->q_prev;
		if (*head == t)
			*head = t->q_next;
	}
	t->q_next = t->q_prev = NULL;
	if (sched_current_thread == t)
		sched_current_thread = NULL;
}

static struct thread *highest_ready(void)
{
	for (int w = PRIO_LEVELS / 64 - 1; w >= 0; w--)
		if (ready_bits[w])
			return ready[w * 64 + 63 - __builtin_clzll(ready_bits[w])];
	return NULL;
}

void sched_prefer(struct thread *t)
{
	struct thread *cur = sched_current_thread;

	if (t->state != TS_READY)
		return;
	if (!cur || cur->state != TS_READY || t->prio >= cur->prio) {
		ready[t->prio] = t;     /* t heads its queue: it runs next at its level */
		sched_current_thread = t;
	}
}

void sched_yield(void)
{
	struct thread *cur = sched_current_thread;

	if (cur && cur->state == TS_READY) {
		ready[cur->prio] = cur->q_next;
		cur->ticks_left = cur->timeslice_ticks;
	}
	sched_current_thread = NULL;
}

void sched_set_prio(struct thread *t, uint8_t prio)
{
	if (t->state == TS_READY) {
		bool was_current = sched_current_thread == t;
		sched_dequeue(t);
		t->prio = prio;
		sched_enqueue(t);
		if (was_current)
			sched_current_thread = NULL;   /* re-decide on the way out */
	} else {
		t->prio = prio;
		ipc_requeue(t);   /* wait queues are ordered by priority */
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

void sched_tick(void)
{
	ticks++;
	while (timeouts && timeouts->deadline <= ticks) {
		struct thread *t = timeouts;
		ipc_timeout(t);   /* cancels the timeout and wakes t with L4_ETIMEOUT */
	}
	struct thread *cur = sched_current_thread;
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
		struct thread *best = highest_ready();
		struct thread *cur = sched_current_thread;
		/* Keep the current thread unless someone of higher priority is ready. */
		struct thread *t = cur && cur->state == TS_READY && (!best || best->prio <= cur->prio) ?
				   cur : best;
		if (t) {
			sched_current_thread = t;
			if (!t->ticks_left)
				t->ticks_left = t->timeslice_ticks;
			bool sysret = t->resume_sysret;
			t->resume_sysret = false;
			arch_exit_to_user(t, sysret);
		}
		/* Nothing to run: wait for an interrupt to make something ready. */
		arch_wait_for_irq();
		arch_irq_disable();
	}
}
