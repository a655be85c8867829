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
#include "fault.h"
#include "ipc.h"
#include "smp.h"
#include "task.h"
#include "uexit.h"

/* A thread is queued, runs and times out on its CPU (thread.pcpu), whose
 * struct percpu holds the queues; changed only under the kernel lock. */
static struct percpu *cpu_of(const struct thread *t)
{
	return t->pcpu;
}

static void enqueue(struct thread *t, bool at_head)
{
	struct percpu *c = cpu_of(t);
	struct thread **head = &c->ready[t->prio];

	if (!*head) {
		t->q_next = t->q_prev = t;
		*head = t;
		c->ready_bits[t->prio / 64] |= 1ull << (t->prio % 64);
		c->ready_words |= 1ull << (t->prio / 64);
		return;
	}
	t->q_next = *head;
	t->q_prev = (*head)->q_prev;
	t->q_prev->q_next = t;
	(*head)->q_prev = t;
	if (at_head)
		*head = t;
}

/* t became ready on another CPU: that CPU decides again if t may outrank
 * what it runs. */
static void kick(struct thread *t)
{
	struct percpu *c = cpu_of(t);

	if (c != cpu_self() && (!c->current || c->current->state != TS_READY || t->prio > c->current->prio))
		smp_kick(t->pcpu->id);
}

void sched_enqueue(struct thread *t)
{
	if (t != cpu_of(t)->current) {
		enqueue(t, false);
		kick(t);
	}
}

static void remove(struct thread *t)
{
	struct percpu *c = cpu_of(t);
	struct thread **head = &c->ready[t->prio];

	if (t->q_next == t) {
		*head = NULL;
		c->ready_bits[t->prio / 64] &= ~(1ull << (t->prio % 64));
		if (!c->ready_bits[t->prio / 64])
			c->ready_words &= ~(1ull << (t->prio / 64));
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
	if (t != cpu_of(t)->current && t->state == TS_READY && t->q_next)
		remove(t);
}

/* Two bit scans: the highest non-empty word, then its highest bit. */
static struct thread *highest_ready(void)
{
	int p = sched_highest_ready_prio();

	return p < 0 ? NULL : cpu_self()->ready[p];
}

void sched_prefer(struct thread *t)
{
	struct thread *cur = this_cpu->current;

	if (t->state != TS_READY || t == cur)
		return;
	if (t->pcpu != cpu_self()) {
		kick(t);                /* (t is queued there) */
		return;
	}
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
	if (t->state == TS_READY && t != cpu_of(t)->current && t->q_next) {
		remove(t);
		t->prio = prio;
		enqueue(t, false);
		kick(t);
	} else {
		t->prio = prio;          /* the running thread: the way out re-decides */
		ipc_requeue(t);          /* wait queues are ordered by priority */
		if (t->state == TS_READY)
			smp_kick(t->pcpu->id);
	}
}

void sched_timeout_arm(struct thread *t, uint64_t timeout_us)
{
	if (timeout_us == L4_TIMEOUT_NEVER)
		return;
	/* Round up to whole ticks, at least one. */
	uint64_t n = timeout_us / (1000000 / SCHED_TICK_HZ) + 1;
	struct percpu *c = cpu_of(t);
	t->deadline = c->ticks + n;
	struct thread **p = &c->timeouts;
	while (*p && (*p)->deadline <= t->deadline)
		p = &(*p)->tq_next;
	t->tq_next = *p;
	*p = t;
	c->next_deadline = c->timeouts->deadline;
}

void sched_timeout_cancel(struct thread *t)
{
	if (t->deadline == TIMEOUT_NONE)
		return;
	struct percpu *c = cpu_of(t);
	for (struct thread **p = &c->timeouts; *p; p = &(*p)->tq_next)
		if (*p == t) {
			*p = t->tq_next;
			break;
		}
	c->next_deadline = c->timeouts ? c->timeouts->deadline : ~0ull;
	t->deadline = TIMEOUT_NONE;
	t->tq_next = NULL;
}

static void stall_here(void *arg UNUSED)
{
}

void sched_stall(struct thread *t)
{
	struct percpu *c = cpu_of(t);

	if (c == cpu_self() || c->current != t)
		return;
	smp_call(c->id, stall_here, NULL);
	/* Its CPU waits for the lock in a kernel entry, t's registers saved:
	 * t is preempted there now, first in its queue, a system call it
	 * entered made again when it runs. That entry finds no current thread
	 * and drops what it came for (an exception recurs; interrupts are
	 * still handled). */
	c->current = NULL;
	arch_syscall_restart(t);
	if (t->state == TS_READY)
		enqueue(t, true);
}

void sched_set_cpu(struct thread *t, unsigned cpu)
{
	if (t->pcpu->id == cpu)
		return;
	sched_stall(t);
	if (cpu_of(t)->current == t)
		cpu_of(t)->current = NULL;      /* the caller moves itself */
	arch_thread_leaves_cpu(t);
	bool ready = t->state == TS_READY;       /* (queued, or the caller itself) */
	uint64_t left = t->deadline == TIMEOUT_NONE ? 0 : t->deadline - cpu_of(t)->ticks;
	if (ready && t->q_next)
		remove(t);
	sched_timeout_cancel(t);
	t->pcpu = &cpus[cpu];
	if (left)
		sched_timeout_arm(t, (left - 1) * (1000000 / SCHED_TICK_HZ));
	if (ready) {
		enqueue(t, false);
		kick(t);
	}
}

uint64_t sched_poweroff_ticks;

void sched_tick(void)
{
	struct percpu *c = cpu_self();
	uint64_t ticks = ++c->ticks;

	if (sched_poweroff_ticks && ticks >= sched_poweroff_ticks && c->id == 0) {
		kprintf("poweroff after %llu s\n", (unsigned long long)(ticks / SCHED_TICK_HZ));
		arch_machine_exit(0);
	}
	while (c->timeouts && c->timeouts->deadline <= ticks)
		ipc_timeout(c->timeouts);   /* cancels the timeout and wakes it with L4_ETIMEOUT */
	struct thread *cur = this_cpu->current;
	if (cur && cur->state == TS_READY && cur->ticks_left && --cur->ticks_left == 0)
		sched_yield();
}

bool sched_tick_idle(void)
{
	struct percpu *c = cpu_self();

	/* Only this CPU changes its ticks; others read them under the lock,
	 * at worst one tick old (a timeout armed then is a tick longer). */
	if (c->current || c->ticks + 1 >= c->next_deadline || (sched_poweroff_ticks && c->id == 0))
		return false;
	c->ticks++;
	return true;
}

uint64_t sched_ticks(void)
{
	return this_cpu->ticks;
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
			if (best->trap_pending) {        /* (see thread.h) */
				uint64_t what = best->trap_pending - 1u;
				best->trap_pending = 0;
				if (best->vcpu)
					fault_vmexit(best, what);
				else
					fault_exception(best, what, 0);
				continue;
			}
			bool sysret = best->resume_sysret;
			best->resume_sysret = false;
			arch_exit_to_user(best, sysret);
		}
		/* Nothing to run: wait for an interrupt to make something ready
		 * here, queued or current (a thread that becomes ready here from
		 * elsewhere comes with an IPI); ticks meanwhile take no lock
		 * (sched_tick_idle). */
		this_cpu->current = NULL;
		kernel_unlock();
		do {
			arch_wait_for_irq();
			arch_irq_disable();
		} while (!__atomic_load_n(&cpu_self()->ready_words, __ATOMIC_ACQUIRE) &&
			 !this_cpu->current);      /* (an interrupt's sched_prefer makes it current) */
		kernel_lock();
	}
}

/* ---- the self-check's part (check.c) */

#define CHECK_BOUND (1ull << 24)     /* more threads than any queue can hold */

/* Every CPU's queues: each thread where its CPU says, the running ones in none. */
void sched_check(uint64_t *ready_count, uint64_t *timed)
{
	*ready_count = *timed = 0;
	for (unsigned i = 0; i < cpu_count; i++) {
		const struct percpu *c = &cpus[i];
		for (unsigned p = 0; p < PRIO_LEVELS; p++) {
			struct thread *head = c->ready[p];
			if (!head != !(c->ready_bits[p / 64] >> (p % 64) & 1) ||
			    !c->ready_bits[p / 64] != !(c->ready_words >> (p / 64) & 1))
				check_fail(L4_CHECK_QUEUES, "CPU %u: ready queue %u and its bits disagree", i, p);
			for (struct thread *t = head; t; t = t->q_next) {
				if (!check_alive(t, L4_OBJ_THREAD) || t->state != TS_READY || t->prio != p ||
				    t->pcpu != c || t == c->current || t->q_next->q_prev != t ||
				    ++*ready_count > CHECK_BOUND) {
					check_fail(L4_CHECK_QUEUES, "CPU %u: ready queue %u: thread %p does not belong there",
						   i, p, t);
					break;
				}
				if (t->q_next == head)
					break;
			}
		}
		if (c->current && (!check_alive(c->current, L4_OBJ_THREAD) || c->current->pcpu != c))
			check_fail(L4_CHECK_QUEUES, "CPU %u runs thread %p, not bound to it", i, c->current);
		if (c->next_deadline != (c->timeouts ? c->timeouts->deadline : ~0ull))
			check_fail(L4_CHECK_QUEUES, "CPU %u: next deadline %llu is not its first timeout's", i,
				   (unsigned long long)c->next_deadline);
		uint64_t last = 0;
		for (struct thread *t = c->timeouts; t; t = t->tq_next) {
			bool blocked = t->state == TS_SEND_BLOCKED || t->state == TS_RECV_BLOCKED ||
				       t->state == TS_REPLY_BLOCKED || t->state == TS_NOTIFY_BLOCKED;
			if (!check_alive(t, L4_OBJ_THREAD) || !blocked || t->deadline == TIMEOUT_NONE ||
			    t->deadline < last || t->pcpu != c || ++*timed > CHECK_BOUND) {
				check_fail(L4_CHECK_QUEUES, "CPU %u: timeout list: thread %p does not belong there",
					   i, t);
				break;
			}
			last = t->deadline;
		}
	}
}
