/* SPDX-License-Identifier: GPL-2.0-only */
#include "task.h"
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/task.h>
#include "factory.h"
#include "ipc.h"
#include "layout.h"
#include "map.h"
#include "mapdb.h"
#include "mem.h"
#include "string.h"
#include "thread.h"

/* Capability tables are whole, contiguous pages charged to the quota. */
static uint64_t table_pages(uint64_t slots)
{
	return ALIGN_UP(slots * sizeof(struct cap), PAGE_SIZE) / PAGE_SIZE;
}

int task_create(struct factory *f, uint64_t cap_slots, bool vm, struct task **out)
{
	if (!cap_slots || cap_slots > L4_TASK_MAX_CAP_SLOTS)
		return L4_EINVAL;
	uint64_t pages = table_pages(cap_slots);
	struct task *t = factory_alloc(f, sizeof(*t), L4_OBJ_TASK);
	if (!t)
		return L4_ENOMEM;
	if (!quota_charge(&f->quota, pages * PAGE_SIZE))
		goto fail;
	uint64_t table = frame_alloc_contig(&mem.frames, pages, PAGE_SIZE);
	if (table == FRAME_NONE) {
		quota_release(&f->quota, pages * PAGE_SIZE);
		goto fail;
	}
	memset(phys_to_virt(table), 0, pages * PAGE_SIZE);
	t->caps.slots = phys_to_virt(table);
	t->caps.size = cap_slots;
	int err = vm ? space_init_guest(&t->space, &f->quota) : space_init(&t->space, &f->quota);
	if (err) {
		task_destroy(t);
		return err;
	}
	*out = t;
	return L4_OK;
fail:
	factory_free(&t->obj, sizeof(*t));
	return L4_ENOMEM;
}

void task_destroy(struct task *t)
{
	/* Threads die with their task; their capabilities keep them as DEAD shells. */
	while (t->threads) {
		struct thread *th = t->threads;
		thread_abort(th, true);
	}
	if (t->caps.slots) {
		cap_table_clear(&t->caps);
		uint64_t pages = table_pages(t->caps.size), phys = virt_to_phys(t->caps.slots);
		for (uint64_t i = 0; i < pages; i++)
			frame_free(&mem.frames, phys + i * PAGE_SIZE);
		quota_release(&t->obj.factory->quota, pages * PAGE_SIZE);
	}
	mapdb_task_destroy(t);
	space_destroy(&t->space);
	factory_free(&t->obj, sizeof(*t));
}

void task_set_name(struct task *t, const char *name)
{
	size_t n = MIN(strlen(name), (size_t)TASK_NAME_LEN - 1);

	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

static int task_op(struct thread *cur, struct task *t, uint64_t op, unsigned words,
		   unsigned *out_words)
{
	uint64_t *mr = cur->utcb->mr;
	struct cap *src, *dst;
	int err;
	static const uint8_t need[] = {
		[L4_TASK_CAP_COPY] = 3, [L4_TASK_CAP_MINT] = 4, [L4_TASK_CAP_MOVE] = 2,
		[L4_TASK_CAP_DELETE] = 1, [L4_TASK_CAP_REVOKE] = 1, [L4_TASK_CAP_INFO] = 1,
		[L4_TASK_MAP] = 2, [L4_TASK_SET_NAME] = 2, [L4_TASK_UNMAP] = 2,
		[L4_TASK_CANCEL_BADGED] = 1,
	};

	if (op < ARRAY_SIZE(need) && words < need[op])
		return L4_EMSG;
	switch (op) {
	case L4_TASK_CAP_COPY:
	case L4_TASK_CAP_MINT:
		if ((err = cap_lookup(&t->caps, mr[0], L4_OBJ_NONE, 0, &src)) ||
		    (err = cap_lookup_empty(&t->caps, mr[1], &dst)))
			return err;
		return cap_derive(src, dst, (unsigned)mr[2], op == L4_TASK_CAP_MINT,
				  op == L4_TASK_CAP_MINT ? mr[3] : 0);
	case L4_TASK_CAP_MOVE:
		if ((err = cap_lookup(&t->caps, mr[0], L4_OBJ_NONE, 0, &src)))
			return err;
		if (mr[0] == mr[1])
			return L4_OK;
		if ((err = cap_lookup_empty(&t->caps, mr[1], &dst)))
			return err;
		cap_move(src, dst);
		return L4_OK;
	case L4_TASK_CAP_DELETE:
	case L4_TASK_CAP_REVOKE:
		if ((err = cap_lookup(&t->caps, mr[0], L4_OBJ_NONE, 0, &src)))
			return err;
		if (op == L4_TASK_CAP_DELETE) {
			cap_delete(src);
		} else {
			cap_revoke(src);
			/* A factory's original takes back everything made from it. */
			if (cap_is_original(src) && src->obj->type == L4_OBJ_FACTORY)
				factory_reclaim((struct factory *)src->obj);
		}
		return L4_OK;
	case L4_TASK_CAP_INFO:
		if ((err = cap_lookup(&t->caps, mr[0], L4_OBJ_NONE, 0, &src)))
			return err;
		mr[0] = src->obj->type;
		mr[1] = src->rights;
		mr[2] = src->badge;
		mr[3] = cap_is_original(src);
		*out_words = 4;
		return L4_OK;
	case L4_TASK_MAP: {
		uint64_t item[2] = { mr[0], mr[1] };
		unsigned type = item[0] & 0xf;
		if (type != L4_ITEM_MAP && type != L4_ITEM_GRANT)
			return L4_EMSG;
		if (l4_fpage_space(item[1]) == L4_FP_CAP)
			return cap_transfer(&cur->task->caps, item[1], type == L4_ITEM_GRANT, &t->caps,
					    item[0] >> 12);
		return map_item(cur->task, item, t, 0, true);
	}
	case L4_TASK_UNMAP:
		if (mr[1] & ~(uint64_t)L4_UNMAP_SELF)
			return L4_EINVAL;
		return unmap_fpage(t, mr[0], mr[1] & L4_UNMAP_SELF);
	case L4_TASK_CANCEL_BADGED:
		if ((err = cap_lookup(&t->caps, mr[0], L4_OBJ_ENDPOINT, 0, &src)))
			return err;
		if (!src->badge)
			return L4_EINVAL;
		endpoint_cancel_badged((struct endpoint *)src->obj, src->badge);
		return L4_OK;
	case L4_TASK_SET_NAME: {
		char name[TASK_NAME_LEN];
		memcpy(name, mr, TASK_NAME_LEN - 1);
		name[TASK_NAME_LEN - 1] = '\0';
		task_set_name(t, name);
		return L4_OK;
	}
	default:
		return L4_ENOSYS;
	}
}

void task_invoke(struct thread *cur, struct cap *tcap, uint64_t tag)
{
	uint64_t op = l4_tag_label(tag);
	unsigned out_words = 0;
	int err;

	if (!(tcap->rights & (op == L4_TASK_CAP_INFO ? L4_CAP_RIGHT_READ : L4_CAP_RIGHT_WRITE)))
		err = L4_ERIGHTS;
	else
		err = task_op(cur, (struct task *)tcap->obj, op, l4_tag_words(tag), &out_words);
	regs_set_result(&cur->regs, (uint64_t)err, l4_tag(0, out_words, 0), 0);
}
