/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FPU, SSE and AVX state of user threads, switched lazily.
 *
 * The registers hold one thread's state at a time (the owner). Leaving
 * the kernel to any other thread sets CR0.TS, so that thread's first FPU
 * instruction traps (#NM); only then is the owner's state saved and the
 * thread's restored. IPC between threads that do not touch the FPU, the
 * common case for servers, never pays for it. With fpu=eager on the
 * command line the switch happens on the way out instead, for CPUs where
 * lazy switching leaks state speculatively (CVE-2018-3665).
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include "percpu.h"
#include "types.h"

struct thread;

/* Enables the FPU, SSE and (with XSAVE) AVX state components. */
void fpu_init(bool eager);

/* #NM from user mode: make the FPU the current thread's. False if its
 * state area cannot be allocated (the thread then gets the exception). */
bool fpu_trap(struct thread *t);

/* t is going away: forget its state. */
void fpu_release(struct thread *t);
/* t leaves this CPU: its state, if the registers hold it, goes to memory. */
void fpu_flush(struct thread *t);
/* The kernel memory t's state area takes (0 if it has none yet). */
uint64_t fpu_state_bytes(const struct thread *t);

/* On the way to user mode with thread t: TS set unless t owns the FPU. */
extern bool fpu_eager;
void fpu_cpu_init(void);
void fpu_leave_kernel_slow(struct thread *t);
static inline __attribute__((always_inline)) void fpu_leave_kernel(struct thread *t)
{
	if (fpu_eager || (this_arch->fpu_owner != t) != this_arch->fpu_ts_set)
		fpu_leave_kernel_slow(t);
}

#endif
