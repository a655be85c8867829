/* SPDX-License-Identifier: GPL-2.0-only */
/* I/O ports: none by default, given by sigma0, mapped on and revoked. */
#include "ktest.h"

#define TEST_PORT 0x80          /* the POST diagnostic port: reading it is harmless */
#define VEC_GP 13

static long io_reader(long port)
{
	unsigned char v;

	__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"((unsigned short)port));
	return 1;
}

/* Runs an inb of port in a thread of task: 1 if it worked, 0 if it raised
 * #GP (reported to an exception handler), -1 for anything else. */
static int try_port(l4_cap_t task, unsigned port)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	if (task != L4_CAP_TASK && l4_give_cap(task, ep))
		return -1;
	l4_cap_t t = l4_thread_start_in(task, io_reader, (long)port, 50);
	if (t == L4_CAP_NONE || L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, ep).error)
		return -1;
	struct l4_result r = l4_recv(ep, 20000);
	int result = -1;
	if (r.error == L4_ETIMEOUT && l4_thread_result(t) == 1)
		result = 1;
	else if (!r.error && l4_tag_label(r.tag) == L4_LABEL_EXCEPTION && UTCB0->mr[L4_EXC_VECTOR] == VEC_GP)
		result = 0;
	l4_thread_kill(t);
	return result;
}

/* Asks sigma0 for ports, accepting them through the I/O window `window`. */
static l4_word_t sigma0_io_window(unsigned port, unsigned order, l4_word_t window)
{
	UTCB0->br[L4_BR_IO_WINDOW] = window;
	UTCB0->mr[0] = port;
	UTCB0->mr[1] = order;
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_IO, 2, 0), L4_TIMEOUT_NEVER);
	UTCB0->br[L4_BR_IO_WINDOW] = 0;
	return r.error ? r.error : l4_tag_label(r.tag);
}

static void no_ports_by_default(void)
{
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT), 0);
	CHECK_EQ(try_port(L4_CAP_TASK, 0x3f8), 0);     /* the kernel's own console */
}

static void window_is_required(void)
{
	/* Without an I/O window the ports do not arrive (the reply says so). */
	CHECK_EQ(sigma0_io_window(TEST_PORT + 4, 0, 0), L4_EMSG);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT + 4), 0);
	/* A window that does not cover them is no better. */
	CHECK_EQ(sigma0_io_window(TEST_PORT + 4, 0, l4_fpage_io(0x100, 4)), L4_EMSG);
}

static void sigma0_gives_ports(void)
{
	CHECK_EQ(sigma0_io_window(TEST_PORT, 1, l4_fpage_io(TEST_PORT, 4)), L4_OK);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT), 1);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT + 1), 1);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT + 2), 0);
	/* Again: idempotent. */
	CHECK_EQ(sigma0_io_window(TEST_PORT, 0, l4_fpage_io(TEST_PORT, 4)), L4_OK);
	CHECK_EQ(sigma0_io_window(0, 17, l4_fpage_io(0, 16)), L4_EINVAL);
	CHECK_EQ(sigma0_io_window(3, 1, l4_fpage_io(0, 16)), L4_EINVAL);
}

static void map_to_task_and_revoke(void)
{
	l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096);

	CHECK(b != L4_CAP_NONE && c != L4_CAP_NONE);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT), 1);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(TEST_PORT, 0)).error, L4_OK);
	CHECK_EQ(try_port(b, TEST_PORT), 1);
	/* The bitmap follows the task: C, run right after B, has no ports. */
	CHECK_EQ(try_port(c, TEST_PORT), 0);
	CHECK_EQ(try_port(b, TEST_PORT + 1), 0);
	/* Unmapping our port (not ourselves) takes it from B; we keep it. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_io(TEST_PORT, 0), 0).error, L4_OK);
	CHECK_EQ(try_port(b, TEST_PORT), 0);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT), 1);
	/* Ports we do not hold map nothing. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(0x60, 0)).error, L4_OK);
	CHECK_EQ(try_port(b, 0x60), 0);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c);
}

static void bad_io_items(void)
{
	l4_cap_t b = l4_task_share_image(4096);

	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(0, 17)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(TEST_PORT + 1, 1)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(0xfff0, 5)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_io(1, 1), 0).error, L4_EMSG);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

/*
 * A task created in the memory of a dead task that had ports must not run
 * with the dead task's I/O bitmap (review finding 5: the TSS's copy was
 * keyed by the space's address and a per-space change count, which the
 * new task could match). A dies with TEST_PORT; B, made in A's place,
 * gets TEST_PORT + 1 from a queued sender, then tries both. Only tasks
 * without ports may run between A and B, or their bitmap would replace
 * A's in the TSS anyway: a controller task R (ours has ports) deletes A
 * and makes B, while our main thread waits on rec_done.
 */
static l4_cap_t rec_a, rec_e, rec_exc, rec_done;     /* the same slots in R */
static volatile int rec_stage;

static void inb_port(unsigned port)
{
	unsigned char v;

	__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"((unsigned short)port));
}

/* In our task: waits in rec_e's queue with TEST_PORT + 1 for whoever receives. */
static long rec_port_giver(long e)
{
	l4_utcb()->mr[0] = L4_ITEM_MAP;
	l4_utcb()->mr[1] = l4_fpage_io(TEST_PORT + 1, 0);
	return (long)l4_send((l4_cap_t)e, l4_tag(1, 0, 1), L4_TIMEOUT_NEVER).error;
}

/* In B: takes the port, then reads it and A's port. */
static long rec_b(long e)
{
	l4_utcb()->br[L4_BR_IO_WINDOW] = l4_fpage_io(TEST_PORT, 1);
	if (l4_recv((l4_cap_t)e, L4_TIMEOUT_NEVER).error)
		return -1;
	rec_stage = 1;
	inb_port(TEST_PORT + 1);
	rec_stage = 2;
	inb_port(TEST_PORT);
	rec_stage = 3;
	return 1;
}

/* In R: 2 if B got its own port and faulted on A's, else what went wrong. */
static long rec_controller(long arg)
{
	long result = -2;

	(void)arg;
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, rec_a);       /* A is gone */
	l4_cap_t b = l4_task_share_image(4096);
	l4_cap_t t = b == L4_CAP_NONE || l4_give_cap(b, rec_e) ? L4_CAP_NONE :
		     l4_thread_start_in(b, rec_b, (long)rec_e, 75);
	if (t != L4_CAP_NONE && !L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, rec_exc).error) {
		struct l4_result r = l4_recv(rec_exc, 200000);
		bool gp = !r.error && l4_tag_label(r.tag) == L4_LABEL_EXCEPTION &&
			  l4_utcb()->mr[L4_EXC_VECTOR] == VEC_GP;
		result = gp ? rec_stage : 10 + rec_stage;
	}
	if (t != L4_CAP_NONE)
		l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	l4_send(rec_done, 0, L4_TIMEOUT_NEVER);
	return result;
}

/* Gives task our capability in slot at the same slot (grant: moves it). */
static l4_word_t give_at(l4_cap_t task, l4_cap_t slot, bool grant)
{
	return L4_INVOKE(task, L4_TASK_MAP, (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | slot << 12,
			 l4_fpage_cap(slot, 0, L4_CAP_RIGHTS_ALL)).error;
}

static void recycled_task_gets_no_ports(void)
{
	l4_cap_t r = l4_task_share_image(4096);

	rec_a = l4_task_share_image(4096);
	rec_e = l4_make(L4_FACTORY_ENDPOINT);
	rec_exc = l4_make(L4_FACTORY_ENDPOINT);
	rec_done = l4_make(L4_FACTORY_ENDPOINT);
	rec_stage = 0;
	CHECK(r != L4_CAP_NONE && rec_a != L4_CAP_NONE);
	CHECK_EQ(try_port(L4_CAP_TASK, TEST_PORT + 1), 1);        /* we hold both ports */
	CHECK_EQ(L4_INVOKE(rec_a, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(TEST_PORT, 0)).error, L4_OK);
	/* R gets its own task, our factory, A (the original) and the endpoints. */
	CHECK_EQ(L4_INVOKE(r, L4_TASK_MAP, L4_ITEM_MAP | L4_CAP_TASK << 12,
			   l4_fpage_cap(r, 0, L4_CAP_RIGHTS_ALL)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(r, L4_TASK_MAP, L4_ITEM_MAP | L4_CAP_FACTORY << 12,
			   l4_fpage_cap(L4_CAP_FACTORY, 0, L4_CAP_RIGHTS_ALL)).error, L4_OK);
	CHECK_EQ(give_at(r, rec_e, false), L4_OK);
	CHECK_EQ(give_at(r, rec_exc, false), L4_OK);
	CHECK_EQ(give_at(r, rec_done, false), L4_OK);
	l4_cap_t giver = l4_thread_start(rec_port_giver, (long)rec_e, 120);   /* queues at once */
	CHECK(giver != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(giver, L4_THREAD_SET_PRIO, 70).error, L4_OK);      /* below B's thread */
	/* A's thread reads its port once we wait; then R takes over. */
	l4_cap_t a_thread = l4_thread_start_in(rec_a, io_reader, TEST_PORT, 90);
	CHECK(a_thread != L4_CAP_NONE);
	CHECK_EQ(give_at(r, rec_a, true), L4_OK);
	l4_cap_t c = l4_thread_start_in(r, rec_controller, 0, 80);
	CHECK(c != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(c, L4_THREAD_SET_MCP, 80).error, L4_OK);     /* (before it runs) */
	l4_word_t waited = l4_recv(rec_done, 5000000).error;     /* (a timeout is a failure) */
	CHECK_EQ(waited, L4_OK);
	CHECK(l4_thread_join(c));
	CHECK_EQ(l4_thread_result(a_thread), 1);                  /* A could use its port */
	CHECK_EQ(l4_thread_result(c), 2);                         /* B its own, not A's */
	l4_thread_kill(c);
	l4_thread_kill(a_thread);
	l4_thread_kill(giver);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, r);
}

const struct ktest ktests_io[] = {
	{ "io/no-ports-by-default", no_ports_by_default },
	{ "io/window-is-required", window_is_required },
	{ "io/sigma0-gives-ports", sigma0_gives_ports },
	{ "io/map-to-task-and-revoke", map_to_task_and_revoke },
	{ "io/bad-io-items", bad_io_items },
	{ "io/recycled-task-gets-no-ports", recycled_task_gets_no_ports },
	{ NULL, NULL },
};
