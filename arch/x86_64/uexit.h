/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leaving the kernel into user mode: inline, because the IPC fast path
 * and the scheduler both end here and every instruction on this path is
 * paid twice per round trip.
 */
#ifndef ARCH_UEXIT_H
#define ARCH_UEXIT_H

#include "fpu.h"
#include "smp.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"
#include "x86.h"

NORETURN void exit_to_user_iret(arch_regs *f);
NORETURN void exit_to_user_sysret(arch_regs *f);

/* Leaves the kernel into user mode as thread t. sysret: t's registers were
 * saved by the syscall entry and are unchanged since. */
/* What the way out releases: nothing (one CPU), this CPU's lock (the fast
 * path), or whatever this CPU holds. */
enum { EXIT_UNLOCKED, EXIT_LOCAL, EXIT_HELD };

static inline __attribute__((always_inline)) NORETURN void arch_exit_to_user_as(struct thread *t,
									       bool sysret, int lock)
{
	arch_regs *r = &t->regs;
	uint64_t frame_top = (uintptr_t)(r + 1);

	if (t->vcpu)
		vcpu_run(t);
	space_activate(&t->task->space);
	fpu_leave_kernel(t);
	/* FS base: user code can only change it to 0 (a selector load; FSGSBASE
	 * is off), so it is uexit_loaded_fs or 0. Write it when t's differs, or
	 * when another thread may have zeroed it; never between threads without TLS. */
	if (t->tls != this_arch->uexit_loaded_fs || (t->tls && t != this_arch->uexit_last_user)) {
		wrmsr(MSR_FS_BASE, t->tls);
		this_arch->uexit_loaded_fs = t->tls;
	}
	this_arch->uexit_last_user = t;
	/* Both the syscall entry and the CPU (via TSS.RSP0) save at the frame's end. */
	this_arch->frame_top = frame_top;
	this_arch->tss_io.tss.rsp[0] = frame_top;
	/* A frame the syscall entry saved is as the CPU left it; whatever
	 * wrote other registers, user mode gets user segments and IF. */
	if (!sysret) {
		r->cs = SEL_UCODE;
		r->ss = SEL_UDATA;
		r->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_FIXED | RFLAGS_IF;
	}
	if (lock == EXIT_LOCAL)
		kernel_unlock_local();
	else if (lock == EXIT_HELD)
		kernel_unlock_held();
	if (sysret)
		exit_to_user_sysret(r);
	exit_to_user_iret(r);
}

/* The same, smp: more than one CPU may be online (the kernel lock is held). */
static inline __attribute__((always_inline)) NORETURN void arch_exit_to_user(struct thread *t,
									    bool sysret)
{
	arch_exit_to_user_as(t, sysret, smp_active ? EXIT_HELD : EXIT_UNLOCKED);
}

#endif
