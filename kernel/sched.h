/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scheduling: fixed priorities 0 (lowest) to 255, round robin with time
 * slices within a priority. The running thread stays in its ready queue;
 * sched_current() names it. Interrupt latency is bounded by the longest
 * kernel path with interrupts off: the kernel is not preemptible, and
 * every system call does a bounded amount of work.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "thread.h"

#define SCHED_TICK_HZ 1000
#define DEFAULT_TIMESLICE_TICKS 10

static inline struct thread *sched_current(void)
{
	return this_cpu->current;
}

/* The highest priority with a queued ready thread on this CPU, or -1. */
static inline int sched_highest_ready_prio(void)
{
	uint64_t words = this_cpu->ready_words;

	if (!words)
		return -1;
	unsigned w = 63 - (unsigned)__builtin_clzll(words);
	return (int)(w * 64 + 63 - (unsigned)__builtin_clzll(this_cpu->ready_bits[w]));
}

/* t runs next (it is in no ready queue): current, with a fresh slice if its last ran out. */
static inline void sched_set_running(struct thread *t)
{
	this_cpu->current = t;
	if (!t->ticks_left)
		t->ticks_left = t->timeslice_ticks;
}

/* Queues a READY thread at the tail of its priority. */
void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);

/* Makes t the thread to run next if its priority is at least the current one's. */
void sched_prefer(struct thread *t);

/* Moves the current thread to the tail of its priority. */
void sched_yield(void);

void sched_set_prio(struct thread *t, uint8_t prio);

/* Timer tick: time slices and timeouts. */
void sched_tick(void);
/* A tick on an idle CPU with no timeout due: counted, without the kernel
 * lock; false if it needs sched_tick (with the lock). */
bool sched_tick_idle(void);
/* poweroff=N: the tick at which the machine ends (0: never). */
extern uint64_t sched_poweroff_ticks;
uint64_t sched_ticks(void);

/* Blocks current with a timeout (in microseconds or L4_TIMEOUT_NEVER). */
void sched_timeout_arm(struct thread *t, uint64_t timeout_us);
void sched_timeout_cancel(struct thread *t);

/* t runs on another CPU: that CPU enters the kernel (saving t's registers
 * in its TCB) and waits there for the lock this one holds; t is then
 * preempted (READY and queued, or as it was), current nowhere. */
void sched_stall(struct thread *t);

/* Binds t to CPU cpu, at once, whatever its state (running elsewhere:
 * stalled first; blocked: its timeout moves along). */
void sched_set_cpu(struct thread *t, unsigned cpu);

/* Leaves the kernel to the highest-priority ready thread (or idles). */
NORETURN void sched_exit_kernel(void);

#endif
