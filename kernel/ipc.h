/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synchronous IPC through endpoints, and notifications.
 *
 * An endpoint holds one queue, of senders or of receivers (never both),
 * ordered by priority and FIFO within a priority. The do_* functions run
 * a system call for the current thread: each either completes it (its
 * result in the thread's registers) or blocks the thread; the caller then
 * leaves the kernel through the scheduler.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include "thread.h"

enum endpoint_state { EP_IDLE, EP_SENDERS, EP_RECEIVERS };

struct endpoint {
	struct kobj obj;
	enum endpoint_state state;
	struct thread *queue;        /* circular, highest priority first */
	uint16_t home;               /* the CPU whose fast path may use it (smp.h): where
				      * a receiver last blocked on it */
};

struct notification {
	struct kobj obj;
	uint64_t word;               /* pending signal bits */
	struct thread *queue;        /* waiters */
};

/* Priority-ordered wait queues (circular; the head waits longest among the
 * highest). Inline where the IPC paths need them most: into an empty
 * queue, and out of any. */
void waitq_insert_ordered(struct thread **head, struct thread *t);

static inline void waitq_insert(struct thread **head, struct thread *t)
{
	if (*head) {
		waitq_insert_ordered(head, t);
		return;
	}
	t->q_next = t->q_prev = t;
	*head = t;
}

static inline void waitq_remove(struct thread **head, struct thread *t)
{
	if (t->q_next == t) {
		*head = NULL;
	} else {
		t->q_prev->q_next = t->q_next;
		t->q_next->q_prev = t->q_prev;
		if (*head == t)
			*head = t->q_next;
	}
	t->q_next = t->q_prev = NULL;
}

/* The first thread of ep's queue, taken out of it. */
static inline struct thread *endpoint_take_first(struct endpoint *ep)
{
	struct thread *t = ep->queue;

	waitq_remove(&ep->queue, t);
	if (!ep->queue)
		ep->state = EP_IDLE;
	return t;
}

int endpoint_create(struct factory *f, struct endpoint **out);
void endpoint_destroy(struct endpoint *ep);
/* Wakes every sender queued with this badge with L4_ECANCELED. */
void endpoint_cancel_badged(struct endpoint *ep, uint64_t badge);
int notification_create(struct factory *f, struct notification **out);
void notification_destroy(struct notification *n);

void do_send(struct thread *cur, struct cap *dest, uint64_t tag, bool call, uint64_t timeout);
void do_recv(struct thread *cur, struct cap *src, uint64_t timeout);
/* Returns false (and sets the error) if the reply could not be sent. */
bool do_reply(struct thread *cur, uint64_t tag);

/* Signals n with bits (from the kernel, e.g. an interrupt, or a capability's badge). */
void notification_signal(struct notification *n, uint64_t bits);

/* The kernel's own message (page fault, exception) from t to a handler
 * endpoint: t blocks as if it had called. The words are in t's UTCB. */
void ipc_kernel_call(struct thread *t, struct cap *handler, uint64_t tag);

/* t's timeout expired. */
void ipc_timeout(struct thread *t);
/* Takes t out of whatever it waits on, waking partners with L4_ECANCELED. */
void ipc_detach(struct thread *t);
/* t's priority changed while it waits in a queue. */
void ipc_requeue(struct thread *t);

#endif
