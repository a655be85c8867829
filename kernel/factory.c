/* SPDX-License-Identifier: GPL-2.0-only */
#include "factory.h"
#include <l4/errno.h>
#include <l4/factory.h>
#include "cap.h"
#include "ipc.h"
#include "task.h"
#include "thread.h"

static struct factory boot_factory;

struct factory *factory_boot(uint64_t quota)
{
	boot_factory.obj.type = L4_OBJ_FACTORY;
	boot_factory.quota.limit = quota;
	return &boot_factory;
}

struct factory *factory_root(void)
{
	return &boot_factory;
}

void *factory_alloc(struct factory *f, size_t size, unsigned type)
{
	struct kobj *o = kmem_alloc(&f->quota, size);

	if (!o)
		return NULL;
	o->type = (uint8_t)type;
	o->factory = f;
	o->f_next = f->objects;
	if (f->objects)
		f->objects->f_prev = o;
	f->objects = o;
	f->obj.pins++;
	return o;
}

/* Takes o out of its factory's list. */
static void unlink_object(struct kobj *o)
{
	if (o->f_prev)
		o->f_prev->f_next = o->f_next;
	else
		o->factory->objects = o->f_next;
	if (o->f_next)
		o->f_next->f_prev = o->f_prev;
}

/* A destroyed factory's memory goes once nothing charged to it is left;
 * its quota returns to its parent then. Each step frees one factory and
 * moves to its parent, so the loop ends. */
static void factory_release(struct factory *f)
{
	while (f && f->obj.dying && !f->obj.pins && f->parent) {
		struct factory *parent = f->parent;
		unlink_object(&f->obj);
		quota_release(&parent->quota, f->quota.limit);
		kmem_free(&parent->quota, f, sizeof(*f));
		parent->obj.pins--;
		f = parent;
	}
}

void factory_free(struct kobj *o, size_t size)
{
	struct factory *f = o->factory;

	unlink_object(o);
	kmem_free(&f->quota, o, size);
	f->obj.pins--;
	factory_release(f);
}

void factory_reclaim(struct factory *f)
{
	/* Nothing is freed here (destruction is queued), so the list holds. */
	for (struct kobj *o = f->objects; o; o = o->f_next) {
		if (o->dying)
			continue;
		if (o->root)
			cap_delete(o->root);      /* revokes its copies, queues the object */
		else
			kobj_destroy(o);
	}
}

void factory_destroy(struct factory *f)
{
	factory_reclaim(f);
	factory_release(f);
}

static int create_factory(struct factory *parent, uint64_t quota, struct factory **out)
{
	if (!quota_charge(&parent->quota, quota))
		return L4_ENOMEM;
	struct factory *f = factory_alloc(parent, sizeof(*f), L4_OBJ_FACTORY);
	if (!f) {
		quota_release(&parent->quota, quota);
		return L4_ENOMEM;
	}
	f->quota.limit = quota;
	f->parent = parent;
	*out = f;
	return L4_OK;
}

void factory_invoke(struct thread *cur, struct cap *fcap, uint64_t tag)
{
	struct factory *f = (struct factory *)fcap->obj;
	struct task *task = cur->task;
	const uint64_t *mr = cur->utcb->mr;
	uint64_t op = l4_tag_label(tag);
	unsigned words = l4_tag_words(tag);
	struct cap *dst = NULL;
	struct kobj *obj = NULL;
	int err;

	if (op == L4_FACTORY_INFO) {
		if (!(fcap->rights & L4_CAP_RIGHT_READ)) {
			regs_set_error(&cur->regs, L4_ERIGHTS);
			return;
		}
		cur->utcb->mr[0] = f->quota.limit;
		cur->utcb->mr[1] = f->quota.used;
		regs_set_result(&cur->regs, L4_OK, l4_tag(0, 2, 0), 0);
		return;
	}
	if (op < L4_FACTORY_ENDPOINT || op > L4_FACTORY_VCPU || op == L4_FACTORY_INFO)
		err = L4_ENOSYS;
	else if (!(fcap->rights & L4_CAP_RIGHT_WRITE))
		err = L4_ERIGHTS;
	else if (words < (op == L4_FACTORY_THREAD ? 3u : op >= L4_FACTORY_TASK ? 2u : 1u))
		err = L4_EMSG;
	else
		err = cap_lookup_empty(&task->caps, mr[0], &dst);

	if (!err) {
		switch (op) {
		case L4_FACTORY_ENDPOINT:
			err = endpoint_create(f, (struct endpoint **)&obj);
			break;
		case L4_FACTORY_NOTIFICATION:
			err = notification_create(f, (struct notification **)&obj);
			break;
		case L4_FACTORY_TASK:
		case L4_FACTORY_VM:
			err = task_create(f, mr[1], op == L4_FACTORY_VM, (struct task **)&obj);
			break;
		case L4_FACTORY_THREAD: {
			struct cap *tc;
			err = cap_lookup(&task->caps, mr[1], L4_OBJ_TASK, L4_CAP_RIGHT_WRITE, &tc);
			if (!err)
				err = thread_create(f, (struct task *)tc->obj, mr[2],
						    (struct thread **)&obj);
			break;
		}
		case L4_FACTORY_FACTORY:
			err = create_factory(f, mr[1], (struct factory **)&obj);
			break;
		case L4_FACTORY_VCPU: {
			struct cap *tc;
			err = cap_lookup(&task->caps, mr[1], L4_OBJ_TASK, L4_CAP_RIGHT_WRITE, &tc);
			if (!err)
				err = thread_create_vcpu(f, (struct task *)tc->obj, (struct thread **)&obj);
			break;
		}
		}
	}
	if (!err && obj->type == L4_OBJ_THREAD) {
		/* No thread (or vCPU) starts above what its creator may give. */
		struct thread *t = (struct thread *)obj;
		t->prio = MIN(t->prio, cur->mcp);
	}
	if (!err)
		cap_install_root(dst, obj, L4_CAP_RIGHTS_ALL, 0);
	regs_set_result(&cur->regs, (uint64_t)err, 0, 0);
}
