/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Several CPUs: binding threads to CPUs, IPC and notifications between
 * CPUs, moving running and blocked threads. On a machine with one CPU
 * these check that only CPU 0 exists; with more (QEMU -smp 4, Bochs
 * count=2 in make test) they run across all of them.
 */
#include "ktest.h"

static void drop(l4_cap_t c)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c);
}

static unsigned online(void)
{
	unsigned n = 0;

	if (l4_thread_get_cpu(L4_CAP_THREAD, &n) < 0)
		return 0;
	return n;
}

static void cpus_are_numbered(void)
{
	unsigned n = online();

	CHECK(n >= 1);
	CHECK_EQ(l4_thread_get_cpu(L4_CAP_THREAD, NULL), 0);     /* the boot tasks: CPU 0 */
	CHECK_EQ(l4_thread_set_cpu(L4_CAP_THREAD, n), L4_EINVAL);
	CHECK_EQ(l4_thread_set_cpu(L4_CAP_THREAD, 1000000), L4_EINVAL);
	/* Move ourselves across every CPU and back: we run on each. */
	for (unsigned c = 0; c < n; c++) {
		CHECK_EQ(l4_thread_set_cpu(L4_CAP_THREAD, c), L4_OK);
		CHECK_EQ(l4_thread_get_cpu(L4_CAP_THREAD, NULL), c);
		l4_yield();
		CHECK_EQ(l4_thread_get_cpu(L4_CAP_THREAD, NULL), c);
	}
	CHECK_EQ(l4_thread_set_cpu(L4_CAP_THREAD, 0), L4_OK);
}

/* Replies with label + 1 and the sum of the words; stops on label 0xdead. */
static long sum_server(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	while (!r.error && l4_tag_label(r.tag) != 0xdead) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < l4_tag_words(r.tag); i++)
			sum += u->mr[i];
		u->mr[0] = sum;
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(l4_tag_label(r.tag) + 1, 1, 0), L4_TIMEOUT_NEVER);
	}
	if (!r.error)
		l4_reply(0);
	return (long)r.error;
}

/* A server on every other CPU in turn; calls from CPU 0 to it. */
static void call_reply_across_cpus(void)
{
	unsigned n = online();
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(ep != L4_CAP_NONE);
	for (unsigned c = 0; c < n; c++) {
		l4_cap_t t = l4_thread_start(sum_server, (long)ep, 100);
		CHECK(t != L4_CAP_NONE);
		CHECK_EQ(l4_thread_set_cpu(t, c), L4_OK);
		CHECK_EQ(l4_thread_get_cpu(t, NULL), c);
		for (unsigned i = 0; i < 2000; i++) {
			UTCB0->mr[0] = i;
			UTCB0->mr[1] = c;
			UTCB0->mr[2] = 7;
			struct l4_result r = l4_call(ep, l4_tag(i & 0xff, 3, 0), L4_TIMEOUT_NEVER);
			CHECK_EQ(r.error, L4_OK);
			CHECK_EQ(l4_tag_label(r.tag), (i & 0xff) + 1);
			CHECK_EQ(UTCB0->mr[0], i + c + 7);
		}
		CHECK_EQ(l4_call(ep, l4_tag(0xdead, 0, 0), L4_TIMEOUT_NEVER).error, L4_OK);
		CHECK(l4_thread_join(t));
		CHECK_EQ(l4_thread_result(t), 0);
		l4_thread_kill(t);
	}
	drop(ep);
}

static volatile unsigned long woken;

static long notified(long n)
{
	for (;;) {
		struct l4_result r = l4_recv((l4_cap_t)n, L4_TIMEOUT_NEVER);
		if (r.error)
			return (long)r.error;
		if (r.badge & 0x8000)
			return 0;
		woken++;
	}
}

/* A thread on the last CPU waits on a notification signalled from CPU 0. */
static void notification_wakes_other_cpu(void)
{
	unsigned n = online();
	l4_cap_t nt = l4_make(L4_FACTORY_NOTIFICATION);

	CHECK(nt != L4_CAP_NONE);
	woken = 0;
	l4_cap_t t = l4_thread_start(notified, (long)nt, 100);
	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(l4_thread_set_cpu(t, n - 1), L4_OK);
	for (unsigned i = 1; i <= 200; i++) {
		CHECK_EQ(l4_send(nt, 0, L4_TIMEOUT_NEVER).error, L4_OK);
		/* It runs on its own CPU: wait for it without blocking this one. */
		for (unsigned spin = 0; woken < i && spin < 200; spin++)
			l4_spin_us(n > 1 ? 100 : 0), l4_yield();
		CHECK_EQ(woken, i);
	}
	l4_cap_t stop = l4_slot_alloc();
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, nt, stop, L4_CAP_RIGHT_WRITE, 0x8000).error, L4_OK);
	CHECK_EQ(l4_send(stop, 0, L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK(l4_thread_join(t));
	l4_thread_kill(t);
	drop(stop);
	drop(nt);
}

static volatile unsigned long spins;

static long spin_forever(long arg)
{
	(void)arg;
	for (;;)
		spins++;
	return 0;
}

/* A thread that spins is moved from CPU to CPU while it runs; it goes on
 * counting on each (on one CPU: while this one blocks). */
static void running_thread_moves(void)
{
	unsigned n = online();
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	spins = 0;
	l4_cap_t t = l4_thread_start(spin_forever, 0, 100);
	CHECK(t != L4_CAP_NONE);
	for (unsigned round = 0; round < 3 * n + 3; round++) {
		unsigned c = (round + 1) % n;
		CHECK_EQ(l4_thread_set_cpu(t, c), L4_OK);
		CHECK_EQ(l4_thread_get_cpu(t, NULL), c);
		unsigned long before = spins;
		for (unsigned wait = 0; spins == before && wait < 100; wait++)
			CHECK_EQ(l4_recv(ep, 1000).error, L4_ETIMEOUT);    /* blocks us: it may run here too */
		CHECK(spins != before);
	}
	l4_thread_kill(t);
	drop(ep);
}

static long receive_once(long ep)
{
	struct l4_result r = l4_recv((l4_cap_t)ep, 200000);   /* 200 ms */

	return r.error ? -(long)r.error : (long)l4_utcb()->mr[0];
}

/* A thread blocked in a receive (with a timeout) is moved to another CPU;
 * a message then reaches it there, and a timeout fires there. */
static void blocked_thread_moves(void)
{
	unsigned n = online();
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	for (unsigned c = 0; c < n; c++) {
		l4_cap_t t = l4_thread_start(receive_once, (long)ep, 120);   /* runs at once, blocks */
		CHECK(t != L4_CAP_NONE);
		CHECK_EQ(l4_thread_set_cpu(t, (c + 1) % n), L4_OK);
		UTCB0->mr[0] = 0x5a00 + c;
		CHECK_EQ(l4_send(ep, l4_tag(1, 1, 0), 100000).error, L4_OK);
		CHECK(l4_thread_join(t));
		CHECK_EQ(l4_thread_result(t), 0x5a00 + c);
		l4_thread_kill(t);
		/* And one that is left to time out on its new CPU. */
		t = l4_thread_start(receive_once, (long)ep, 120);
		CHECK_EQ(l4_thread_set_cpu(t, c), L4_OK);
		CHECK(l4_thread_join(t));
		CHECK_EQ(l4_thread_result(t), -(long)L4_ETIMEOUT);
		l4_thread_kill(t);
	}
	drop(ep);
}

const struct ktest ktests_smp[] = {
	{ "smp/cpus-are-numbered", cpus_are_numbered },
	{ "smp/call-reply-across-cpus", call_reply_across_cpus },
	{ "smp/notification-wakes-other-cpu", notification_wakes_other_cpu },
	{ "smp/running-thread-moves", running_thread_moves },
	{ "smp/blocked-thread-moves", blocked_thread_moves },
	{ NULL, NULL },
};
