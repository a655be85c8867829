/* SPDX-License-Identifier: GPL-2.0-only */
/* Page faults and exceptions as IPC (see fault.h). */
#include "fault.h"
#include <l4/errno.h>
#include <l4/thread.h>
#include <l4/vcpu.h>
#include "boot.h"
#include "console.h"
#include "fastpath.h"
#include "ipc.h"
#include "map.h"
#include "sched.h"
#include "task.h"
#include "thread.h"
#include "vcpu.h"

static const char *thread_name(const struct thread *t)
{
	return t->name[0] ? t->name : "?";
}

static const char *task_name(const struct thread *t)
{
	return t->task && t->task->name[0] ? t->task->name : "?";
}

/* No one handles t's fault: say so and stop the thread. */
static void fault_unhandled(struct thread *t, const char *why)
{
	if (t->fault.kind == FAULT_PAGE)
		klog(LOG_WARN, "fault: thread %s in task %s: page fault at %#llx (%s) ip %#llx: %s; thread stopped\n",
		     thread_name(t), task_name(t), (unsigned long long)t->fault.addr,
		     t->fault.access & L4_FAULT_WRITE ? "write" :
		     t->fault.access & L4_FAULT_EXEC ? "exec" : "read",
		     (unsigned long long)regs_ip(&t->regs), why);
	else if (t->fault.kind == FAULT_VMEXIT)
		klog(LOG_WARN, "fault: vCPU %s in VM %s: VM exit %#llx: %s; vCPU stopped\n",
		     thread_name(t), task_name(t), (unsigned long long)t->fault.vector, why);
	else
		klog(LOG_WARN, "fault: thread %s in task %s: exception %llu (error %#llx) at ip %#llx: %s; thread stopped\n",
		     thread_name(t), task_name(t), (unsigned long long)t->fault.vector,
		     (unsigned long long)t->fault.error, (unsigned long long)regs_ip(&t->regs), why);
	t->fault.kind = FAULT_NONE;
	thread_abort(t, false);
}

static void raise(struct thread *t, struct cap *handler)
{
	if (!handler->obj || handler->obj->type != L4_OBJ_ENDPOINT ||
	    !(handler->rights & L4_CAP_RIGHT_WRITE)) {
		fault_unhandled(t, handler->obj ? "handler capability unusable" : "no handler");
		return;
	}
	ipc_kernel_call(t, handler, t->fault.tag);
}

void fault_page(struct thread *t, uint64_t addr, uint64_t access)
{
	if (boot_sigma0_fault(t, addr))
		return;     /* sigma0 touched its own memory: mapped, it retries */
	t->fault = (struct fault_state){
		.kind = FAULT_PAGE,
		.tag = l4_tag(L4_LABEL_PAGE_FAULT, 3, 0),
		.addr = addr,
		.access = access,
	};
	raise(t, &t->pager);
}

/* Exceptions and VM exits go to the exception handler, else to the pager. */
static struct cap *exception_handler(struct thread *t)
{
	return t->exc_handler.obj ? &t->exc_handler : &t->pager;
}

void fault_vmexit(struct thread *t, uint64_t reason)
{
	struct cap *handler = exception_handler(t);

	t->fault = (struct fault_state){
		.kind = FAULT_VMEXIT,
		.tag = l4_tag(L4_LABEL_VMEXIT, vcpu_exit_words(t, reason), 0),
		.vector = reason,
	};
	fastpath_vmexit(t, t->fault.tag, handler);
	raise(t, handler);
}

void fault_exception(struct thread *t, uint64_t vector, uint64_t error)
{
	t->fault = (struct fault_state){
		.kind = FAULT_EXCEPTION,
		.tag = l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0),
		.vector = vector,
		.error = error,
	};
	raise(t, exception_handler(t));
}

uint64_t fault_message(struct thread *t, struct thread *receiver)
{
	uint64_t *mr = receiver->utcb->mr;

	if (t->fault.kind == FAULT_PAGE) {
		mr[0] = t->fault.addr;
		mr[1] = regs_ip(&t->regs);
		mr[2] = t->fault.access;
	} else if (t->fault.kind == FAULT_VMEXIT) {
		mr[L4_VMEXIT_REASON] = t->fault.vector;
		vcpu_exit_info(t, mr);
	} else {
		mr[L4_EXC_VECTOR] = t->fault.vector;
		mr[L4_EXC_ERROR] = t->fault.error;
		regs_to_words(&t->regs, &mr[L4_EXC_REGS]);
	}
	return t->fault.tag;
}

/* Whether t's faulting access would now succeed. */
static bool fault_resolved(struct thread *t)
{
	uint64_t pa;
	unsigned rights;

	return space_lookup(&t->task->space, t->fault.addr, &pa, &rights) &&
	       (!(t->fault.access & L4_FAULT_WRITE) || (rights & SPACE_W)) &&
	       (!(t->fault.access & L4_FAULT_EXEC) || (rights & SPACE_X));
}

/* The pager's mapping failed (err: the kernel refused it, such as for the
 * receiver's kernel quota), so t would only fault again: its exception
 * handler, if it has one apart from the pager, gets the fault as exception
 * 14 (error code: L4_FAULT_* bits) and decides; otherwise t stops. */
static void map_failed(struct thread *t, enum fault_kind kind, int err)
{
	klog(LOG_INFO, "fault: thread %s in task %s: its pager's mapping for %#llx failed (error %d)\n",
	     thread_name(t), task_name(t), (unsigned long long)t->fault.addr, err);
	if (t->exc_handler.obj && t->exc_handler.obj != t->pager.obj) {
		t->fault = (struct fault_state){
			.kind = FAULT_EXCEPTION,
			.tag = l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0),
			.vector = 14,
			.error = t->fault.access,
		};
		raise(t, &t->exc_handler);
		return;
	}
	t->fault.kind = kind;
	fault_unhandled(t, "its pager's mapping failed");
}

void fault_reply(struct thread *handler, struct thread *t, uint64_t tag)
{
	const uint64_t *mr = handler->utcb->mr;
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag);
	enum fault_kind kind = t->fault.kind;

	t->fault.kind = FAULT_NONE;
	sched_timeout_cancel(t);
	t->blocked_on = NULL;
	if (kind == FAULT_PAGE) {
		/* Map items enter the whole address space: each at its send base. */
		int failed = 0;
		for (unsigned i = 0; i < items; i++) {
			int err = map_item(handler->task, &mr[words + 2 * i], t->task, 0, true);
			failed = failed ? failed : err;
		}
		if (failed && !fault_resolved(t)) {
			map_failed(t, kind, failed);
			return;
		}
	} else if (kind == FAULT_VMEXIT) {
		if (words && vcpu_state_write(t, mr, words)) {
			t->fault.kind = kind;
			fault_unhandled(t, "its VMM's reply is malformed");
			return;
		}
	} else if (words >= L4_REG_COUNT && !regs_from_words(&t->regs, mr)) {
		t->fault.kind = kind;
		fault_unhandled(t, "its handler replied with a non-user RIP or RSP");
		return;
	}
	t->resume_sysret = false;
	t->state = TS_READY;
	sched_enqueue(t);
}

void fault_abandon(struct thread *t)
{
	fault_unhandled(t, "its handler went away");
}
