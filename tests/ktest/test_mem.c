/* SPDX-License-Identifier: GPL-2.0-only */
/* Memory: sigma0, map, grant, recursive unmap, pagers, IPC between tasks. */
#include "ktest.h"

#define WINDOW_BASE 0x20000000ull
#define HIGH 120                 /* test threads outrank the main thread (100) */

static l4_word_t window(l4_word_t base, unsigned order)
{
	return l4_fpage_mem(base, order, 0);
}

/* Allocates one page from sigma0 into our space at va. */
static l4_word_t get_page(l4_word_t va)
{
	l4_word_t err;

	return l4_sigma0_alloc(L4_SIGMA0_ANY, 12, window(va, 12), &err);
}

static long reader(long addr)
{
	return *(volatile long *)addr;
}

static long writer(long addr)
{
	*(volatile long *)addr = 0x77;
	return 1;
}

static void sigma0_alloc_and_use(void)
{
	l4_word_t err, va = WINDOW_BASE;
	l4_word_t pa = l4_sigma0_alloc(L4_SIGMA0_ANY, 12, window(va, 12), &err);

	CHECK_EQ(err, L4_OK);
	CHECK(pa != ~0ull && (pa & 0xfff) == 0);
	volatile l4_word_t *p = (l4_word_t *)va;
	p[0] = 0x1234abcd;
	p[511] = ~0x1234abcdull;
	CHECK_EQ(p[0], 0x1234abcd);
	CHECK_EQ(p[511], ~0x1234abcdull);
	/* Asking for the same page again is fine; it stays ours. */
	CHECK_EQ(l4_sigma0_alloc(pa, 12, window(va, 12), &err), pa);
	CHECK_EQ(p[0], 0x1234abcd);
	/* A 64 KiB run lands whole in a window of its size. */
	l4_word_t big = l4_sigma0_alloc(L4_SIGMA0_ANY, 16, window(WINDOW_BASE + 0x10000, 16), &err);
	CHECK_EQ(err, L4_OK);
	CHECK_EQ(big & 0xffff, 0);
	for (l4_word_t off = 0; off < 0x10000; off += 4096)
		*(volatile l4_word_t *)(WINDOW_BASE + 0x10000 + off) = off;
	CHECK_EQ(*(volatile l4_word_t *)(WINDOW_BASE + 0x1f000), 0xf000);
	/* sigma0 counts what we hold. */
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_INFO, 0, 0), L4_TIMEOUT_NEVER);
	CHECK_EQ(r.error, L4_OK);
	CHECK(UTCB0->mr[2] >= 17);
	CHECK(UTCB0->mr[1] < UTCB0->mr[0]);
}

static void sigma0_refuses_bad_requests(void)
{
	l4_word_t err;

	l4_sigma0_alloc(0x100000, 12, window(WINDOW_BASE + 0x40000, 12), &err);   /* the kernel */
	CHECK_EQ(err, L4_EINVAL);
	l4_sigma0_alloc(L4_SIGMA0_ANY, 30, window(WINDOW_BASE, 30), &err);
	CHECK_EQ(err, L4_EINVAL);
	l4_sigma0_alloc(L4_SIGMA0_ANY, 11, window(WINDOW_BASE, 12), &err);
	CHECK_EQ(err, L4_EINVAL);
	l4_sigma0_alloc(0x12345, 12, window(WINDOW_BASE, 12), &err);
	CHECK_EQ(err, L4_EINVAL);
	CHECK_EQ(l4_tag_label(l4_call(L4_CAP_PAGER, l4_tag(99, 0, 0), L4_TIMEOUT_NEVER).tag),
		 L4_ENOSYS);
}

static void map_to_other_task(void)
{
	l4_word_t va = WINDOW_BASE + 0x80000;
	l4_cap_t b = l4_task_share_image(4096);

	CHECK(b != L4_CAP_NONE);
	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0x5a5a;
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 12, L4_FP_RW)).error,
		 L4_OK);
	l4_cap_t t = l4_thread_start_in(b, reader, 0x30000000, HIGH);
	CHECK(t != L4_CAP_NONE);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x5a5a);
	l4_thread_kill(t);
	/* Writes through the other task's mapping show here: the same page. */
	t = l4_thread_start_in(b, writer, 0x30000000, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(*(volatile long *)va, 0x77);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

/* RAM is write-back in every mapping: an uncached or write-through alias of
 * it is refused (review finding 9: x86 leaves mixed types undefined), for
 * tasks and VMs alike; other memory types are malformed. */
static void memory_types_of_a_mapping(void)
{
	l4_word_t va = WINDOW_BASE + 0x88000;
	l4_cap_t b = l4_task_share_image(4096), vm = l4_slot_alloc();

	CHECK(b != L4_CAP_NONE);
	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0x6b6b;
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | L4_ITEM_UNCACHED | 0x30000000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | L4_ITEM_WRITE_THROUGH | 0x30001000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | L4_ITEM_UNCACHED | 0x30001000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EINVAL);
	/* Nothing was mapped: a read there faults (no pager: the thread stops). */
	l4_cap_t t = l4_thread_start_in(b, reader, 0x30000000, HIGH);
	l4_sleep_us(2000);
	CHECK_EQ(l4_thread_result(t), -1);
	l4_thread_kill(t);
	/* Write-back is the same memory. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | L4_ITEM_WRITE_BACK | 0x30002000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_OK);
	t = l4_thread_start_in(b, reader, 0x30002000, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x6b6b);
	l4_thread_kill(t);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30 | 0x30002000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x80 | 0x30002000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EMSG);
	/* Guest memory: the same rule for the EPT (a VM task exists without VT-x too). */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | L4_ITEM_UNCACHED | 0x1000,
			   l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0x1000, l4_fpage_mem(va, 12, L4_FP_RW)).error, L4_OK);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static void read_only_mapping_faults_on_write(void)
{
	l4_word_t va = WINDOW_BASE + 0x90000;
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 12, L4_FP_R)).error,
		 L4_OK);
	CHECK_EQ(l4_give_cap(b, ep), L4_OK);
	l4_cap_t t = l4_thread_start_in(b, writer, 0x30000000, 50);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_PAGER, ep).error, L4_OK);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_PAGE_FAULT);
	CHECK_EQ(UTCB0->mr[0], 0x30000000);
	CHECK_EQ(UTCB0->mr[2] & (L4_FAULT_WRITE | L4_FAULT_PRESENT), L4_FAULT_WRITE | L4_FAULT_PRESENT);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

/* Maps the page at `from` of its own task to task `to` at 0x31000000. */
static long map_onward(long to)
{
	struct l4_utcb *u = l4_utcb();
	u->mr[0] = L4_ITEM_MAP | 0x31000000;
	u->mr[1] = l4_fpage_mem(0x30000000, 12, L4_FP_RW);
	return (long)l4_call((l4_cap_t)to, l4_tag(L4_TASK_MAP, 2, 0), L4_TIMEOUT_NEVER).error;
}

static void unmap_is_recursive(void)
{
	l4_word_t va = WINDOW_BASE + 0xa0000;
	l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0x600d;
	/* us -> B at 0x30000000 -> C at 0x31000000 */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 12, L4_FP_RW)).error,
		 L4_OK);
	CHECK_EQ(l4_give_cap(b, c), L4_OK);
	l4_cap_t t = l4_thread_start_in(b, map_onward, (long)c, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), L4_OK);
	l4_thread_kill(t);
	t = l4_thread_start_in(c, reader, 0x31000000, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x600d);
	l4_thread_kill(t);
	/* Unmapping our page (not ourselves) takes it from B and C. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(va, 12, L4_FP_RWX), 0).error, L4_OK);
	CHECK_EQ(*(volatile long *)va, 0x600d);
	CHECK_EQ(l4_give_cap(c, ep), L4_OK);
	t = l4_thread_start_in(c, reader, 0x31000000, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_PAGE_FAULT);
	CHECK_EQ(UTCB0->mr[0], 0x31000000);
	CHECK_EQ(UTCB0->mr[2] & L4_FAULT_PRESENT, 0);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c);
}

static void pager_resolves_fault(void)
{
	l4_word_t va = WINDOW_BASE + 0xb0000;
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0xfeed;
	l4_cap_t t = l4_thread_start_in(b, reader, 0x32000008, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0x32000008);
	/* The reply maps our page at the fault address; the thread goes on. */
	UTCB0->mr[0] = L4_ITEM_MAP | 0x32000000;
	UTCB0->mr[1] = l4_fpage_mem(va, 12, L4_FP_R);
	CHECK_EQ(l4_reply(l4_tag(0, 0, 1)), L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0);          /* offset 8 of the page */
	*(volatile long *)(va + 8) = 0xbeef;
	l4_thread_kill(t);
	t = l4_thread_start_in(b, reader, 0x32000008, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0xbeef);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static void grant_moves_the_page(void)
{
	l4_word_t va = WINDOW_BASE + 0xc0000;
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0x9123;
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | 0x33000000, l4_fpage_mem(va, 12, L4_FP_RW)).error,
		 L4_OK);
	l4_cap_t t = l4_thread_start_in(b, reader, 0x33000000, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x9123);
	l4_thread_kill(t);
	/* Gone from here: a thread of ours touching it faults to its pager. */
	t = l4_thread_start(reader, (long)va, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], va);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static void deleting_task_revokes_its_mappings(void)
{
	l4_word_t va = WINDOW_BASE + 0xd0000;
	l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 12, L4_FP_RW));
	l4_give_cap(b, c);
	l4_cap_t t = l4_thread_start_in(b, map_onward, (long)c, HIGH);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), L4_OK);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	l4_word_t used = UTCB0->mr[1];
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	CHECK(UTCB0->mr[1] < used);
	/* C's mapping came through B: it went with B. */
	l4_give_cap(c, ep);
	t = l4_thread_start_in(c, reader, 0x31000000, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	CHECK_EQ(l4_recv(ep, 100000).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0x31000000);
	l4_thread_kill(t);
	/* Our own page is untouched. */
	*(volatile long *)va = 3;
	CHECK_EQ(*(volatile long *)va, 3);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c);
}

static void bad_map_items(void)
{
	l4_word_t va = WINDOW_BASE + 0xe0000;
	l4_cap_t b = l4_task_share_image(4096);

	CHECK(get_page(va) != ~0ull);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 11, 7)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va, 23, 7)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000, l4_fpage_mem(va + 4096, 13, 7)).error,
		 L4_EMSG);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0xffff800000000000ull, l4_fpage_mem(va, 12, 7)).error,
		 L4_EFAULT);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x30000000,
			l4_fpage_mem(0xffffffff80100000ull, 12, 7)).error, L4_EFAULT);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(va, 12, 7), 2).error, L4_EINVAL);
	/* Our UTCB is the kernel's page: it cannot be mapped on (nothing arrives)... */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x34000000,
			l4_fpage_mem(L4_BOOT_UTCB_ADDR, 12, 7)).error, L4_OK);
	/* ...nor mapped over. */
	l4_cap_t t = l4_thread_start_in(b, reader, 0, 10);
	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	l4_word_t utcb = UTCB0->mr[2];
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | utcb, l4_fpage_mem(va, 12, 7)).error, L4_EBUSY);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static long window_receiver(long ep)
{
	struct l4_utcb *u = l4_utcb();
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(0x35000000, 16, 0);
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	if (r.error)
		return -1;
	return *(volatile long *)(0x35000000 + 0x3000);
}

static void ipc_map_into_receive_window(void)
{
	l4_word_t va = WINDOW_BASE + 0xf0000;
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	*(volatile long *)va = 0x1dea;
	l4_give_cap(b, ep);
	l4_cap_t t = l4_thread_start_in(b, window_receiver, (long)ep, HIGH);
	/* Send base 0x3000 within the receiver's 64 KiB window: lands at 0x35003000. */
	UTCB0->mr[0] = L4_ITEM_MAP | 0x3000;
	UTCB0->mr[1] = l4_fpage_mem(va, 12, L4_FP_R);
	CHECK_EQ(l4_send(ep, l4_tag(5, 0, 1), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 0x1dea);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static long inter_task_server(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	for (int i = 0; i < 3 && !r.error; i++) {
		u->mr[0] = u->mr[0] * 2;
		u->mr[1] = r.badge;
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(0, 2, 0), L4_TIMEOUT_NEVER);
	}
	return 0;
}

static void call_between_tasks(void)
{
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT), badged = l4_slot_alloc();

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, badged, L4_CAP_RIGHT_WRITE, 42);
	l4_give_cap(b, ep);
	l4_cap_t t = l4_thread_start_in(b, inter_task_server, (long)ep, HIGH);
	for (l4_word_t i = 1; i <= 3; i++) {
		UTCB0->mr[0] = i * 10;
		struct l4_result r = l4_call(badged, l4_tag(1, 1, 0), L4_TIMEOUT_NEVER);
		CHECK_EQ(r.error, L4_OK);
		CHECK_EQ(UTCB0->mr[0], i * 20);
		CHECK_EQ(UTCB0->mr[1], 42);
	}
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

/* A pager's mapping that fails would only repeat the fault: the thread's
 * exception handler gets it as exception 14; without one, it stops. */
static void failed_pager_mapping_is_an_exception(void)
{
	l4_word_t va = WINDOW_BASE + 0xf0000;
	l4_cap_t b = l4_task_share_image(4096), ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t exc = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(get_page(va) != ~0ull);
	l4_cap_t t = l4_thread_start_in(b, reader, 0x34000000, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, exc);
	struct l4_result r = l4_recv(ep, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0x34000000);
	UTCB0->mr[0] = 0xf | 0x34000000;                 /* no such item type */
	UTCB0->mr[1] = l4_fpage_mem(va, 12, L4_FP_R);
	CHECK_EQ(l4_reply(l4_tag(0, 0, 1)), L4_OK);
	r = l4_recv(exc, 100000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_EXCEPTION);
	CHECK_EQ(UTCB0->mr[L4_EXC_VECTOR], 14);
	CHECK_EQ(UTCB0->mr[L4_EXC_ERROR] & L4_FAULT_WRITE, 0);   /* a read */
	l4_thread_kill(t);
	/* A pager that maps nothing has the thread fault again (it may retry). */
	t = l4_thread_start_in(b, reader, 0x34000000, 50);
	L4_INVOKE(t, L4_THREAD_SET_PAGER, ep);
	CHECK_EQ(l4_recv(ep, 100000).error, L4_OK);
	CHECK_EQ(l4_reply(l4_tag(0, 0, 0)), L4_OK);
	CHECK_EQ(l4_recv(ep, 100000).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], 0x34000000);
	/* No exception handler apart from the pager: a failed mapping stops it. */
	UTCB0->mr[0] = 0xf | 0x34000000;
	UTCB0->mr[1] = l4_fpage_mem(va, 12, L4_FP_R);
	CHECK_EQ(l4_reply(l4_tag(0, 0, 1)), L4_OK);
	CHECK_EQ(l4_recv(ep, 100000).error, L4_ETIMEOUT);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_INACTIVE);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

/*
 * TLB tags (PCIDs) belong to live address spaces only: 10,000 tasks are
 * made and deleted, the last 64 kept alive at any time, and the kernel's
 * self-check (which finds any two live spaces with one tag) runs after
 * every 64. Meanwhile three live tasks (us, A, and a fresh B every 500)
 * have different frames at one address, and each reads its own. Tags were
 * handed out round robin before: after 4,094 tasks a new one shared
 * sigma0's or the root task's, and switching between them kept each
 * other's translations (review finding 2).
 */
#define TAG_ADDR (WINDOW_BASE + 0xa0000)
#define TAG_TASKS 10000
#define TAG_LIVE 64

static l4_word_t tag_read_in(l4_cap_t task)
{
	l4_cap_t t = l4_thread_start_in(task, reader, TAG_ADDR, HIGH);
	l4_word_t v = t != L4_CAP_NONE && l4_thread_join(t) ? (l4_word_t)l4_thread_result(t) : ~0ull;

	if (t != L4_CAP_NONE)
		l4_thread_kill(t);
	return v;
}

/* A task sharing our image with its own page at TAG_ADDR holding value. */
static l4_cap_t tag_task_with_page(l4_word_t value, l4_word_t view)
{
	l4_cap_t b = l4_task_share_image(4096);

	if (b == L4_CAP_NONE || get_page(view) == ~0ull)
		return L4_CAP_NONE;
	*(volatile l4_word_t *)view = value;
	if (L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | TAG_ADDR, l4_fpage_mem(view, 12, L4_FP_RW)).error)
		return L4_CAP_NONE;
	return b;
}

static void task_tags_are_never_shared(void)
{
	static l4_cap_t live[TAG_LIVE];
	l4_word_t views = WINDOW_BASE + 0xb0000;

	CHECK(get_page(TAG_ADDR) != ~0ull);
	*(volatile l4_word_t *)TAG_ADDR = 0x5e1f;
	l4_cap_t a = tag_task_with_page(0xaaaa, views);
	CHECK(a != L4_CAP_NONE);
	for (unsigned i = 0; i < TAG_LIVE; i++)
		live[i] = l4_slot_alloc();
	for (unsigned i = 0; i < TAG_TASKS; i++) {
		l4_cap_t slot = live[i % TAG_LIVE];
		if (i >= TAG_LIVE)
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, slot).error, L4_OK);
		CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, slot, 1).error, L4_OK);
		if (i % TAG_LIVE == TAG_LIVE - 1) {
			struct l4_result r = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK);
			CHECK_EQ(r.error, L4_OK);
			if (l4_utcb()->mr[0])
				l4_printf("ktest: (after %u tasks: %lu broken, first %lu)\n", i + 1,
					  (unsigned long)l4_utcb()->mr[0], (unsigned long)l4_utcb()->mr[1]);
			CHECK_EQ(l4_utcb()->mr[0], 0);
		}
		if (i % 500 == 499) {
			l4_cap_t b = tag_task_with_page(0xbb00 + i / 500, views + 0x1000);
			CHECK(b != L4_CAP_NONE);
			CHECK_EQ(tag_read_in(b), 0xbb00 + i / 500);
			CHECK_EQ(tag_read_in(a), 0xaaaa);
			CHECK_EQ(*(volatile l4_word_t *)TAG_ADDR, 0x5e1f);
			CHECK_EQ(tag_read_in(b), 0xbb00 + i / 500);
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
			L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(views + 0x1000, 12, L4_FP_RWX), L4_UNMAP_SELF);
		}
	}
	for (unsigned i = 0; i < TAG_LIVE; i++)
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, live[i]);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, a);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(views, 12, L4_FP_RWX), L4_UNMAP_SELF);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(TAG_ADDR, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/*
 * Memory the kernel used for small objects comes back as pages when they
 * are freed (review finding 9: slab pages never went back to the frame
 * allocator, so freed objects stranded memory that other tasks' quotas
 * counted on). 4 MiB mapped into a task and unmapped again: 1,024
 * mapping-database nodes of 48 bytes, 12 or 13 slab pages (fewer where
 * other pages of the class have room), come and go.
 */
static l4_word_t kernel_free_frames(void)
{
	return L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error ? 0 : l4_utcb()->mr[5];
}

static void freed_objects_return_their_pages(void)
{
	l4_word_t err, va = 0x2c000000;
	l4_cap_t b = l4_task_share_image(64);

	CHECK(b != L4_CAP_NONE);
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 22, window(va, 22), &err) != ~0ull);
	/* Once, so the task's page tables and any slab page half used are there. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x40000000, l4_fpage_mem(va, 22, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(0x40000000, 22, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	l4_word_t before = kernel_free_frames();
	for (int round = 0; round < 3; round++) {
		CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | 0x40000000,
				   l4_fpage_mem(va, 22, L4_FP_RW)).error, L4_OK);
		l4_word_t mapped = kernel_free_frames();
		CHECK(mapped + 10 <= before);           /* the nodes took pages */
		CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(0x40000000, 22, L4_FP_RWX),
				   L4_UNMAP_SELF).error, L4_OK);
		l4_word_t after = kernel_free_frames();
		if (round == 2)
			l4_printf("ktest: (free frames %lu, %lu with 1,024 more nodes, %lu after)\n",
				  (unsigned long)before, (unsigned long)mapped, (unsigned long)after);
		CHECK(after + 1 >= before);             /* (one empty page per class may stay) */
	}
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(va, 22, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The self-check's verdict: broken invariants (0: none). */
static l4_word_t broken(void)
{
	struct l4_result c = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK);
	return c.error ? ~0ull : l4_utcb()->mr[0];
}

/*
 * Mapping a page again with fewer rights (from the same source, or by a
 * grant) lowers that mapping's rights: the mappings derived from it must
 * not keep more than it has now (found by fuzz/concurrent-syscalls, seed
 * 1: the self-check's "not mapped as recorded" for the children).
 */
static void fewer_rights_reach_derived_mappings(void)
{
	l4_word_t a = WINDOW_BASE + 0xd0000, b = a + 0x1000, c = a + 0x2000;
	l4_cap_t t = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, t, 16).error, L4_OK);
	CHECK(get_page(a) != ~0ull);
	/* a -> b (ours, read-write) -> the other task at 0x1000 (read-write) */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_MAP, L4_ITEM_MAP | b, l4_fpage_mem(a, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_TASK_MAP, L4_ITEM_MAP | 0x1000, l4_fpage_mem(b, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(broken(), 0);
	/* a -> b again, read-only */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_MAP, L4_ITEM_MAP | b, l4_fpage_mem(a, 12, L4_FP_R)).error, L4_OK);
	CHECK_EQ(broken(), 0);
	/* b granted to c read-only, after b -> the other task read-write again */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_MAP, L4_ITEM_MAP | b, l4_fpage_mem(a, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(t, L4_TASK_MAP, L4_ITEM_MAP | 0x1000, l4_fpage_mem(b, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_MAP, L4_ITEM_GRANT | c, l4_fpage_mem(b, 12, L4_FP_R)).error, L4_OK);
	CHECK_EQ(broken(), 0);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, t);
	l4_slot_free(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(a, 12, L4_FP_RWX), L4_UNMAP_SELF);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(b, 12, L4_FP_RWX), L4_UNMAP_SELF);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(c, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

const struct ktest ktests_mem[] = {
	{ "mem/sigma0-alloc-and-use", sigma0_alloc_and_use },
	{ "mem/sigma0-refuses-bad-requests", sigma0_refuses_bad_requests },
	{ "mem/map-to-other-task", map_to_other_task },
	{ "mem/memory-types-of-a-mapping", memory_types_of_a_mapping },
	{ "mem/read-only-mapping-faults-on-write", read_only_mapping_faults_on_write },
	{ "mem/unmap-is-recursive", unmap_is_recursive },
	{ "mem/pager-resolves-fault", pager_resolves_fault },
	{ "mem/grant-moves-the-page", grant_moves_the_page },
	{ "mem/deleting-task-revokes-its-mappings", deleting_task_revokes_its_mappings },
	{ "mem/bad-map-items", bad_map_items },
	{ "mem/ipc-map-into-receive-window", ipc_map_into_receive_window },
	{ "mem/failed-pager-mapping-is-an-exception", failed_pager_mapping_is_an_exception },
	{ "mem/task-tags-are-never-shared", task_tags_are_never_shared },
	{ "mem/freed-objects-return-their-pages", freed_objects_return_their_pages },
	{ "mem/fewer-rights-reach-derived-mappings", fewer_rights_reach_derived_mappings },
	{ "ipc/call-between-tasks", call_between_tasks },
	{ NULL, NULL },
};
