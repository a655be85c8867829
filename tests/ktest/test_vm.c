/* SPDX-License-Identifier: GPL-2.0-only */
/* VM tasks: guest-physical address spaces built with the ordinary map operation. */
#include "ktest.h"

#define HOST_PAGE 0x26000000ull

static l4_word_t used(l4_cap_t factory)
{
	L4_INVOKE(factory, L4_FACTORY_INFO);
	return l4_utcb()->mr[1];
}

static void guest_memory_is_mapped_like_any_other(void)
{
	l4_cap_t f = l4_slot_alloc(), vm = l4_slot_alloc();
	l4_word_t err;

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, f, 1 << 20).error, L4_OK);
	CHECK_EQ(L4_INVOKE(f, L4_FACTORY_VM, vm, 16).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, vm).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_OBJ_TASK);
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(HOST_PAGE, 12, 0), &err) != ~0ull);
	l4_word_t before = used(f);
	/* Guest-physical 0 and addresses above the host's user half are fine. */
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0, l4_fpage_mem(HOST_PAGE, 12, L4_FP_RWX)).error,
		 L4_OK);
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0xfffffffff000ull,
			   l4_fpage_mem(HOST_PAGE, 12, L4_FP_R)).error, L4_OK);
	l4_word_t mapped = used(f);
	CHECK(mapped > before);             /* EPT tables and two mapping nodes, charged to the VM */
	/* Beyond 48 bits there is no guest-physical memory. */
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0x1000000000000ull,
			   l4_fpage_mem(HOST_PAGE, 12, L4_FP_RW)).error, L4_EFAULT);
	/* Revoking our page takes it out of the guest: the nodes' charge returns. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(HOST_PAGE, 12, L4_FP_RWX), 0).error,
		 L4_OK);
	CHECK(used(f) < mapped);
	CHECK_EQ(*(volatile long *)HOST_PAGE, *(volatile long *)HOST_PAGE);   /* ours stays */
	/* Deleting the VM task gives everything back. */
	CHECK_EQ(L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0x5000, l4_fpage_mem(HOST_PAGE, 12, L4_FP_RW)).error,
		 L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm).error, L4_OK);
	CHECK_EQ(used(f), 0);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
}

static void vm_tasks_take_no_host_threads(void)
{
	l4_cap_t vm = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error, L4_OK);
	/* A VM task runs vCPUs, not ring-3 threads with a UTCB in its space. */
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, l4_slot_alloc(), vm, 0x10000).error,
		 L4_ETYPE);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, l4_slot_alloc(), 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm).error, L4_OK);
}

const struct ktest ktests_vm[] = {
	{ "vm/guest-memory-is-mapped-like-any-other", guest_memory_is_mapped_like_any_other },
	{ "vm/vm-tasks-take-no-host-threads", vm_tasks_take_no_host_threads },
	{ NULL, NULL },
};
