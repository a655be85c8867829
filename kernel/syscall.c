/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System call dispatch (convention in include/l4/syscall.h). Every path
 * validates its capability, rights and message before acting; the result
 * lands in the calling thread's saved registers, and the kernel leaves
 * through the scheduler, to the caller or to whoever runs next.
 */
#include <l4/errno.h>
#include <l4/syscall.h>
#include "arch.h"
#include "console.h"
#include "debug.h"
#include "factory.h"
#include "ipc.h"
#include "irq.h"
#include "sched.h"
#include "smp.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"

static const char *const sys_names[L4_SYS_COUNT] = {
	"call", "reply_wait", "send", "recv", "reply", "yield",
};

/* Looks up a capability; a failure is the system call's result (and logged in verbose mode). */
static struct cap *lookup(struct thread *cur, uint64_t slot, unsigned type, unsigned rights)
{
	struct cap *c;
	int err = cap_lookup(&cur->task->caps, slot, type, rights, &c);

	if (!err)
		return c;
	klog(LOG_DEBUG, "syscall: thread %s: %s on slot %llu: error %d\n", cur->name,
	     sys_names[regs_sysno(&cur->regs)], (unsigned long long)slot, err);
	regs_set_error(&cur->regs, (uint64_t)err);
	return NULL;
}

/* Endpoints and notifications take IPC; a send needs WRITE, a receive READ. */
static struct cap *lookup_ipc(struct thread *cur, uint64_t slot, unsigned rights)
{
	struct cap *c = lookup(cur, slot, L4_OBJ_NONE, rights);

	if (c && c->obj->type != L4_OBJ_ENDPOINT && c->obj->type != L4_OBJ_NOTIFICATION) {
		regs_set_error(&cur->regs, L4_ETYPE);
		return NULL;
	}
	return c;
}

static void sys_call(struct thread *cur, uint64_t slot, uint64_t tag, uint64_t timeout)
{
	struct cap *c = lookup(cur, slot, L4_OBJ_NONE, 0);

	if (!c)
		return;
	switch (c->obj->type) {
	case L4_OBJ_ENDPOINT:
		if (!(c->rights & L4_CAP_RIGHT_WRITE))
			regs_set_error(&cur->regs, L4_ERIGHTS);
		else
			do_send(cur, c, tag, true, timeout);
		break;
	case L4_OBJ_FACTORY:
		factory_invoke(cur, c, tag);
		break;
	case L4_OBJ_TASK:
		task_invoke(cur, c, tag);
		break;
	case L4_OBJ_THREAD:
		thread_invoke(cur, c, tag);
		break;
	case L4_OBJ_IRQ:
		irq_invoke(cur, c, tag);
		break;
	case L4_OBJ_IRQ_CONTROL:
		irq_control_invoke(cur, c, tag);
		break;
	case L4_OBJ_DEBUG:
		debug_invoke(cur, c, tag);
		break;
	default:
		regs_set_error(&cur->regs, L4_ETYPE);
		break;
	}
}

void syscall_from_user(arch_regs *r)
{
	kernel_lock();
	struct thread *cur = sched_current();
	if (!cur)
		sched_exit_kernel();     /* preempted from another CPU meanwhile (sched_stall) */
	uint64_t slot = regs_cap(r), tag = regs_tag(r), arg = regs_arg(r);
	struct cap *c;

	cur->resume_sysret = true;
	switch (regs_sysno(r)) {
	case L4_SYS_CALL:
		sys_call(cur, slot, tag, arg);
		break;
	case L4_SYS_SEND:
		if ((c = lookup_ipc(cur, slot, L4_CAP_RIGHT_WRITE)))
			do_send(cur, c, tag, false, arg);
		break;
	case L4_SYS_RECV:
		if ((c = lookup_ipc(cur, slot, L4_CAP_RIGHT_READ)))
			do_recv(cur, c, arg);
		break;
	case L4_SYS_REPLY_WAIT:
		/* The reply goes first, so a bad receive capability cannot strand the caller. */
		if (cur->caller && !do_reply(cur, tag))
			break;
		if ((c = lookup_ipc(cur, slot, L4_CAP_RIGHT_READ)))
			do_recv(cur, c, arg);
		break;
	case L4_SYS_REPLY:
		do_reply(cur, tag);
		break;
	case L4_SYS_YIELD:
		regs_set_error(r, L4_OK);
		sched_yield();
		break;
	default:
		regs_set_error(r, L4_ENOSYS);
		break;
	}
	if (kobj_reap_pending())
		kobj_reap();
	sched_exit_kernel();
}
