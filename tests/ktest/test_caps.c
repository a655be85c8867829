/* SPDX-License-Identifier: GPL-2.0-only */
/* Capability operations: copy, mint, move, delete, revoke, transfer. */
#include "ktest.h"

static struct l4_result info(l4_cap_t task, l4_cap_t slot)
{
	return L4_INVOKE(task, L4_TASK_CAP_INFO, slot);
}

static l4_cap_t copy(l4_cap_t src, unsigned rights)
{
	l4_cap_t dst = l4_slot_alloc();

	return L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, src, dst, rights).error ? L4_CAP_NONE : dst;
}

static void copy_reduces_rights(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), ro = copy(ep, L4_CAP_RIGHT_READ);

	CHECK(ro != L4_CAP_NONE);
	CHECK_EQ(info(L4_CAP_TASK, ro).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_OBJ_ENDPOINT);
	CHECK_EQ(l4_utcb()->mr[1], L4_CAP_RIGHT_READ);
	CHECK_EQ(l4_utcb()->mr[3], 0);             /* not the original */
	CHECK_EQ(l4_send(ro, 0, L4_TIMEOUT_POLL).error, L4_ERIGHTS);
	CHECK_EQ(l4_call(ro, 0, L4_TIMEOUT_POLL).error, L4_ERIGHTS);
	CHECK_EQ(l4_recv(ro, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	/* A copy of a copy cannot regain rights. */
	l4_cap_t again = copy(ro, L4_CAP_RIGHTS_ALL);
	CHECK_EQ(info(L4_CAP_TASK, again).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[1], L4_CAP_RIGHT_READ);
	l4_cap_t wo = copy(ep, L4_CAP_RIGHT_WRITE);
	CHECK_EQ(l4_recv(wo, L4_TIMEOUT_POLL).error, L4_ERIGHTS);
}

static void mint_sets_badge_once(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), b = l4_slot_alloc(), bb = l4_slot_alloc(), t = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, b, L4_CAP_RIGHTS_ALL, 0xbad6e).error,
		 L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, b).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[2], 0xbad6e);
	/* A badged capability cannot be re-badged; tasks take no badge. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, b, bb, L4_CAP_RIGHTS_ALL, 1).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, L4_CAP_TASK, t, L4_CAP_RIGHTS_ALL, 1).error,
		 L4_EINVAL);
	/* Copying keeps the badge. */
	l4_cap_t c = copy(b, L4_CAP_RIGHTS_ALL);
	CHECK_EQ(info(L4_CAP_TASK, c).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[2], 0xbad6e);
}

static void move_keeps_the_capability(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), dst = l4_slot_alloc(), other = l4_make(L4_FACTORY_ENDPOINT);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, ep, dst).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, ep).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, dst).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[3], 1);     /* still the original */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, dst, other).error, L4_EBUSY);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, dst, dst).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, ep, l4_slot_alloc()).error, L4_ECAP);
	/* A moved original still revokes its copies. */
	l4_cap_t c = copy(dst, L4_CAP_RIGHTS_ALL);
	l4_cap_t moved = l4_slot_alloc();
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, c, moved).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, dst).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, moved).error, L4_ECAP);
}

static void delete_copy_keeps_object(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), c = copy(ep, L4_CAP_RIGHTS_ALL);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, c).error, L4_ECAP);
	CHECK_EQ(l4_recv(ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c).error, L4_ECAP);
}

static void revoke_removes_all_derived(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), a = copy(ep, L4_CAP_RIGHTS_ALL);
	l4_cap_t b = copy(a, L4_CAP_RIGHTS_ALL), c = copy(b, L4_CAP_RIGHT_WRITE);
	l4_cap_t d = copy(ep, L4_CAP_RIGHT_READ);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, a).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, a).error, L4_OK);   /* revoke keeps the capability itself */
	CHECK_EQ(info(L4_CAP_TASK, b).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, c).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, d).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, ep).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, a).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, d).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, ep).error, L4_OK);
}

static void delete_in_the_middle_keeps_children_revocable(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), a = copy(ep, L4_CAP_RIGHTS_ALL), b = copy(a, L4_CAP_RIGHTS_ALL);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, a).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, b).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, ep).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, b).error, L4_ECAP);
}

static void deleting_original_destroys(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), c = copy(ep, L4_CAP_RIGHTS_ALL);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, c).error, L4_ECAP);
	CHECK_EQ(l4_send(c, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
}

static long blocked_receiver(long ep)
{
	return (long)l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER).error;
}

static void deleting_endpoint_wakes_waiters(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t t1 = l4_thread_start(blocked_receiver, (long)ep, 110);
	l4_cap_t t2 = l4_thread_start(blocked_receiver, (long)ep, 110);

	CHECK(t1 != L4_CAP_NONE && t2 != L4_CAP_NONE);
	/* Higher priority: both are blocked in the endpoint by now. */
	CHECK_EQ(L4_INVOKE(t1, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_RECV_BLOCKED);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep).error, L4_OK);
	CHECK(l4_thread_join(t1) && l4_thread_join(t2));
	CHECK_EQ(l4_thread_result(t1), L4_ECANCELED);
	CHECK_EQ(l4_thread_result(t2), L4_ECANCELED);
	l4_thread_kill(t1);
	l4_thread_kill(t2);
}

static void info_on_bad_slots(void)
{
	CHECK_EQ(info(L4_CAP_TASK, 4095).error, L4_ECAP);
	CHECK_EQ(info(L4_CAP_TASK, 1ull << 40).error, L4_ECAP);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, 4095, l4_slot_alloc(), 7).error, L4_ECAP);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, L4_CAP_TASK, L4_CAP_THREAD, 7).error, L4_EBUSY);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, 4095).error, L4_ECAP);
}

static void map_into_other_task_and_revoke(void)
{
	l4_cap_t task = l4_slot_alloc(), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 32).error, L4_OK);
	/* Map the endpoint into the other task's slot 5, read-only. */
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | 5ull << 12,
			l4_fpage_cap(ep, 0, L4_CAP_RIGHT_READ)).error, L4_OK);
	CHECK_EQ(info(task, 5).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_OBJ_ENDPOINT);
	CHECK_EQ(l4_utcb()->mr[1], L4_CAP_RIGHT_READ);
	/* Occupied destination, out-of-range destination, misaligned fpage. */
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | 5ull << 12, l4_fpage_cap(ep, 0, 7)).error,
		 L4_EBUSY);
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | 32ull << 12, l4_fpage_cap(ep, 0, 7)).error,
		 L4_ECAP);
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | 8ull << 12, l4_fpage_cap(9, 1, 7)).error,
		 L4_EMSG);
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, 9 | 8ull << 12, l4_fpage_cap(ep, 0, 7)).error, L4_EMSG);
	/* Revoking here reaches into the other task. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, ep).error, L4_OK);
	CHECK_EQ(info(task, 5).error, L4_ECAP);
}

static void grant_moves_to_other_task(void)
{
	l4_cap_t task = l4_slot_alloc(), ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 32).error, L4_OK);
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_GRANT | 7ull << 12,
			l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL)).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, ep).error, L4_ECAP);
	CHECK_EQ(info(task, 7).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[3], 1);     /* the original moved */
	/* Deleting that task destroys the endpoint it now owns. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, task).error, L4_OK);
	CHECK_EQ(info(L4_CAP_TASK, task).error, L4_ECAP);
}

static void task_self_capability_cycle(void)
{
	l4_cap_t task = l4_slot_alloc();

	/* A task holding its own capability is still destroyed with its original. */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 8).error, L4_OK);
	CHECK_EQ(L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | 0ull << 12, l4_fpage_cap(task, 0, 7)).error,
		 L4_OK);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	l4_word_t used = l4_utcb()->mr[1];
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, task).error, L4_OK);
	L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO);
	CHECK(l4_utcb()->mr[1] < used);
}

const struct ktest ktests_caps[] = {
	{ "caps/copy-reduces-rights", copy_reduces_rights },
	{ "caps/mint-sets-badge-once", mint_sets_badge_once },
	{ "caps/move-keeps-the-capability", move_keeps_the_capability },
	{ "caps/delete-copy-keeps-object", delete_copy_keeps_object },
	{ "caps/revoke-removes-all-derived", revoke_removes_all_derived },
	{ "caps/delete-middle-keeps-children-revocable", delete_in_the_middle_keeps_children_revocable },
	{ "caps/deleting-original-destroys", deleting_original_destroys },
	{ "caps/deleting-endpoint-wakes-waiters", deleting_endpoint_wakes_waiters },
	{ "caps/bad-slots", info_on_bad_slots },
	{ "caps/map-into-other-task-and-revoke", map_into_other_task_and_revoke },
	{ "caps/grant-moves-to-other-task", grant_moves_to_other_task },
	{ "caps/task-self-capability-cycle", task_self_capability_cycle },
	{ NULL, NULL },
};
