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

const struct ktest ktests_io[] = {
	{ "io/no-ports-by-default", no_ports_by_default },
	{ "io/window-is-required", window_is_required },
	{ "io/sigma0-gives-ports", sigma0_gives_ports },
	{ "io/map-to-task-and-revoke", map_to_task_and_revoke },
	{ "io/bad-io-items", bad_io_items },
	{ NULL, NULL },
};
