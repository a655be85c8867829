/* SPDX-License-Identifier: GPL-2.0-only */
/* Synchronous IPC and notifications between threads. */
#include "ktest.h"

#define SERVER_PRIO 110
#define LOW_PRIO 90

/* An echo server: replies with the message it got, label + 1, and the
 * badge in the last word; stops on label 0xdead. */
static long echo_server(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	while (!r.error && l4_tag_label(r.tag) != 0xdead) {
		unsigned words = l4_tag_words(r.tag);
		if (words < L4_MR_COUNT)
			u->mr[words] = r.badge;
		r = l4_reply_wait((l4_cap_t)ep,
				  l4_tag(l4_tag_label(r.tag) + 1, words < L4_MR_COUNT ? words + 1 : words, 0),
				  L4_TIMEOUT_NEVER);
	}
	if (!r.error)
		l4_reply(0);
	return (long)r.error;
}

static void call_reply_all_lengths(void)
{
	static const unsigned lengths[] = { 0, 1, 4, 8, 16, 60, 63 };
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t srv = l4_thread_start(echo_server, (long)ep, SERVER_PRIO);

	CHECK(srv != L4_CAP_NONE);
	for (unsigned i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		unsigned n = lengths[i];
		for (unsigned w = 0; w < n; w++)
			UTCB0->mr[w] = 0x1000 * (i + 1) + w;
		struct l4_result r = l4_call(ep, l4_tag(40 + i, n, 0), L4_TIMEOUT_NEVER);
		CHECK_EQ(r.error, L4_OK);
		CHECK_EQ(l4_tag_label(r.tag), 41 + i);
		CHECK_EQ(l4_tag_words(r.tag), n + 1);
		CHECK_EQ(r.badge, 0);         /* replies carry no badge */
		for (unsigned w = 0; w < n; w++)
			CHECK_EQ(UTCB0->mr[w], 0x1000 * (i + 1) + w);
		CHECK_EQ(UTCB0->mr[n], 0);    /* the badge the server saw: unbadged */
	}
	CHECK_EQ(l4_call(ep, l4_tag(0xdead, 0, 0), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK(l4_thread_join(srv));
	CHECK_EQ(l4_thread_result(srv), L4_OK);
	l4_thread_kill(srv);
}

static void badge_reaches_receiver(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), b = l4_slot_alloc();
	l4_cap_t srv = l4_thread_start(echo_server, (long)ep, SERVER_PRIO);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b, L4_CAP_RIGHT_WRITE, 0x5eed).error, L4_OK);
	CHECK_EQ(l4_call(b, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0x5eed);
	CHECK_EQ(l4_call(ep, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0);
	l4_call(ep, l4_tag(0xdead, 0, 0), L4_TIMEOUT_NEVER);
	l4_thread_kill(srv);
}

static long sender(long ep)
{
	struct l4_utcb *u = l4_utcb();
	u->mr[0] = 0xabc;
	return (long)l4_send((l4_cap_t)ep, l4_tag(7, 1, 0), L4_TIMEOUT_NEVER).error;
}

static void send_to_waiting_and_to_queued(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	/* A lower-priority sender runs only once we block in receive. */
	l4_cap_t s = l4_thread_start(sender, (long)ep, LOW_PRIO);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);

	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), 7);
	CHECK_EQ(UTCB0->mr[0], 0xabc);
	CHECK(l4_thread_join(s));
	CHECK_EQ(l4_thread_result(s), L4_OK);
	l4_thread_kill(s);
	/* A higher-priority sender blocks in the queue until we receive. */
	s = l4_thread_start(sender, (long)ep, SERVER_PRIO);
	CHECK_EQ(L4_INVOKE(s, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_SEND_BLOCKED);
	r = l4_recv(ep, L4_TIMEOUT_POLL);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0xabc);
	l4_thread_kill(s);
}

static void poll_timeouts(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	CHECK_EQ(l4_send(ep, 0, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	CHECK_EQ(l4_call(ep, 0, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
}

static void relative_timeouts(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	unsigned long long t0 = l4_rdtsc();

	CHECK_EQ(l4_recv(ep, 3000).error, L4_ETIMEOUT);
	/* It blocked (for timer ticks), rather than failing at once like a poll. */
	CHECK(l4_rdtsc() - t0 >= l4_boot_info->tsc_khz);
	CHECK_EQ(l4_call(ep, 0, 2000).error, L4_ETIMEOUT);
	CHECK_EQ(l4_send(ep, 0, 1000).error, L4_ETIMEOUT);
	/* After the timeouts the endpoint is idle again. */
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
}

static long prio_sender(long ep)
{
	return (long)l4_send((l4_cap_t)ep, l4_tag(0, 0, 0), L4_TIMEOUT_NEVER).error;
}

static void queue_is_priority_ordered(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), a = l4_slot_alloc(), b = l4_slot_alloc(), c = l4_slot_alloc();

	/* Three senders with badges 1, 2, 3 at priorities 101, 103, 102. */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, a, L4_CAP_RIGHTS_ALL, 1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b, L4_CAP_RIGHTS_ALL, 2);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, c, L4_CAP_RIGHTS_ALL, 3);
	l4_cap_t t1 = l4_thread_start(prio_sender, (long)a, 101);
	l4_cap_t t2 = l4_thread_start(prio_sender, (long)b, 103);
	l4_cap_t t3 = l4_thread_start(prio_sender, (long)c, 102);
	CHECK(t1 != L4_CAP_NONE && t2 != L4_CAP_NONE && t3 != L4_CAP_NONE);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).badge, 2);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).badge, 3);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).badge, 1);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	l4_thread_kill(t1);
	l4_thread_kill(t2);
	l4_thread_kill(t3);
}

static l4_cap_t cap_window;      /* two free slots from an even one (the allocator's) */

static long cap_receiver(long ep)
{
	struct l4_utcb *u = l4_utcb();
	u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(cap_window, 1, 0);
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	if (r.error)
		return -(long)r.error;
	return (long)(u->mr[1] == 0 ? 0x100 : 0) | (long)l4_tag_items(r.tag);
}

static void capability_transfer(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), gift = l4_make(L4_FACTORY_NOTIFICATION), ro = l4_slot_alloc();

	cap_window = l4_slot_alloc();
	if (cap_window & 1)
		cap_window = l4_slot_alloc();
	l4_slot_alloc();                                      /* (the window's second slot) */
	l4_cap_t t = l4_thread_start(cap_receiver, (long)ep, SERVER_PRIO);
	/* Without the grant right, no items may go through. */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, ep, ro, L4_CAP_RIGHT_WRITE);
	UTCB0->mr[0] = L4_ITEM_MAP;
	UTCB0->mr[1] = l4_fpage_cap(gift, 0, L4_CAP_RIGHT_WRITE);
	CHECK_EQ(l4_send(ro, l4_tag(1, 0, 1), L4_TIMEOUT_NEVER).error, L4_ERIGHTS);
	CHECK_EQ(l4_send(ep, l4_tag(1, 0, 1), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, cap_window).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_OBJ_NOTIFICATION);
	CHECK_EQ(l4_utcb()->mr[1], L4_CAP_RIGHT_WRITE);
	l4_thread_kill(t);
	/* The window's slot is now taken: the item fails, the receiver sees it empty. */
	t = l4_thread_start(cap_receiver, (long)ep, SERVER_PRIO);
	UTCB0->mr[0] = L4_ITEM_MAP;
	UTCB0->mr[1] = l4_fpage_cap(gift, 0, L4_CAP_RIGHT_WRITE);
	CHECK_EQ(l4_send(ep, l4_tag(1, 0, 1), L4_TIMEOUT_NEVER).error, L4_EBUSY);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x101);
	l4_thread_kill(t);
	/* Slot 600 is l4_slot_alloc's too, later in the suite. */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, 600);
}

static long caller(long ep)
{
	return (long)l4_call((l4_cap_t)ep, l4_tag(3, 0, 0), L4_TIMEOUT_NEVER).error;
}

static void reply_right_is_one_shot(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t c1 = l4_thread_start(caller, (long)ep, SERVER_PRIO);
	l4_cap_t c2 = l4_thread_start(caller, (long)ep, SERVER_PRIO);

	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_OK);
	/* Receiving the second call drops the first caller's reply right. */
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_OK);
	CHECK(l4_thread_join(c1));
	CHECK_EQ(l4_thread_result(c1), L4_ECANCELED);
	CHECK_EQ(l4_reply(l4_tag(0, 0, 0)), L4_OK);
	CHECK(l4_thread_join(c2));
	CHECK_EQ(l4_thread_result(c2), L4_OK);
	CHECK_EQ(l4_reply(0), L4_ENOREPLY);
	l4_thread_kill(c1);
	l4_thread_kill(c2);
}

/* Receives a call and never replies: it blocks in a second receive. */
static long stalled_server(long ep)
{
	l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static void killed_server_cancels_caller(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t srv = l4_thread_start(stalled_server, (long)ep, SERVER_PRIO);
	l4_cap_t c = l4_thread_start(caller, (long)ep, SERVER_PRIO + 1);

	/* c called, srv received and now owes the reply. */
	CHECK_EQ(L4_INVOKE(c, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_REPLY_BLOCKED);
	l4_thread_kill(srv);
	CHECK(l4_thread_join(c));
	CHECK_EQ(l4_thread_result(c), L4_ECANCELED);
	l4_thread_kill(c);
}

static long notified(long n)
{
	struct l4_result r = l4_recv((l4_cap_t)n, L4_TIMEOUT_NEVER);
	return r.error ? -1 : (long)r.badge;
}

static void notifications(void)
{
	l4_cap_t n = l4_make(L4_FACTORY_NOTIFICATION), b1 = l4_slot_alloc(), b4 = l4_slot_alloc();

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, n, b1, L4_CAP_RIGHT_WRITE, 1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, n, b4, L4_CAP_RIGHT_WRITE, 4);
	CHECK_EQ(l4_recv(n, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	/* Signals accumulate; a wait collects and clears them. */
	CHECK_EQ(l4_send(b1, 0, L4_TIMEOUT_POLL).error, L4_OK);
	CHECK_EQ(l4_send(b4, 0, L4_TIMEOUT_POLL).error, L4_OK);
	CHECK_EQ(l4_send(b4, 0, L4_TIMEOUT_POLL).error, L4_OK);
	struct l4_result r = l4_recv(n, L4_TIMEOUT_POLL);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(r.badge, 5);
	CHECK_EQ(l4_recv(n, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	/* A blocked waiter wakes with the bits; signalling never blocks. */
	l4_cap_t t = l4_thread_start(notified, (long)n, SERVER_PRIO);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_NOTIFY_BLOCKED);
	CHECK_EQ(l4_send(b4, 0, L4_TIMEOUT_POLL).error, L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 4);
	l4_thread_kill(t);
	/* An unbadged capability signals bit 0; a read-only one cannot signal. */
	l4_cap_t ro = l4_slot_alloc();
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, n, ro, L4_CAP_RIGHT_READ);
	CHECK_EQ(l4_send(ro, 0, L4_TIMEOUT_POLL).error, L4_ERIGHTS);
	CHECK_EQ(l4_send(n, 0, L4_TIMEOUT_POLL).error, L4_OK);
	CHECK_EQ(l4_recv(n, L4_TIMEOUT_POLL).badge, 1);
	CHECK_EQ(l4_recv(n, 1000).error, L4_ETIMEOUT);
}

/*
 * A queued sender's message is the one the kernel checked when it blocked.
 * A thread of the sender's task rewrites the blocked sender's tag (RSI)
 * before the receiver comes: to more words than there are message
 * registers (they would spill over the receiver's buffer registers), or
 * to a typed item the sender's capability has no GRANT right for (a map
 * item through the receiver's window). The receiver must get the words
 * that were sent, and nothing else may change. (Security review, finding 1.)
 */
#define FORGE_VICTIM 0x28000000ull      /* the receiver's page, in its window */
#define FORGE_SOURCE 0x28010000ull      /* the page the forged item would map */
#define FORGE_SENT_WORDS 2

static long forged_sender(long arg)
{
	struct l4_utcb *u = l4_utcb();
	l4_cap_t cap = (l4_cap_t)(arg & 0xffff);
	bool call = arg >> 16;

	for (unsigned i = 0; i < L4_MR_COUNT; i++)
		u->mr[i] = 0xf0f0000000000000ull + i;
	/* What a forged tag would take for items: a map item right after the
	 * words, and (for 72 words) in the buffer and user registers. */
	u->mr[FORGE_SENT_WORDS] = L4_ITEM_MAP;
	u->mr[FORGE_SENT_WORDS + 1] = l4_fpage_mem(FORGE_SOURCE, 12, L4_FP_RW);
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(0, 47, 0);    /* "the whole space" */
	u->user[0] = L4_ITEM_MAP;
	u->user[1] = l4_fpage_mem(FORGE_SOURCE, 12, L4_FP_RW);
	l4_word_t tag = l4_tag(0x7a, FORGE_SENT_WORDS, 0);
	return (long)(call ? l4_call(cap, tag, L4_TIMEOUT_NEVER) : l4_send(cap, tag, L4_TIMEOUT_NEVER)).error;
}

static void forge_case(l4_cap_t ep, l4_cap_t wonly, l4_word_t forged, bool call)
{
	l4_cap_t s = l4_thread_start(forged_sender, (long)wonly | (long)call << 16, SERVER_PRIO);

	CHECK(s != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(s, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_SEND_BLOCKED);
	/* Its task (we) rewrites its tag register while it waits in the queue. */
	CHECK_EQ(L4_INVOKE(s, L4_THREAD_READ_REGS).error, L4_OK);
	UTCB0->mr[L4_REG_RSI] = forged;
	CHECK_EQ(l4_call(s, l4_tag(L4_THREAD_WRITE_REGS, L4_REG_COUNT, 0), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK_EQ(L4_INVOKE(s, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_SEND_BLOCKED);
	/* The receiver: a window over its own page, and marks in the registers
	 * that only a message longer than 64 words could reach. */
	for (unsigned i = 0; i < L4_MR_COUNT; i++)
		UTCB0->mr[i] = 0;
	UTCB0->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(FORGE_VICTIM, 12, 0);
	for (unsigned i = 3; i < L4_BR_COUNT; i++)
		UTCB0->br[i] = 0xb0b0 + i;
	for (unsigned i = 0; i < 8; i++)
		UTCB0->user[i] = 0x5050 + i;
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_POLL);
	l4_word_t window = UTCB0->br[L4_BR_MEM_WINDOW];
	UTCB0->br[L4_BR_MEM_WINDOW] = 0;
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(r.tag, l4_tag(0x7a, FORGE_SENT_WORDS, 0));
	CHECK_EQ(UTCB0->mr[0], 0xf0f0000000000000ull);
	CHECK_EQ(UTCB0->mr[FORGE_SENT_WORDS - 1], 0xf0f0000000000000ull + FORGE_SENT_WORDS - 1);
	CHECK_EQ(UTCB0->mr[FORGE_SENT_WORDS], 0);          /* nothing past the words sent */
	CHECK_EQ(UTCB0->mr[L4_MR_COUNT - 1], 0);
	CHECK_EQ(window, l4_fpage_mem(FORGE_VICTIM, 12, 0));
	for (unsigned i = 3; i < L4_BR_COUNT; i++)
		CHECK_EQ(UTCB0->br[i], 0xb0b0 + i);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(UTCB0->user[i], 0x5050 + i);
	CHECK_EQ(*(volatile l4_word_t *)FORGE_VICTIM, 0x71c7140);   /* still our own page */
	if (call)
		CHECK_EQ(l4_reply(l4_tag(0, 0, 0)), L4_OK);
	CHECK(l4_thread_join(s));
	CHECK_EQ(l4_thread_result(s), L4_OK);
	l4_thread_kill(s);
}

static void queued_sender_tag_cannot_be_forged(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), wonly = l4_slot_alloc();
	l4_word_t err;

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, ep, wonly, L4_CAP_RIGHT_WRITE).error, L4_OK);
	l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(FORGE_VICTIM, 12, 0), &err);
	CHECK_EQ(err, L4_OK);
	l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(FORGE_SOURCE, 12, 0), &err);
	CHECK_EQ(err, L4_OK);
	*(volatile l4_word_t *)FORGE_VICTIM = 0x71c7140;
	*(volatile l4_word_t *)FORGE_SOURCE = 0xbadbad;
	/* The review's attack: 72 words and an item (send and call); then more
	 * words alone, and an item alone. */
	const l4_word_t forged[] = {
		l4_tag(0x7a, 72, 1), l4_tag(0x7a, 72, 0), l4_tag(0x7a, FORGE_SENT_WORDS, 1),
		l4_tag(0x7a, L4_MR_COUNT, 0),
	};
	for (unsigned i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		for (int call = 0; call < 2; call++) {
			forge_case(ep, wonly, forged[i], call);
			if (ktest_failed())
				return;
		}
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, wonly);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep);
}

/* Receives one message with no capability window (br zeroed). */
static long receive_without_window(long ep)
{
	l4_utcb()->br[L4_BR_CAP_WINDOW] = 0;
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

/*
 * A call whose message reaches a waiting receiver but whose transfer
 * fails (a capability item, the receiver has no window) returns the
 * error at once: the caller does not wait for a reply, so its timeout
 * must not stay armed (found by fuzz/concurrent-syscalls, seed 1: the
 * caller, still in the timeout list, was inserted twice by its next
 * call, which cut other threads out of the list).
 */
static void failed_call_leaves_no_timeout(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t srv = l4_thread_start(receive_without_window, (long)ep, SERVER_PRIO);

	CHECK(srv != L4_CAP_NONE);
	l4_item_cap(&UTCB0->mr[0], ep, L4_CAP_RIGHTS_ALL);
	CHECK_EQ(l4_call(ep, l4_tag(1, 0, 1), 50000).error, L4_EMSG);
	CHECK(l4_thread_join(srv));
	CHECK_EQ(l4_thread_result(srv), L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0);
	/* Past the timeout, nothing wakes us twice. */
	l4_sleep_us(80000);
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0);
	l4_thread_kill(srv);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep);
}

const struct ktest ktests_ipc[] = {
	{ "ipc/call-reply-all-lengths", call_reply_all_lengths },
	{ "ipc/badge-reaches-receiver", badge_reaches_receiver },
	{ "ipc/send-to-waiting-and-queued", send_to_waiting_and_to_queued },
	{ "ipc/poll-timeouts", poll_timeouts },
	{ "ipc/relative-timeouts", relative_timeouts },
	{ "ipc/queue-is-priority-ordered", queue_is_priority_ordered },
	{ "ipc/capability-transfer", capability_transfer },
	{ "ipc/reply-right-is-one-shot", reply_right_is_one_shot },
	{ "ipc/killed-server-cancels-caller", killed_server_cancels_caller },
	{ "ipc/notifications", notifications },
	{ "ipc/queued-sender-tag-cannot-be-forged", queued_sender_tag_cannot_be_forged },
	{ "ipc/failed-call-leaves-no-timeout", failed_call_leaves_no_timeout },
	{ NULL, NULL },
};
