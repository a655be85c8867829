/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel lock and calls between CPUs (docs/kernel.md, "Multiprocessor").
 *
 * The kernel lock is one spin lock per CPU. The IPC fast path takes its
 * own CPU's (kernel_lock_local): it touches only threads bound to that CPU
 * and endpoints whose home is that CPU, so fast paths on different CPUs
 * never contend. Every other kernel entry takes every CPU's lock, in CPU
 * order (kernel_lock): a big kernel lock, as seL4's, under which any
 * object of any CPU may be changed. The kernel runs with interrupts off
 * and never blocks holding it; whatever waits for a lock meanwhile
 * serves remote calls (smp_poll), so that the holder can wait for them.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "percpu.h"

enum { LOCK_NONE, LOCK_LOCAL, LOCK_ALL };

/* More than one CPU online (set before the first task runs): with one, the
 * lock is not taken at all, and the fast path has a variant without it. */
extern bool smp_active;

/* test=smp-panic (kernel/main.c): every CPU calls it once all are up. */
extern bool smp_panic_test_armed;
NORETURN void smp_panic_test(void);

void kernel_lock_all(void);
void kernel_lock_local_wait(void);
void kernel_unlock_held(void);

/* This CPU's lock (the fast path's): one XCHG when free. */
static inline __attribute__((always_inline)) void kernel_lock_local(void)
{
	if (!arch_lock_try_local())
		kernel_lock_local_wait();
	this_arch->held = LOCK_LOCAL;
}

/* ... and its release, when that is all this CPU holds. */
static inline __attribute__((always_inline)) void kernel_unlock_local(void)
{
	this_arch->held = LOCK_NONE;
	arch_unlock_local();
}

static inline void kernel_lock(void)
{
	if (smp_active)
		kernel_lock_all();
}

/* Releases what this CPU holds (on the way out of the kernel). */
static inline void kernel_unlock(void)
{
	if (smp_active)
		kernel_unlock_held();
}

static inline bool kernel_locked(void)
{
	return !smp_active || this_arch->held == LOCK_ALL;
}

/* Runs fn(arg) on CPU cpu (not this one) and returns when it has; only
 * with the kernel lock (LOCK_ALL) held. The other CPU runs it at once from
 * wherever it is: user mode, a guest, idle, or waiting for the lock. */
void smp_call(unsigned cpu, void (*fn)(void *), void *arg);

/* Runs what other CPUs asked of this one (interrupts off). */
void smp_poll(void);

/* CPU cpu re-decides what to run at once (an interrupt). */
void smp_kick(unsigned cpu);

#endif
