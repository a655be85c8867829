/* SPDX-License-Identifier: GPL-2.0-only */
/* Thread-local storage, cancelling badged sends, and what task deletion ends. */
#include "ktest.h"

/* libl4 gives every thread its own TLS block (FS:0 points at it): it must
 * stay the thread's own across many switches to other threads. */
static long tls_worker(long rounds)
{
	struct l4_tls *mine = l4_self();

	for (long i = 0; i < rounds; i++) {
		l4_yield();
		if (l4_self() != mine || mine->self != mine)
			return 0;
	}
	return (long)mine;
}

static void tls_is_per_thread(void)
{
	l4_cap_t a = l4_thread_start(tls_worker, 20, 110);
	l4_cap_t b = l4_thread_start(tls_worker, 20, 110);

	CHECK(l4_thread_join(a) && l4_thread_join(b));
	CHECK(l4_thread_result(a) != 0 && l4_thread_result(b) != 0);
	CHECK(l4_thread_result(a) != l4_thread_result(b));
	CHECK(l4_self() != (struct l4_tls *)l4_thread_result(a));
	CHECK_EQ(L4_INVOKE(a, L4_THREAD_SET_TLS, 0xffff800000000000ull).error, L4_EFAULT);
	l4_thread_kill(a);
	l4_thread_kill(b);
}

static long badged_sender(long cap)
{
	return (long)l4_send((l4_cap_t)cap, 0, L4_TIMEOUT_NEVER).error;
}

static void cancel_badged_sends(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), b1 = l4_slot_alloc(), b2 = l4_slot_alloc();

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b1, L4_CAP_RIGHT_WRITE, 1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b2, L4_CAP_RIGHT_WRITE, 2);
	l4_cap_t s1 = l4_thread_start(badged_sender, (long)b1, 110);
	l4_cap_t s2 = l4_thread_start(badged_sender, (long)b2, 110);
	l4_cap_t s3 = l4_thread_start(badged_sender, (long)b1, 110);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, b1).error, L4_OK);
	CHECK(l4_thread_join(s1) && l4_thread_join(s3));
	CHECK_EQ(l4_thread_result(s1), L4_ECANCELED);
	CHECK_EQ(l4_thread_result(s3), L4_ECANCELED);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_POLL);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(r.badge, 2);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	/* Only badged endpoint capabilities qualify. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, ep).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, L4_CAP_TASK).error, L4_ETYPE);
	l4_thread_kill(s1);
	l4_thread_kill(s2);
	l4_thread_kill(s3);
}

static long receive_and_keep(long ep)
{
	l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static long call_once(long ep)
{
	return (long)l4_call((l4_cap_t)ep, 0, L4_TIMEOUT_NEVER).error;
}

static long recv_once(long ep)
{
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static void task_deletion_cancels_its_callers(void)
{
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	l4_give_cap(b, ep);
	l4_thread_start_in(b, receive_and_keep, (long)ep, 110);
	l4_cap_t c = l4_thread_start(call_once, (long)ep, 111);
	CHECK_EQ(L4_INVOKE(c, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_REPLY_BLOCKED);
	/* B's thread owes the reply; B goes, and the caller hears of it. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	CHECK(l4_thread_join(c));
	CHECK_EQ(l4_thread_result(c), L4_ECANCELED);
	l4_thread_kill(c);
}

static void task_deletion_destroys_what_it_owns(void)
{
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT), copy = l4_slot_alloc();

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, ep, copy, L4_CAP_RIGHTS_ALL);
	/* The original goes to B; we keep a copy and wait on it. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | 9ull << 12, l4_fpage_cap(ep, 0, 7)).error, L4_OK);
	l4_cap_t r = l4_thread_start(recv_once, (long)copy, 110);
	CHECK_EQ(L4_INVOKE(r, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_RECV_BLOCKED);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	CHECK(l4_thread_join(r));
	CHECK_EQ(l4_thread_result(r), L4_ECANCELED);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, copy).error, L4_ECAP);
	l4_thread_kill(r);
}

static void dead_thread_capabilities(void)
{
	l4_cap_t b = l4_task_share_image(4096);
	l4_cap_t t = l4_thread_start_in(b, recv_once, (long)L4_CAP_NONE, 10);

	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	/* The thread died with its task; its capability still answers. */
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_DEAD);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_START, 0x400000, 0x500000).error, L4_ECANCELED);
	l4_thread_kill(t);
}

const struct ktest ktests_task[] = {
	{ "thread/tls-is-per-thread", tls_is_per_thread },
	{ "ipc/cancel-badged-sends", cancel_badged_sends },
	{ "task/deletion-cancels-its-callers", task_deletion_cancels_its_callers },
	{ "task/deletion-destroys-what-it-owns", task_deletion_destroys_what_it_owns },
	{ "task/dead-thread-capabilities", dead_thread_capabilities },
	{ NULL, NULL },
};
