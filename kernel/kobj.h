/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel object header. Every capability-addressed object starts with a
 * struct kobj.
 *
 * Lifetime: an object lives as long as its root capability, the one its
 * factory created (moving or granting the capability moves the root),
 * and no longer than its factory. Deleting the root capability first
 * revokes every capability derived from it, then destroys the object;
 * destroying a factory (or revoking its original capability) deletes the
 * root capability of every object charged to it, wherever that went.
 * Capabilities that an object holds cannot keep it alive, so cycles (a
 * task's table holding the task's own capability) are harmless, and an
 * object whose capabilities were hidden in its own table still dies with
 * its factory. Destruction is queued and done by kobj_reap(),
 * iteratively: destroying a task deletes the capabilities in its table,
 * which may destroy more objects, without recursion.
 *
 * `pins` counts references that keep the object's memory (not its
 * life): a factory stays in memory while objects charged to it exist.
 */
#ifndef KERNEL_KOBJ_H
#define KERNEL_KOBJ_H

#include <l4/caps.h>
#include "types.h"

struct factory;
struct cap;

struct kobj {
	uint8_t type;              /* enum l4_obj_type */
	bool dying;                /* queued for or past destruction */
	uint16_t check_pass;       /* the self-check's mark (check.c) */
	uint32_t pins;
	struct factory *factory;   /* charged for this object; NULL for boot objects */
	struct kobj *reap_next;
	struct kobj *f_next, *f_prev;   /* the objects charged to the same factory */
	struct cap *root;          /* the root capability (cap.c keeps it), NULL once deleted */
};

/* Queues o for destruction (once). */
void kobj_destroy(struct kobj *o);

/* Destroys every queued object (and whatever their destruction queues). */
void kobj_reap(void);

extern struct kobj *kobj_reap_list;
static inline bool kobj_reap_pending(void)
{
	return kobj_reap_list != NULL;
}

#endif
