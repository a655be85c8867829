/* SPDX-License-Identifier: GPL-2.0-only */
/* Factories: creating objects, quotas, child factories, bad requests. */
#include "ktest.h"

static l4_word_t cap_type(l4_cap_t task, l4_cap_t slot)
{
	struct l4_result r = L4_INVOKE(task, L4_TASK_CAP_INFO, slot);

	return r.error ? ~0ull : l4_utcb()->mr[0];
}

static void creates_every_type(void)
{
	l4_cap_t ep = l4_slot_alloc(), n = l4_slot_alloc(), task = l4_slot_alloc(), f = l4_slot_alloc();
	l4_cap_t th = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_ENDPOINT, ep).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_NOTIFICATION, n).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 64).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 65536).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, th, task, 0x10000).error, L4_OK);
	CHECK_EQ(cap_type(L4_CAP_TASK, ep), L4_OBJ_ENDPOINT);
	CHECK_EQ(cap_type(L4_CAP_TASK, n), L4_OBJ_NOTIFICATION);
	CHECK_EQ(cap_type(L4_CAP_TASK, task), L4_OBJ_TASK);
	CHECK_EQ(cap_type(L4_CAP_TASK, f), L4_OBJ_FACTORY);
	CHECK_EQ(cap_type(L4_CAP_TASK, th), L4_OBJ_THREAD);
	/* A new capability is the original, with every right. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, ep).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[1], L4_CAP_RIGHTS_ALL);
	CHECK_EQ(l4_utcb()->mr[3], 1);
}

static void info_counts_usage(void)
{
	struct l4_result r = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	l4_word_t quota = l4_utcb()->mr[0], used = l4_utcb()->mr[1];

	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_words(r.tag), 2);
	CHECK(quota > 0 && used > 0 && used <= quota);
	CHECK_EQ(quota, l4_boot_info->kernel_quota);
	CHECK(l4_make(L4_FACTORY_ENDPOINT) != L4_CAP_NONE);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	CHECK(l4_utcb()->mr[1] > used);
}

static void bad_destination_slots(void)
{
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_ENDPOINT, L4_CAP_TASK).error, L4_EBUSY);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_ENDPOINT, 4096).error, L4_ECAP);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_ENDPOINT, L4_CAP_NONE).error, L4_ECAP);
}

static void bad_task_and_thread_arguments(void)
{
	l4_cap_t s = l4_slot_alloc(), task = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, s, 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, s, L4_TASK_MAX_CAP_SLOTS + 1).error,
		 L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 16).error, L4_OK);
	/* UTCB addresses: unaligned, kernel half, non-canonical, taken. */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, s, task, 0x10008).error, L4_EFAULT);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, s, task, 0xffffffff80000000ull).error,
		 L4_EFAULT);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, s, task, 0x0000800000000000ull).error,
		 L4_EFAULT);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, s, task, 0x7ffffffff000ull).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, l4_slot_alloc(), task, 0x7ffffffff000ull).error,
		 L4_EBUSY);
	/* The task argument must be a task. */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, l4_slot_alloc(), L4_CAP_FACTORY, 0x20000).error,
		 L4_ETYPE);
}

static void child_quota_is_enforced(void)
{
	l4_cap_t f = l4_slot_alloc();
	const l4_word_t quota = 8192;
	unsigned made = 0;
	struct l4_result r;

	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	l4_word_t parent_used = l4_utcb()->mr[1];
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, quota).error, L4_OK);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	CHECK(l4_utcb()->mr[1] >= parent_used + quota);
	/* Endpoints until the quota is gone: a bounded number, then L4_ENOMEM. */
	for (;;) {
		r = L4_INVOKE(f, L4_FACTORY_ENDPOINT, l4_slot_alloc());
		if (r.error)
			break;
		made++;
		CHECK(made <= quota / 32);
	}
	CHECK_EQ(r.error, L4_ENOMEM);
	CHECK(made > 0);
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_INFO).error, L4_OK);
	CHECK(l4_utcb()->mr[1] <= quota);
	/* A task's capability table alone exceeds what is left. */
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_TASK, l4_slot_alloc(), 4096).error, L4_ENOMEM);
}

static void deleting_returns_quota(void)
{
	l4_cap_t f = l4_slot_alloc(), ep = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 65536).error, L4_OK);
	L4_INVOKE(f, L4_FACTORY_INFO);
	l4_word_t before = l4_utcb()->mr[1];
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_ENDPOINT, ep).error, L4_OK);
	L4_INVOKE(f, L4_FACTORY_INFO);
	CHECK(l4_utcb()->mr[1] > before);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep).error, L4_OK);
	L4_INVOKE(f, L4_FACTORY_INFO);
	CHECK_EQ(l4_utcb()->mr[1], before);
	/* Deleting the factory gives its quota back to the parent. */
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	l4_word_t parent_used = l4_utcb()->mr[1];
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	CHECK(l4_utcb()->mr[1] + 65536 <= parent_used);
}

static void child_cannot_exceed_parent(void)
{
	l4_cap_t f = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 16384).error, L4_OK);
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_FACTORY, l4_slot_alloc(), 16385).error, L4_ENOMEM);
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_FACTORY, l4_slot_alloc(), ~0ull).error, L4_ENOMEM);
}

static void rights_on_factories(void)
{
	l4_cap_t ro = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, L4_CAP_FACTORY, ro, L4_CAP_RIGHT_READ).error,
		 L4_OK);
	CHECK_EQ(L4_INVOKE(ro, L4_FACTORY_ENDPOINT, l4_slot_alloc()).error, L4_ERIGHTS);
	CHECK_EQ(L4_INVOKE(ro, L4_FACTORY_INFO).error, L4_OK);
}

/*
 * A program (a task with a factory of its own, as the root task starts
 * them) makes a child task with a thread, and a sub-factory with a
 * grandchild, and moves each child's original task and thread
 * capabilities into the child's own table, where nothing the program's
 * killer holds reaches them. Killing the program as the root task does
 * (deleting its task, thread and factory) must stop every thread it made
 * and give the whole quota back (review finding 6). Revoking a factory's
 * original capability takes its objects back too, leaving the factory.
 */
#define HIDE_PRIO 50
static volatile unsigned long hide_spins[3];
static volatile long hide_ready;
static l4_cap_t hide_threads[3];

static long hide_spinner(long i)
{
	for (;;)
		hide_spins[i]++;
	return 0;
}

/* Hides task and thread (originals in our table) in the task's own table
 * (slots 10 and 11, which nothing else there uses). */
static bool hide_in_itself(l4_cap_t task, l4_cap_t thread)
{
	return !L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_GRANT | 10 << 12,
			  l4_fpage_cap(thread, 0, L4_CAP_RIGHTS_ALL)).error &&
	       !L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_GRANT | 11 << 12,
			  l4_fpage_cap(task, 0, L4_CAP_RIGHTS_ALL)).error;
}

/* The program: in its own task, with its factory at L4_CAP_FACTORY. */
static long hiding_program(long arg)
{
	(void)arg;
	l4_cap_t child = l4_task_share_image(4096), sub = l4_slot_alloc();
	hide_threads[1] = child == L4_CAP_NONE ? L4_CAP_NONE : l4_thread_start_in(child, hide_spinner, 1, HIDE_PRIO);
	if (hide_threads[1] == L4_CAP_NONE || !hide_in_itself(child, hide_threads[1]))
		return hide_ready = -1;
	/* A grandchild from a sub-factory, hidden the same way (and the sub-factory with it). */
	if (L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, sub, 1 << 20).error)
		return hide_ready = -2;
	l4_cap_t saved = l4_slot_alloc();        /* run l4_task_share_image with sub as our factory */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, L4_CAP_FACTORY, saved);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, sub, L4_CAP_FACTORY);
	l4_cap_t grandchild = l4_task_share_image(4096);
	hide_threads[2] = grandchild == L4_CAP_NONE ? L4_CAP_NONE :
			  l4_thread_start_in(grandchild, hide_spinner, 2, HIDE_PRIO);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, L4_CAP_FACTORY, sub);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, saved, L4_CAP_FACTORY);
	if (hide_threads[2] == L4_CAP_NONE ||
	    L4_INVOKE(grandchild, L4_TASK_MAP, L4_ITEM_GRANT | 12 << 12,
		      l4_fpage_cap(sub, 0, L4_CAP_RIGHTS_ALL)).error ||
	    !hide_in_itself(grandchild, hide_threads[2]))
		return hide_ready = -3;
	hide_ready = 1;
	return hide_spinner(0);
}

/* Starts the hiding program from factory f; its task and thread in *task, *thread. */
static bool start_hiding_program(l4_cap_t f, l4_cap_t *task, l4_cap_t *thread)
{
	hide_ready = 0;
	for (unsigned i = 0; i < 3; i++)
		hide_spins[i] = 0;
	/* Its task shares our image and has its own task and factory capabilities. */
	l4_cap_t saved = l4_slot_alloc();
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, L4_CAP_FACTORY, saved);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, f, L4_CAP_FACTORY, L4_CAP_RIGHTS_ALL);
	*task = l4_task_share_image(4096);
	*thread = *task == L4_CAP_NONE ? L4_CAP_NONE : l4_thread_start_in(*task, hiding_program, 0, HIDE_PRIO);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, L4_CAP_FACTORY);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, saved, L4_CAP_FACTORY);
	l4_slot_free(saved);
	if (*thread == L4_CAP_NONE)
		return false;
	hide_threads[0] = *thread;
	L4_INVOKE(*thread, L4_THREAD_SET_MCP, HIDE_PRIO);
	return !L4_INVOKE(*task, L4_TASK_MAP, L4_ITEM_MAP | L4_CAP_TASK << 12,
			  l4_fpage_cap(*task, 0, L4_CAP_RIGHTS_ALL)).error &&
	       !L4_INVOKE(*task, L4_TASK_MAP, L4_ITEM_MAP | L4_CAP_FACTORY << 12,
			  l4_fpage_cap(f, 0, L4_CAP_RIGHTS_ALL)).error;
}

/* No thread of the program's runs: the counters stand still while we sleep. */
static bool hidden_threads_stopped(void)
{
	unsigned long before[3];

	for (unsigned i = 0; i < 3; i++)
		before[i] = hide_spins[i];
	l4_sleep_us(30000);
	for (unsigned i = 0; i < 3; i++)
		if (hide_spins[i] != before[i])
			return false;
	return true;
}

static void root_used(l4_word_t *used)
{
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	*used = l4_utcb()->mr[1];
}

static void killing_a_program_kills_what_it_hid(void)
{
	l4_cap_t f = l4_slot_alloc(), task, thread;
	l4_word_t used0, used;

	l4_sleep_us(1);                 /* (its first call makes a notification: before we count) */
	root_used(&used0);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 2 << 20).error, L4_OK);
	CHECK(start_hiding_program(f, &task, &thread));
	for (int i = 0; i < 200 && !hide_ready; i++)
		l4_sleep_us(1000);
	CHECK_EQ(hide_ready, 1);
	l4_sleep_us(30000);                       /* all three spin now */
	for (unsigned i = 0; i < 3; i++)
		CHECK(hide_spins[i] > 0);
	/* Killed as the root task kills a program. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, thread).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, task).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
	CHECK(hidden_threads_stopped());
	root_used(&used);
	CHECK_EQ(used, used0);
	for (unsigned i = 0; i < 3; i++)
		l4_thread_kill(hide_threads[i]);      /* (frees our thread pool's entries) */
	/* Revoking the factory's original: the same, and the factory stays. */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 2 << 20).error, L4_OK);
	CHECK(start_hiding_program(f, &task, &thread));
	for (int i = 0; i < 200 && !hide_ready; i++)
		l4_sleep_us(1000);
	CHECK_EQ(hide_ready, 1);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, f).error, L4_OK);
	CHECK(hidden_threads_stopped());
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, task).error, L4_ECAP);   /* gone */
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[1], 0);           /* nothing charged to it any more */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
	root_used(&used);
	CHECK_EQ(used, used0);
	for (unsigned i = 0; i < 3; i++)
		l4_thread_kill(hide_threads[i]);
}

const struct ktest ktests_factory[] = {
	{ "factory/creates-every-type", creates_every_type },
	{ "factory/info-counts-usage", info_counts_usage },
	{ "factory/bad-destination-slots", bad_destination_slots },
	{ "factory/bad-task-and-thread-arguments", bad_task_and_thread_arguments },
	{ "factory/child-quota-is-enforced", child_quota_is_enforced },
	{ "factory/deleting-returns-quota", deleting_returns_quota },
	{ "factory/child-cannot-exceed-parent", child_cannot_exceed_parent },
	{ "factory/rights", rights_on_factories },
	{ "factory/killing-a-program-kills-what-it-hid", killing_a_program_kills_what_it_hid },
	{ NULL, NULL },
};
