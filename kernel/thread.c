/* SPDX-License-Identifier: GPL-2.0-only */
#include "thread.h"
#include <l4/errno.h>
#include <l4/thread.h>
#include "arch.h"
#include "factory.h"
#include "ipc.h"
#include "layout.h"
#include "sched.h"
#include "string.h"
#include "task.h"
#include "vcpu.h"
#include <l4/vcpu.h>

#define DEFAULT_PRIO 100

/* A new thread's scheduling: inactive, on its creator's CPU. */
static void thread_init_sched(struct thread *t)
{
	t->state = TS_INACTIVE;
	t->pcpu = cpu_self();
	t->prio = DEFAULT_PRIO;
	t->timeslice_ticks = DEFAULT_TIMESLICE_TICKS;
}

int thread_create_vcpu(struct factory *f, struct task *task, struct thread **out)
{
	if (!task->space.guest)
		return L4_ETYPE;
	struct thread *t = factory_alloc(f, sizeof(*t), L4_OBJ_THREAD);
	if (!t)
		return L4_ENOMEM;
	t->task = task;
	int err = vcpu_create(t, &f->quota);
	if (err) {
		factory_free(&t->obj, sizeof(*t));
		return err;
	}
	t->task_next = task->threads;
	task->threads = t;
	thread_init_sched(t);
	*out = t;
	return L4_OK;
}

int thread_create(struct factory *f, struct task *task, uint64_t utcb_addr, struct thread **out)
{
	uint64_t pa;

	if (task->space.guest)
		return L4_ETYPE;    /* a VM task's threads are vCPUs: not yet */
	if (!IS_ALIGNED(utcb_addr, PAGE_SIZE) || !user_addr_ok(utcb_addr) ||
	    !user_addr_ok(utcb_addr + PAGE_SIZE - 1))
		return L4_EFAULT;
	if (space_lookup(&task->space, utcb_addr, &pa, NULL))
		return L4_EBUSY;
	struct thread *t = factory_alloc(f, sizeof(*t), L4_OBJ_THREAD);
	if (!t)
		return L4_ENOMEM;
	t->utcb_phys = kmem_page_alloc(&f->quota);
	if (!t->utcb_phys) {
		factory_free(&t->obj, sizeof(*t));
		return L4_ENOMEM;
	}
	int err = space_map(&task->space, utcb_addr, t->utcb_phys, SPACE_R | SPACE_W);
	if (err) {
		kmem_page_free(&f->quota, t->utcb_phys);
		factory_free(&t->obj, sizeof(*t));
		return err;
	}
	t->utcb = phys_to_virt(t->utcb_phys);
	t->utcb_addr = utcb_addr;
	t->task = task;
	t->task_next = task->threads;
	task->threads = t;
	thread_init_sched(t);
	regs_init_user(&t->regs, 0, 0);
	*out = t;
	return L4_OK;
}

void thread_abort(struct thread *t, bool dead)
{
	sched_stall(t);
	/* A VM exit not yet taken by its VMM waits in the thread: a trap-like
	 * one would not recur (thread.h). */
	if (!dead && t->state == TS_SEND_BLOCKED && t->fault.kind == FAULT_VMEXIT)
		t->trap_pending = (uint32_t)t->fault.vector + 1;
	ipc_detach(t);
	if (t->state == TS_READY)
		sched_dequeue(t);
	t->fault.kind = FAULT_NONE;
	t->state = dead ? TS_DEAD : TS_INACTIVE;
	if (!dead || !t->task)
		return;
	struct task *task = t->task;
	for (struct thread **p = &task->threads; *p; p = &(*p)->task_next)
		if (*p == t) {
			*p = t->task_next;
			break;
		}
	if (t->utcb_phys)
		space_unmap(&task->space, t->utcb_addr);
	t->task = NULL;
}

void thread_destroy(struct thread *t)
{
	if (t->state != TS_DEAD)
		thread_abort(t, true);
	cap_delete(&t->pager);
	cap_delete(&t->exc_handler);
	arch_thread_gone(t);
	vcpu_destroy(t, &t->obj.factory->quota);
	kmem_page_free(&t->obj.factory->quota, t->utcb_phys);
	factory_free(&t->obj, sizeof(*t));
}

void thread_set_name(struct thread *t, const char *name)
{
	size_t n = MIN(strlen(name), (size_t)THREAD_NAME_LEN - 1);

	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

/* Names are up to 15 characters in two message registers. */
static void name_from_words(char *dst, const uint64_t *w)
{
	const char *src = (const char *)w;
	size_t n = 0;

	while (n < THREAD_NAME_LEN - 1 && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const uint8_t state_abi[] = {
	[TS_INACTIVE] = L4_THREAD_INACTIVE,
	[TS_READY] = L4_THREAD_READY,
	[TS_SEND_BLOCKED] = L4_THREAD_SEND_BLOCKED,
	[TS_RECV_BLOCKED] = L4_THREAD_RECV_BLOCKED,
	[TS_REPLY_BLOCKED] = L4_THREAD_REPLY_BLOCKED,
	[TS_NOTIFY_BLOCKED] = L4_THREAD_NOTIFY_BLOCKED,
	[TS_DEAD] = L4_THREAD_DEAD,
};

/* Replaces a handler capability kept by the thread with a copy of slot's. */
static int set_handler(struct thread *cur, struct cap *keep, uint64_t slot)
{
	struct cap *c;

	if (slot == L4_CAP_NONE) {
		cap_delete(keep);
		return L4_OK;
	}
	int err = cap_lookup(&cur->task->caps, slot, L4_OBJ_ENDPOINT, L4_CAP_RIGHT_WRITE, &c);
	if (err)
		return err;
	cap_delete(keep);
	return cap_derive(c, keep, L4_CAP_RIGHTS_ALL, false, 0);
}

/* t, stopped, has a new state: an exit or trap its old one left goes
 * (trap_pending). */
static void state_written(struct thread *t)
{
	if (t->state == TS_INACTIVE)
		t->trap_pending = 0;
}

static int thread_op(struct thread *cur, struct thread *t, uint64_t op, unsigned words,
		     unsigned *out_words)
{
	uint64_t *mr = cur->utcb->mr;
	static const uint8_t need[] = {
		[L4_THREAD_START] = 2, [L4_THREAD_SET_PRIO] = 1, [L4_THREAD_SET_MCP] = 1, [L4_THREAD_SET_TIMESLICE] = 1,
		[L4_THREAD_SET_PAGER] = 1, [L4_THREAD_SET_EXC_HANDLER] = 1,
		[L4_THREAD_SET_NAME] = 2, [L4_THREAD_WRITE_REGS] = L4_REG_COUNT,
		[L4_THREAD_SET_TLS] = 1, [L4_THREAD_VCPU_READ] = 1, [L4_THREAD_VCPU_APIC] = 1,
		[L4_THREAD_SET_CPU] = 1,
	};

	if (op < ARRAY_SIZE(need) && words < need[op])
		return L4_EMSG;
	if (t->state == TS_DEAD && op != L4_THREAD_INFO)
		return L4_ECANCELED;
	switch (op) {
	case L4_THREAD_START:
		if (t->vcpu ? !vcpu_set_ip_sp(t, mr[0], mr[1]) : !regs_set_ip_sp(&t->regs, mr[0], mr[1]))
			return L4_EFAULT;
		thread_abort(t, false);
		state_written(t);
		t->resume_sysret = false;
		t->state = TS_READY;
		sched_enqueue(t);
		return L4_OK;
	case L4_THREAD_STOP:
		thread_abort(t, false);
		return L4_OK;
	case L4_THREAD_RESUME:
		if (t->state == TS_INACTIVE) {
			t->state = TS_READY;
			sched_enqueue(t);
		}
		return L4_OK;
	case L4_THREAD_SET_PRIO:
		if (mr[0] >= PRIO_LEVELS)
			return L4_EINVAL;
		if (mr[0] > cur->mcp)
			return L4_ERIGHTS;    /* nobody hands out more than it was given */
		sched_set_prio(t, (uint8_t)mr[0]);
		return L4_OK;
	case L4_THREAD_SET_MCP:
		if (mr[0] >= PRIO_LEVELS)
			return L4_EINVAL;
		if (mr[0] > cur->mcp)
			return L4_ERIGHTS;
		t->mcp = (uint8_t)mr[0];
		return L4_OK;
	case L4_THREAD_SET_TIMESLICE: {
		uint64_t ticks = mr[0] / (1000000 / SCHED_TICK_HZ);
		if (!ticks || ticks > UINT32_MAX)
			return L4_EINVAL;
		t->timeslice_ticks = (uint32_t)ticks;
		return L4_OK;
	}
	case L4_THREAD_SET_PAGER:
		return set_handler(cur, &t->pager, mr[0]);
	case L4_THREAD_SET_EXC_HANDLER:
		return set_handler(cur, &t->exc_handler, mr[0]);
	case L4_THREAD_SET_NAME:
		name_from_words(t->name, mr);
		return L4_OK;
	case L4_THREAD_READ_REGS:
		if (t->vcpu)
			vcpu_regs_to_words(t, mr);
		else
			regs_to_words(&t->regs, mr);
		*out_words = L4_REG_COUNT;
		return L4_OK;
	case L4_THREAD_WRITE_REGS:
		if (t == cur)
			return L4_EINVAL;
		if (t->vcpu)
			vcpu_regs_from_words(t, mr);
		else if (!regs_from_words(&t->regs, mr))
			return L4_EFAULT;
		t->resume_sysret = false;
		state_written(t);
		return L4_OK;
	case L4_THREAD_SET_TLS:
		if (!user_addr_ok(mr[0]))
			return L4_EFAULT;
		t->tls = mr[0];
		return L4_OK;
	case L4_THREAD_VCPU_CONFIG:
		return t->vcpu ? vcpu_config(t, mr, words) : L4_EINVAL;
	case L4_THREAD_VCPU_READ:
		return t->vcpu ? vcpu_read(t, mr, out_words) : L4_EINVAL;
	case L4_THREAD_VCPU_WRITE: {
		int err = t->vcpu ? vcpu_state_write(t, mr, words) : L4_EINVAL;
		if (!err)
			state_written(t);      /* (a refused write changes nothing) */
		return err;
	}
	case L4_THREAD_VCPU_APIC:
		return t->vcpu ? vcpu_apic(t, mr[0]) : L4_EINVAL;
	case L4_THREAD_VCPU_POST:
		return t->vcpu ? vcpu_post_async(t, mr[0]) : L4_EINVAL;
	case L4_THREAD_SET_CPU:
		if (mr[0] >= cpu_count || !arch_thread_may_run_on(t, (unsigned)mr[0]))
			return L4_EINVAL;
		if (t->state == TS_DEAD)
			return L4_ECANCELED;
		sched_set_cpu(t, (unsigned)mr[0]);
		return L4_OK;
	case L4_THREAD_GET_CPU:
		mr[0] = t->pcpu->id;
		mr[1] = cpu_count;
		*out_words = 2;
		return L4_OK;
	case L4_THREAD_INFO:
		mr[0] = state_abi[t->state];
		mr[1] = t->prio;
		mr[2] = t->utcb_addr;
		*out_words = 3;
		if (t->vcpu)
			*out_words += vcpu_info(t, &mr[3]);
		return L4_OK;
	default:
		return L4_ENOSYS;
	}
}

void thread_invoke(struct thread *cur, struct cap *tcap, uint64_t tag)
{
	uint64_t op = l4_tag_label(tag);
	unsigned out_words = 0;
	int err;

	bool query = op == L4_THREAD_READ_REGS || op == L4_THREAD_INFO || op == L4_THREAD_VCPU_READ ||
		     op == L4_THREAD_GET_CPU;
	/* What touches nothing the thread changes as it runs needs no stall. */
	bool running_ok = op == L4_THREAD_VCPU_POST || op == L4_THREAD_GET_CPU;
	if (!(tcap->rights & (query ? L4_CAP_RIGHT_READ : L4_CAP_RIGHT_WRITE))) {
		err = L4_ERIGHTS;
	} else {
		/* A thread running on another CPU is stopped there first, so its
		 * registers and state hold still (sched_stall). VCPU_POST is
		 * made for a running vCPU (atomics and a kick), GET_CPU reads
		 * what only the kernel lock's holders change. */
		if (!running_ok)
			sched_stall((struct thread *)tcap->obj);
		err = thread_op(cur, (struct thread *)tcap->obj, op, l4_tag_words(tag), &out_words);
	}
	regs_set_result(&cur->regs, (uint64_t)err, l4_tag(0, out_words, 0), 0);
}
