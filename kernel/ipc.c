/* SPDX-License-Identifier: GPL-2.0-only */
/* Endpoints, notifications and message transfer (see ipc.h). */
#include "ipc.h"
#include <l4/errno.h>
#include <l4/syscall.h>
#include "factory.h"
#include "fault.h"
#include "irq.h"
#include "sched.h"
#include "string.h"
#include "transfer.h"

/* ---- wait queues: circular, by priority (highest first), FIFO within one */

/* Into a non-empty queue: before the first queued thread of lower priority. */
void waitq_insert_ordered(struct thread **head, struct thread *t)
{
	struct thread *pos = *head;
	bool first = t->prio > pos->prio;
	if (!first) {
		pos = pos->q_next;
		while (pos != *head && pos->prio >= t->prio)
			pos = pos->q_next;
	}
	t->q_next = pos;
	t->q_prev = pos->q_prev;
	pos->q_prev->q_next = t;
	pos->q_prev = t;
	if (first)
		*head = t;
}

/* ---- blocking and waking */

static void block(struct thread *t, enum thread_state state, void *on, struct thread **queue,
		  uint64_t timeout)
{
	sched_dequeue(t);
	t->state = state;
	t->blocked_on = on;
	if (queue)
		waitq_insert(queue, t);
	if (t->deadline == TIMEOUT_NONE)
		sched_timeout_arm(t, timeout);
}

void thread_wake(struct thread *t, uint64_t error, uint64_t tag, uint64_t badge)
{
	sched_timeout_cancel(t);
	t->blocked_on = NULL;
	t->state = TS_READY;
	regs_set_result(&t->regs, error, tag, badge);
	sched_enqueue(t);
}

/* Ends t's wait with an error; a faulting thread is not resumed but stopped
 * (fault_abandon), since its registers must stay as they were. */
static void cancel_wait(struct thread *t, uint64_t error)
{
	if (t->fault.kind)
		fault_abandon(t);
	else
		thread_wake(t, error, 0, 0);
}

/* ---- endpoints and notifications as objects */

int endpoint_create(struct factory *f, struct endpoint **out)
{
	struct endpoint *ep = factory_alloc(f, sizeof(*ep), L4_OBJ_ENDPOINT);

	if (!ep)
		return L4_ENOMEM;
	ep->state = EP_IDLE;
	ep->home = (uint16_t)this_cpu->id;
	*out = ep;
	return L4_OK;
}

/* Everyone still queued wakes with L4_ECANCELED. */
static void cancel_queue(struct thread **queue)
{
	while (*queue) {
		struct thread *t = *queue;
		waitq_remove(queue, t);
		t->blocked_on = NULL;
		cancel_wait(t, L4_ECANCELED);
	}
}

void endpoint_cancel_badged(struct endpoint *ep, uint64_t badge)
{
	if (ep->state != EP_SENDERS)
		return;
	/* One pass over the queue as it was: each step removes a thread or moves on. */
	struct thread *t = ep->queue;
	for (struct thread *end = t->q_prev, *next;; t = next) {
		next = t->q_next;
		bool last = t == end;
		if (t->ipc_badge == badge) {
			waitq_remove(&ep->queue, t);
			t->blocked_on = NULL;
			cancel_wait(t, L4_ECANCELED);
		}
		if (last || !ep->queue)
			break;
	}
	if (!ep->queue)
		ep->state = EP_IDLE;
}

void endpoint_destroy(struct endpoint *ep)
{
	cancel_queue(&ep->queue);
	factory_free(&ep->obj, sizeof(*ep));
}

int notification_create(struct factory *f, struct notification **out)
{
	struct notification *n = factory_alloc(f, sizeof(*n), L4_OBJ_NOTIFICATION);

	if (!n)
		return L4_ENOMEM;
	*out = n;
	return L4_OK;
}

void notification_destroy(struct notification *n)
{
	irq_notification_gone(n);
	cancel_queue(&n->queue);
	factory_free(&n->obj, sizeof(*n));
}

void notification_signal(struct notification *n, uint64_t bits)
{
	n->word |= bits;
	if (n->queue && n->word) {
		struct thread *t = n->queue;
		waitq_remove(&n->queue, t);
		thread_wake(t, L4_OK, 0, n->word);
		n->word = 0;
		sched_prefer(t);
	}
}

/* ---- message delivery */

/* A one-shot reply right replaces the previous one: its caller is told. */
static void set_caller(struct thread *server, struct thread *caller)
{
	if (server->caller) {
		struct thread *old = server->caller;
		old->callee = NULL;
		old->blocked_on = NULL;
		cancel_wait(old, L4_ECANCELED);
	}
	server->caller = caller;
	caller->callee = server;
}

/*
 * Delivers sender's message to receiver (which is blocked in receive or
 * is the current thread completing a receive). Completes the receiver's
 * system call; the sender either continues with success or, for a call,
 * waits for the reply.
 */
static void deliver(struct thread *sender, struct thread *receiver, uint64_t tag,
		    uint64_t badge, bool call)
{
	uint64_t rtag;
	int err = transfer_message(sender, receiver, tag, &rtag);

	if (receiver->state == TS_READY)   /* the current thread, completing a receive */
		regs_set_result(&receiver->regs, L4_OK, rtag, badge);
	else
		thread_wake(receiver, L4_OK, rtag, badge);

	if (call && !err) {
		set_caller(receiver, sender);
		if (sender->state == TS_READY)
			sched_dequeue(sender);
		sender->state = TS_REPLY_BLOCKED;
		sender->blocked_on = receiver;
		/* A kernel message (fault) keeps its timeout-free wait. */
	} else {
		if (sender->state != TS_READY)
			thread_wake(sender, (uint64_t)err, 0, 0);
		else
			regs_set_result(&sender->regs, (uint64_t)err, 0, 0);
	}
}

/*
 * Delivers to a waiting receiver, or queues the sender. A queued sender
 * keeps the tag that was checked (word and item counts, items only with
 * the GRANT right) in its TCB: its registers may change while it waits
 * (L4_THREAD_WRITE_REGS), and what is delivered must be what was checked.
 */
static void send_or_queue(struct thread *sender, struct cap *dest, uint64_t tag, bool call,
			  uint64_t timeout)
{
	struct endpoint *ep = (struct endpoint *)dest->obj;

	if (ep->state == EP_RECEIVERS) {
		struct thread *r = endpoint_take_first(ep);
		deliver(sender, r, tag, dest->badge, call);
		/* A call whose transfer failed has its error and waits for nothing. */
		if (call && sender->state == TS_REPLY_BLOCKED)
			sched_timeout_arm(sender, timeout);
		sched_prefer(r);
		return;
	}
	sender->ipc_call = call;
	sender->ipc_badge = dest->badge;
	sender->ipc_tag = tag;
	ep->state = EP_SENDERS;
	block(sender, TS_SEND_BLOCKED, ep, &ep->queue, timeout);
}

static bool tag_ok(uint64_t tag)
{
	return l4_tag_words(tag) + 2 * l4_tag_items(tag) <= L4_MR_COUNT &&
	       l4_tag_items(tag) <= L4_MAX_ITEMS && !((tag >> 12) & 0xf);
}

void do_send(struct thread *cur, struct cap *dest, uint64_t tag, bool call, uint64_t timeout)
{
	if (!tag_ok(tag)) {
		regs_set_error(&cur->regs, L4_EMSG);
		return;
	}
	if (dest->obj->type == L4_OBJ_NOTIFICATION) {
		if (call) {
			regs_set_error(&cur->regs, L4_ETYPE);
			return;
		}
		notification_signal((struct notification *)dest->obj, dest->badge ? dest->badge : 1);
		regs_set_result(&cur->regs, L4_OK, 0, 0);
		return;
	}
	if (l4_tag_items(tag) && !(dest->rights & L4_CAP_RIGHT_GRANT)) {
		regs_set_error(&cur->regs, L4_ERIGHTS);
		return;
	}
	if (timeout == L4_TIMEOUT_POLL && ((struct endpoint *)dest->obj)->state != EP_RECEIVERS) {
		regs_set_error(&cur->regs, L4_ETIMEOUT);
		return;
	}
	send_or_queue(cur, dest, tag, call, timeout);
}

void ipc_kernel_call(struct thread *t, struct cap *handler, uint64_t tag)
{
	send_or_queue(t, handler, tag, true, L4_TIMEOUT_NEVER);
}

void do_recv(struct thread *cur, struct cap *src, uint64_t timeout)
{
	if (src->obj->type == L4_OBJ_NOTIFICATION) {
		struct notification *n = (struct notification *)src->obj;
		if (n->word) {
			regs_set_result(&cur->regs, L4_OK, 0, n->word);
			n->word = 0;
		} else if (timeout == L4_TIMEOUT_POLL) {
			regs_set_error(&cur->regs, L4_ETIMEOUT);
		} else {
			block(cur, TS_NOTIFY_BLOCKED, n, &n->queue, timeout);
		}
		return;
	}
	struct endpoint *ep = (struct endpoint *)src->obj;
	if (ep->state == EP_SENDERS) {
		struct thread *s = endpoint_take_first(ep);
		deliver(s, cur, s->ipc_tag, s->ipc_badge, s->ipc_call);
		return;
	}
	if (timeout == L4_TIMEOUT_POLL) {
		regs_set_error(&cur->regs, L4_ETIMEOUT);
		return;
	}
	ep->state = EP_RECEIVERS;
	ep->home = (uint16_t)cur->pcpu->id;
	block(cur, TS_RECV_BLOCKED, ep, &ep->queue, timeout);
}

bool do_reply(struct thread *cur, uint64_t tag)
{
	struct thread *c = cur->caller;

	if (!c) {
		regs_set_error(&cur->regs, L4_ENOREPLY);
		return false;
	}
	if (!tag_ok(tag)) {
		regs_set_error(&cur->regs, L4_EMSG);
		return false;
	}
	cur->caller = NULL;
	c->callee = NULL;
	if (c->fault.kind) {
		/* The kernel consumes replies to its own messages. */
		fault_reply(cur, c, tag);
	} else {
		uint64_t rtag;
		int err = transfer_message(cur, c, tag, &rtag);
		thread_wake(c, (uint64_t)err, rtag, 0);
	}
	regs_set_error(&cur->regs, L4_OK);
	sched_prefer(c);
	return true;
}

/* ---- leaving a wait early */

/* Removes t from the queue or partner it waits on, if any. */
static void unqueue(struct thread *t)
{
	if (!t->blocked_on)
		return;
	if (t->state == TS_SEND_BLOCKED || t->state == TS_RECV_BLOCKED) {
		struct endpoint *ep = t->blocked_on;
		waitq_remove(&ep->queue, t);
		if (!ep->queue)
			ep->state = EP_IDLE;
	} else if (t->state == TS_NOTIFY_BLOCKED) {
		struct notification *n = t->blocked_on;
		waitq_remove(&n->queue, t);
	} else if (t->state == TS_REPLY_BLOCKED && t->callee) {
		t->callee->caller = NULL;
		t->callee = NULL;
	}
	t->blocked_on = NULL;
}

void ipc_timeout(struct thread *t)
{
	unqueue(t);
	cancel_wait(t, L4_ETIMEOUT);
}

void ipc_detach(struct thread *t)
{
	unqueue(t);
	sched_timeout_cancel(t);
	if (t->caller) {
		struct thread *c = t->caller;
		t->caller = NULL;
		c->callee = NULL;
		c->blocked_on = NULL;
		cancel_wait(c, L4_ECANCELED);
	}
}

void ipc_requeue(struct thread *t)
{
	struct thread **queue = NULL;

	if (t->state == TS_SEND_BLOCKED || t->state == TS_RECV_BLOCKED)
		queue = &((struct endpoint *)t->blocked_on)->queue;
	else if (t->state == TS_NOTIFY_BLOCKED)
		queue = &((struct notification *)t->blocked_on)->queue;
	if (queue) {
		waitq_remove(queue, t);
		waitq_insert(queue, t);
	}
}
