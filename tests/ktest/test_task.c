/* SPDX-License-Identifier: GPL-2.0-only */
/* Thread-local storage, cancelling badged sends, and what task deletion ends. */
#include "ktest.h"

static long tls_a = 0x7a7a, tls_b = 0x7b7b;

static long read_fs0(void)
{
	long v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

/* Sets its own TLS base, then checks it across many switches. */
static long tls_worker(long which, struct l4_utcb *u)
{
	(void)u;
	long *mine = which ? &tls_b : &tls_a;
	for (int i = 0; i < 20; i++) {
		l4_yield();
		if (read_fs0() != *mine)
			return 0;
	}
	return 1;
}

static void tls_is_per_thread(void)
{
	l4_cap_t a = ktest_thread_start(tls_worker, 0, 10);
	l4_cap_t b = ktest_thread_start(tls_worker, 1, 10);

	CHECK_EQ(INVOKE(a, L4_THREAD_SET_TLS, (l4_word_t)&tls_a).error, L4_OK);
	CHECK_EQ(INVOKE(b, L4_THREAD_SET_TLS, (l4_word_t)&tls_b).error, L4_OK);
	CHECK_EQ(INVOKE(a, L4_THREAD_SET_PRIO, 110).error, L4_OK);
	CHECK_EQ(INVOKE(b, L4_THREAD_SET_PRIO, 110).error, L4_OK);
	CHECK(ktest_thread_join(a) && ktest_thread_join(b));
	CHECK_EQ(ktest_thread_result(a), 1);
	CHECK_EQ(ktest_thread_result(b), 1);
	CHECK_EQ(INVOKE(a, L4_THREAD_SET_TLS, 0xffff800000000000ull).error, L4_EFAULT);
	ktest_thread_kill(a);
	ktest_thread_kill(b);
}

static long badged_sender(long cap, struct l4_utcb *u)
{
	(void)u;
	return (long)l4_send((l4_cap_t)cap, 0, L4_TIMEOUT_NEVER).error;
}

static void cancel_badged_sends(void)
{
	l4_cap_t ep = make_endpoint(), b1 = slot_alloc(), b2 = slot_alloc();

	INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b1, L4_CAP_RIGHT_WRITE, 1);
	INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b2, L4_CAP_RIGHT_WRITE, 2);
	l4_cap_t s1 = ktest_thread_start(badged_sender, (long)b1, 110);
	l4_cap_t s2 = ktest_thread_start(badged_sender, (long)b2, 110);
	l4_cap_t s3 = ktest_thread_start(badged_sender, (long)b1, 110);
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, b1).error, L4_OK);
	CHECK(ktest_thread_join(s1) && ktest_thread_join(s3));
	CHECK_EQ(ktest_thread_result(s1), L4_ECANCELED);
	CHECK_EQ(ktest_thread_result(s3), L4_ECANCELED);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_POLL);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(r.badge, 2);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	/* Only badged endpoint capabilities qualify. */
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, ep).error, L4_EINVAL);
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, L4_CAP_TASK).error, L4_ETYPE);
	ktest_thread_kill(s1);
	ktest_thread_kill(s2);
	ktest_thread_kill(s3);
}

static long receive_and_keep(long ep, struct l4_utcb *u)
{
	(void)u;
	l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static long call_once(long ep, struct l4_utcb *u)
{
	(void)u;
	return (long)l4_call((l4_cap_t)ep, 0, L4_TIMEOUT_NEVER).error;
}

static long recv_once(long ep, struct l4_utcb *u)
{
	(void)u;
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static void task_deletion_cancels_its_callers(void)
{
	l4_cap_t b = make_shadow_task(), ep = make_endpoint();

	give_cap(b, ep);
	ktest_thread_start_in(b, receive_and_keep, (long)ep, 110);
	l4_cap_t c = ktest_thread_start(call_once, (long)ep, 111);
	CHECK_EQ(INVOKE(c, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_REPLY_BLOCKED);
	/* B's thread owes the reply; B goes, and the caller hears of it. */
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	CHECK(ktest_thread_join(c));
	CHECK_EQ(ktest_thread_result(c), L4_ECANCELED);
	ktest_thread_kill(c);
}

static void task_deletion_destroys_what_it_owns(void)
{
	l4_cap_t b = make_shadow_task(), ep = make_endpoint(), copy = slot_alloc();

	INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, ep, copy, L4_CAP_RIGHTS_ALL);
	/* The original goes to B; we keep a copy and wait on it. */
	CHECK_EQ(INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | 9ull << 12, l4_fpage_cap(ep, 0, 7)).error, L4_OK);
	l4_cap_t r = ktest_thread_start(recv_once, (long)copy, 110);
	CHECK_EQ(INVOKE(r, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_RECV_BLOCKED);
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	CHECK(ktest_thread_join(r));
	CHECK_EQ(ktest_thread_result(r), L4_ECANCELED);
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, copy).error, L4_ECAP);
	ktest_thread_kill(r);
}

static void dead_thread_capabilities(void)
{
	l4_cap_t b = make_shadow_task();
	l4_cap_t t = ktest_thread_start_in(b, recv_once, (long)L4_CAP_NONE, 10);

	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	/* The thread died with its task; its capability still answers. */
	CHECK_EQ(INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_DEAD);
	CHECK_EQ(INVOKE(t, L4_THREAD_START, 0x400000, 0x500000).error, L4_ECANCELED);
	ktest_thread_kill(t);
}

const struct ktest ktests_task[] = {
	{ "thread/tls-is-per-thread", tls_is_per_thread },
	{ "ipc/cancel-badged-sends", cancel_badged_sends },
	{ "task/deletion-cancels-its-callers", task_deletion_cancels_its_callers },
	{ "task/deletion-destroys-what-it-owns", task_deletion_destroys_what_it_owns },
	{ "task/dead-thread-capabilities", dead_thread_capabilities },
	{ NULL, NULL },
};
