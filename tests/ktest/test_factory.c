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

const struct ktest ktests_factory[] = {
	{ "factory/creates-every-type", creates_every_type },
	{ "factory/info-counts-usage", info_counts_usage },
	{ "factory/bad-destination-slots", bad_destination_slots },
	{ "factory/bad-task-and-thread-arguments", bad_task_and_thread_arguments },
	{ "factory/child-quota-is-enforced", child_quota_is_enforced },
	{ "factory/deleting-returns-quota", deleting_returns_quota },
	{ "factory/child-cannot-exceed-parent", child_cannot_exceed_parent },
	{ "factory/rights", rights_on_factories },
	{ NULL, NULL },
};
