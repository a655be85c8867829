/* SPDX-License-Identifier: GPL-2.0-only */
/* The IPC fast path (see fastpath.h): straight-line code for the common case. */
#include "fastpath.h"
#include <l4/syscall.h>
#include <l4/thread.h>
#include "ipc.h"
#include "fault.h"
#include "sched.h"
#include "smp.h"
#include "task.h"
#include "uexit.h"
#include "vcpu.h"

bool fastpath_enabled = true;

/* A tag the fast path takes: no items, no flags, at most L4_MR_COUNT words. */
#define TAG_SLOW_BITS 0xff80ull

static bool fast_tag(uint64_t tag)
{
	return !(tag & TAG_SLOW_BITS) && (tag & 0x7f) <= L4_MR_COUNT;
}

/*
 * Every function here takes lock: EXIT_UNLOCKED (one CPU online: no lock,
 * no CPU checks), EXIT_LOCAL (the syscall fast path on several CPUs: this
 * CPU's lock held; the partner and the endpoint must be this CPU's,
 * smp.h) or EXIT_HELD (a VM exit: the general path's lock). The syscall
 * entry calls the copy fastpath_syscall_fn names.
 */
#define FAST static inline __attribute__((always_inline))

/* The endpoint in slot with the right, or NULL. */
FAST struct endpoint *fast_endpoint(struct thread *cur, uint64_t slot, unsigned right,
				    uint64_t *badge, int lock)
{
	const struct cap_table *ct = &cur->task->caps;

	if (slot >= ct->size)
		return NULL;
	const struct cap *c = &ct->slots[slot];
	if (!c->obj || c->obj->type != L4_OBJ_ENDPOINT || !(c->rights & right) ||
	    (lock != EXIT_UNLOCKED && ((struct endpoint *)c->obj)->home != this_cpu->id))
		return NULL;
	*badge = c->badge;
	return (struct endpoint *)c->obj;
}

/* Message registers: whole words, one instruction for all of them. */
static inline void copy_words(uint64_t *dst, const uint64_t *src, uint64_t n)
{
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* Nothing queued as ready outranks t (the running thread is in no queue). */
FAST bool may_run(const struct thread *t)
{
	return sched_highest_ready_prio() <= (int)t->prio;
}

/* Hands the CPU to t and leaves the kernel; t had blocked in a system call. */
FAST NORETURN void switch_to(struct thread *t, int lock)
{
	sched_set_running(t);
	t->resume_sysret = false;
	arch_exit_to_user_as(t, true, lock);
}

/* The receiver waiting on ep that a caller's message can go to at once:
 * no timeout to cancel, no reply right held, nothing ready outranks it
 * (the caller blocks). NULL if there is none. */
FAST struct thread *ready_receiver(struct endpoint *ep, int lock)
{
	struct thread *r = ep->state == EP_RECEIVERS ? ep->queue : NULL;

	return r && (lock == EXIT_UNLOCKED || r->pcpu == cpu_self()) && r->deadline == TIMEOUT_NONE && !r->caller &&
	       may_run(r) ? r : NULL;
}

/* Completes dest's receive (the message is in its UTCB already), makes
 * caller wait for its reply, and runs dest. */
FAST NORETURN void call_into(struct thread *caller, struct thread *dest, uint64_t tag,
			     uint64_t badge, int lock)
{
	regs_set_result(&dest->regs, 0, tag, badge);
	dest->state = TS_READY;
	dest->blocked_on = NULL;
	dest->caller = caller;
	caller->callee = dest;
	caller->state = TS_REPLY_BLOCKED;
	caller->blocked_on = dest;
	switch_to(dest, lock);
}

FAST void call(struct thread *cur, arch_regs *r, int lock)
{
	uint64_t tag = regs_tag(r), badge;
	struct endpoint *ep;
	struct thread *dest;

	if (!fast_tag(tag) || regs_arg(r) != L4_TIMEOUT_NEVER ||
	    !(ep = fast_endpoint(cur, regs_cap(r), L4_CAP_RIGHT_WRITE, &badge, lock)) ||
	    !(dest = ready_receiver(ep, lock)))
		return;
	endpoint_take_first(ep);
	copy_words(dest->utcb->mr, cur->utcb->mr, tag & 0x7f);
	cur->resume_sysret = true;
	call_into(cur, dest, tag, badge, lock);
}

/* cur waits on ep (no sender is queued there). */
FAST void wait_on(struct thread *cur, struct endpoint *ep)
{
	cur->state = TS_RECV_BLOCKED;
	cur->blocked_on = ep;
	waitq_insert(&ep->queue, cur);
	ep->state = EP_RECEIVERS;
	cur->resume_sysret = true;
}

FAST void reply_wait(struct thread *cur, arch_regs *r, int lock)
{
	uint64_t tag = regs_tag(r), badge;
	struct thread *caller = cur->caller;
	struct endpoint *ep;

	if (!caller || !fast_tag(tag) || regs_arg(r) != L4_TIMEOUT_NEVER ||
	    (lock != EXIT_UNLOCKED && caller->pcpu != cur->pcpu) || caller->deadline != TIMEOUT_NONE || !may_run(caller) ||
	    !(ep = fast_endpoint(cur, regs_cap(r), L4_CAP_RIGHT_READ, &badge, lock)) ||
	    ep->state == EP_SENDERS)
		return;

	if (caller->fault.kind == FAULT_VMEXIT) {
		/* A VMM's answer to a VM exit, guest on; a reply the general path
		 * must refuse (it stops the vCPU) changes nothing here. */
		if ((lock != EXIT_UNLOCKED && !vcpu_loaded_here(caller)) || vcpu_state_write(caller, cur->utcb->mr, tag & 0x7f))
			return;
		caller->fault.kind = FAULT_NONE;
	} else if (caller->fault.kind) {
		return;
	} else {
		copy_words(caller->utcb->mr, cur->utcb->mr, tag & 0x7f);
		regs_set_result(&caller->regs, 0, tag, 0);
	}
	caller->state = TS_READY;
	caller->blocked_on = NULL;
	caller->callee = NULL;
	cur->caller = NULL;
	wait_on(cur, ep);
	switch_to(caller, lock);
}

/*
 * A vCPU's VM exit for its VMM, when the VMM already waits on the exit
 * endpoint and may run at once: the kernel's call on the vCPU's behalf,
 * straight into the VMM. Returns (changing nothing) otherwise.
 */
void fastpath_vmexit(struct thread *vcpu, uint64_t tag, const struct cap *handler)
{
	struct thread *vmm;
	int lock = smp_active ? EXIT_HELD : EXIT_UNLOCKED;   /* (a slow path's lock) */

	if (!fastpath_enabled || !handler->obj || handler->obj->type != L4_OBJ_ENDPOINT ||
	    !(handler->rights & L4_CAP_RIGHT_WRITE) ||
	    (lock != EXIT_UNLOCKED && ((struct endpoint *)handler->obj)->home != this_cpu->id) ||
	    !(vmm = ready_receiver((struct endpoint *)handler->obj, lock)))
		return;
	endpoint_take_first((struct endpoint *)handler->obj);
	fault_message(vcpu, vmm);
	call_into(vcpu, vmm, tag, handler->badge, lock);
}

static void fastpath_syscall_up(arch_regs *r)
{
	if (!fastpath_enabled)
		return;
	if (regs_sysno(r) == L4_SYS_CALL)
		call(sched_current(), r, EXIT_UNLOCKED);
	else
		reply_wait(sched_current(), r, EXIT_UNLOCKED);
}

static void fastpath_syscall_smp(arch_regs *r)
{
	if (!fastpath_enabled)
		return;
	kernel_lock_local();
	struct thread *cur = sched_current();
	if (cur) {          /* (NULL: preempted from another CPU meanwhile) */
		if (regs_sysno(r) == L4_SYS_CALL)
			call(cur, r, EXIT_LOCAL);
		else
			reply_wait(cur, r, EXIT_LOCAL);
	}
	kernel_unlock_local();
}

void (*fastpath_syscall_fn)(arch_regs *r) = fastpath_syscall_up;

void fastpath_smp(void)
{
	fastpath_syscall_fn = fastpath_syscall_smp;
}
