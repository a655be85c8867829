/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel self-check (see check.h). Three walks over the factory tree:
 * the first marks every live object (kobj.check_pass) and checks the
 * lists; the second checks each object against what it names (its
 * capabilities, queues, partners, task) and adds up what each factory
 * should be charged; the modules check their tables; the last compares
 * every factory's quota with the sum. Bounded: every loop is over a list
 * or table whose length the walk itself bounds.
 */
#include "check.h"
#include <l4/debug.h>
#include "arch.h"
#include "console.h"
#include "factory.h"
#include "ipc.h"
#include "irq.h"
#include "kmem.h"
#include "mem.h"
#include "sched.h"
#include "task.h"
#include "thread.h"

#define STACK_MARGIN 1024     /* bytes a stack must never come closer to its end */

static struct check_result result;
static uint16_t pass;          /* this walk's mark */
static uint64_t threads_ready, threads_timed;

void check_fail(unsigned code, const char *fmt, ...)
{
	va_list ap;

	if (!result.broken++)
		result.first = code;
	kprintf("check: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

bool check_alive(const void *p, unsigned type)
{
	const struct kobj *o = p;

	return o && o->check_pass == pass && !o->dying && (type == L4_OBJ_NONE || o->type == type);
}

void check_charge(struct factory *f, uint64_t bytes)
{
	if (f)
		f->check_bytes += bytes;
}

/* The boot factory: the root of the tree (every factory descends from it). */
static struct factory *boot;

/* Every object once, depth first through the child factories, without
 * recursion: a child's list ends where its parent's goes on after it. */
static void walk(void (*visit)(struct kobj *o))
{
	struct factory *f = boot;
	struct kobj *o = boot->objects;

	for (;;) {
		if (!o) {
			if (f == boot)
				return;
			o = f->obj.f_next;
			f = f->parent;
			continue;
		}
		struct kobj *next = o->f_next;
		visit(o);
		if (o->type == L4_OBJ_FACTORY && ((struct factory *)o)->objects) {
			f = (struct factory *)o;
			o = f->objects;
		} else {
			o = next;
		}
	}
}

static void mark(struct kobj *o)
{
	result.objects++;
	o->check_pass = pass;
	if (o->type == L4_OBJ_FACTORY)
		((struct factory *)o)->check_bytes = 0;
	if (o->dying)
		check_fail(L4_CHECK_OBJECTS, "object %p (type %u) still queued for destruction", o, o->type);
	if (o->f_next && o->f_next->f_prev != o)
		check_fail(L4_CHECK_OBJECTS, "object %p: list links broken", o);
	if (o->f_prev ? o->f_prev->factory != o->factory : o->factory->objects != o)
		check_fail(L4_CHECK_OBJECTS, "object %p not at its place in its factory's list", o);
}

/* One capability (in a table, or kept by a thread). */
static void check_cap(const struct cap *c, const char *where)
{
	const struct dtree *d = &c->tree;

	if (!c->obj) {
		if (d->parent || d->child || d->next || d->prev)
			check_fail(L4_CHECK_CAPS, "%s: empty slot still in a derivation tree", where);
		return;
	}
	if (c->obj->type != L4_OBJ_IRQ_CONTROL && c->obj->type != L4_OBJ_DEBUG &&
	    !check_alive(c->obj, L4_OBJ_NONE)) {
		check_fail(L4_CHECK_CAPS, "%s: capability to a dead object %p", where, c->obj);
		return;
	}
	if ((d->next && d->next->prev != d) || (d->prev ? d->prev->next != d : d->parent && d->parent->child != d) ||
	    (d->child && d->child->parent != d)) {
		check_fail(L4_CHECK_CAPS, "%s: derivation tree links broken", where);
		return;
	}
	/* Up to the root: the object's original, all of one object. */
	const struct dtree *up = d;
	for (uint64_t n = 0; up->parent; up = up->parent) {
		const struct cap *p = container_of(up->parent, const struct cap, tree);
		if (p->obj != c->obj || ++n > (1ull << 32)) {
			check_fail(L4_CHECK_CAPS, "%s: derived from a capability to another object", where);
			return;
		}
	}
	if (c->obj->root != container_of(up, const struct cap, tree))
		check_fail(L4_CHECK_CAPS, "%s: its tree's root is not its object's original", where);
}

/* Whether t is in the circular queue at head (bounded by the walk's count). */
static bool in_queue(struct thread *head, const struct thread *t)
{
	struct thread *q = head;

	for (uint64_t n = 0; q && n <= result.objects; n++, q = q->q_next) {
		if (q == t)
			return true;
		if (q->q_next == head)
			break;
	}
	return false;
}

/* A wait queue of an endpoint or notification: members wait on it, in state. */
static void check_wait_queue(const void *obj, struct thread *head, enum thread_state state)
{
	struct thread *q = head;

	for (uint64_t n = 0; q; n++, q = q->q_next) {
		if (n > result.objects || !check_alive(q, L4_OBJ_THREAD) || q->blocked_on != obj ||
		    q->state != state || q->q_next->q_prev != q) {
			check_fail(L4_CHECK_QUEUES, "wait queue of %p: thread %p does not belong there", obj, q);
			return;
		}
		if (q->q_next == head)
			return;
		if (q->q_next->prio > q->prio)
			check_fail(L4_CHECK_QUEUES, "wait queue of %p: not in priority order", obj);
	}
}

static void check_thread(struct thread *t)
{
	const char *name = t->name[0] ? t->name : "?";

	check_cap(&t->pager, "a thread's pager");
	check_cap(&t->exc_handler, "a thread's exception handler");
	check_charge(t->obj.factory, (t->utcb_phys ? PAGE_SIZE : 0) + arch_thread_bytes(t));
	uintptr_t at = (uintptr_t)t->pcpu - (uintptr_t)cpus;
	if (at >= cpu_count * sizeof(struct percpu) || at % sizeof(struct percpu)) {
		check_fail(L4_CHECK_THREADS, "thread %s: bound to no CPU (%p)", name, t->pcpu);
		return;
	}
	if (t->state == TS_DEAD ? t->task != NULL : !check_alive(t->task, L4_OBJ_TASK))
		check_fail(L4_CHECK_THREADS, "thread %s: task %p does not match its state %u", name, t->task,
			   t->state);
	if (t->caller && (!check_alive(t->caller, L4_OBJ_THREAD) || t->caller->callee != t ||
			  t->caller->state != TS_REPLY_BLOCKED))
		check_fail(L4_CHECK_THREADS, "thread %s: its caller does not wait for it", name);
	if (t->deadline != TIMEOUT_NONE)
		threads_timed++;
	switch (t->state) {
	case TS_SEND_BLOCKED:
	case TS_RECV_BLOCKED: {
		struct endpoint *ep = t->blocked_on;
		if (!check_alive(ep, L4_OBJ_ENDPOINT) || !in_queue(ep->queue, t) ||
		    ep->state != (t->state == TS_SEND_BLOCKED ? EP_SENDERS : EP_RECEIVERS))
			check_fail(L4_CHECK_THREADS, "thread %s: not queued on the endpoint it waits on", name);
		break;
	}
	case TS_NOTIFY_BLOCKED: {
		struct notification *n = t->blocked_on;
		if (!check_alive(n, L4_OBJ_NOTIFICATION) || !in_queue(n->queue, t))
			check_fail(L4_CHECK_THREADS, "thread %s: not queued on its notification", name);
		break;
	}
	case TS_REPLY_BLOCKED:
		if (t->callee && (!check_alive(t->callee, L4_OBJ_THREAD) || t->callee->caller != t))
			check_fail(L4_CHECK_THREADS, "thread %s: its callee does not hold its reply right", name);
		break;
	case TS_READY:
		/* Ready and in a queue, unless it runs: on its own CPU (this one
		 * or another, which waits for the lock meanwhile). */
		if (t != t->pcpu->current)
			threads_ready++;
		break;
	case TS_INACTIVE:
	case TS_DEAD:
		if (t->q_next || t->blocked_on || t->deadline != TIMEOUT_NONE || t->callee)
			check_fail(L4_CHECK_THREADS, "thread %s: stopped but still queued or waiting", name);
		break;
	}
}

static void check_task(struct task *t)
{
	check_charge(t->obj.factory, ALIGN_UP(t->caps.size * sizeof(struct cap), PAGE_SIZE) +
				     arch_space_check(&t->space));
	for (uint64_t i = 0; i < t->caps.size; i++)
		check_cap(&t->caps.slots[i], t->name[0] ? t->name : "a task");
	uint64_t n = 0;
	for (struct thread *th = t->threads; th; th = th->task_next)
		if (++n > result.objects || !check_alive(th, L4_OBJ_THREAD) || th->task != t) {
			check_fail(L4_CHECK_THREADS, "task %s: its thread list is broken", t->name);
			break;
		}
}

/* Bytes of each object type's struct (its slab size class is what it costs). */
static size_t object_size(unsigned type)
{
	switch (type) {
	case L4_OBJ_TASK: return sizeof(struct task);
	case L4_OBJ_THREAD: return sizeof(struct thread);
	case L4_OBJ_ENDPOINT: return sizeof(struct endpoint);
	case L4_OBJ_NOTIFICATION: return sizeof(struct notification);
	case L4_OBJ_FACTORY: return sizeof(struct factory);
	case L4_OBJ_IRQ: return sizeof(struct irq);
	default: return 0;
	}
}

static void check_object(struct kobj *o)
{
	if (!o->root || o->root->obj != o || !cap_is_original(o->root))
		check_fail(L4_CHECK_OBJECTS, "object %p (type %u): its root capability is lost", o, o->type);
	if (!object_size(o->type))
		check_fail(L4_CHECK_OBJECTS, "object %p: unknown type %u in a factory", o, o->type);
	check_charge(o->factory, kmem_size(object_size(o->type)));
	switch (o->type) {
	case L4_OBJ_TASK:
		check_task((struct task *)o);
		break;
	case L4_OBJ_THREAD:
		check_thread((struct thread *)o);
		break;
	case L4_OBJ_ENDPOINT: {
		struct endpoint *ep = (struct endpoint *)o;
		if ((ep->state == EP_IDLE) != !ep->queue)
			check_fail(L4_CHECK_QUEUES, "endpoint %p: state %u with queue %p", ep, ep->state, ep->queue);
		else if (ep->queue)
			check_wait_queue(ep, ep->queue, ep->state == EP_SENDERS ? TS_SEND_BLOCKED : TS_RECV_BLOCKED);
		break;
	}
	case L4_OBJ_NOTIFICATION: {
		struct notification *n = (struct notification *)o;
		check_wait_queue(n, n->queue, TS_NOTIFY_BLOCKED);
		break;
	}
	case L4_OBJ_FACTORY:
		check_charge(o->factory, ((struct factory *)o)->quota.limit);   /* carved from it */
		break;
	}
}

static void check_quota(struct kobj *o)
{
	struct factory *f = (struct factory *)o;

	if (o->type == L4_OBJ_FACTORY && f->check_bytes != f->quota.used)
		check_fail(L4_CHECK_QUOTA, "factory %p: %llu bytes charged, its objects hold %llu", f,
			   (unsigned long long)f->quota.used, (unsigned long long)f->check_bytes);
}

struct check_result kernel_check(void)
{
	result = (struct check_result){ 0 };
	threads_ready = threads_timed = 0;
	if (!++pass)
		pass = 1;
	boot = factory_root();
	if (kobj_reap_pending())
		check_fail(L4_CHECK_OBJECTS, "objects still queued for destruction");
	boot->check_bytes = 0;
	boot->obj.check_pass = pass;    /* (not in any factory's list) */
	walk(mark);
	arch_space_check_begin();
	walk(check_object);
	result.nodes = mapdb_check();
	uint64_t ready, timed;
	sched_check(&ready, &timed);
	if (ready != threads_ready)
		check_fail(L4_CHECK_QUEUES, "%llu threads in ready queues, %llu ready ones", (unsigned long long)ready,
			   (unsigned long long)threads_ready);
	if (timed != threads_timed)
		check_fail(L4_CHECK_QUEUES, "%llu threads in the timeout list, %llu with a deadline",
			   (unsigned long long)timed, (unsigned long long)threads_timed);
	walk(check_quota);
	check_quota(&boot->obj);
	result.free = mem.frames.free;
	result.stack = arch_stack_depth();
	if (result.stack + STACK_MARGIN > arch_stack_size())
		check_fail(L4_CHECK_STACK, "the kernel stack has been %llu of its %llu bytes deep",
			   (unsigned long long)result.stack, (unsigned long long)arch_stack_size());
	klog(LOG_DEBUG, "check: %llu objects, %llu mappings, %llu broken\n", (unsigned long long)result.objects,
	     (unsigned long long)result.nodes, (unsigned long long)result.broken);
	return result;
}
