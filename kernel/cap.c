/* SPDX-License-Identifier: GPL-2.0-only */
#include "cap.h"
#include <l4/errno.h>
#include <l4/msg.h>

int cap_lookup(const struct cap_table *t, uint64_t slot, unsigned type, unsigned rights,
	       struct cap **out)
{
	if (slot >= t->size || !t->slots[slot].obj)
		return L4_ECAP;
	struct cap *c = &t->slots[slot];
	if (type != L4_OBJ_NONE && c->obj->type != type)
		return L4_ETYPE;
	if ((c->rights & rights) != rights)
		return L4_ERIGHTS;
	*out = c;
	return L4_OK;
}

int cap_lookup_empty(const struct cap_table *t, uint64_t slot, struct cap **out)
{
	if (slot >= t->size)
		return L4_ECAP;
	if (t->slots[slot].obj)
		return L4_EBUSY;
	*out = &t->slots[slot];
	return L4_OK;
}

void cap_install_root(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge)
{
	*dst = (struct cap){ .obj = obj, .badge = badge, .rights = (uint8_t)rights };
	obj->root = dst;
}

static bool badgeable(unsigned type)
{
	return type == L4_OBJ_ENDPOINT || type == L4_OBJ_NOTIFICATION;
}

int cap_derive(struct cap *src, struct cap *dst, unsigned rights_mask, bool set_badge,
	       uint64_t badge)
{
	if (set_badge && (!badgeable(src->obj->type) || src->badge))
		return L4_EINVAL;
	*dst = (struct cap){
		.obj = src->obj,
		.badge = set_badge ? badge : src->badge,
		.rights = (uint8_t)(src->rights & rights_mask),
	};
	dtree_add_child(&src->tree, &dst->tree);
	return L4_OK;
}

void cap_move(struct cap *src, struct cap *dst)
{
	if (src == dst)
		return;
	*dst = *src;
	dtree_moved(&dst->tree);
	if (cap_is_original(dst))
		dst->obj->root = dst;
	*src = (struct cap){ 0 };
}

void cap_delete(struct cap *c)
{
	struct kobj *o = c->obj;
	bool original = cap_is_original(c);

	if (!o)
		return;
	if (original)
		cap_revoke(c);
	dtree_unlink(&c->tree);
	*c = (struct cap){ 0 };
	if (original) {
		o->root = NULL;
		kobj_destroy(o);
	}
}

void cap_revoke(struct cap *c)
{
	/* Each step deletes one leaf below c, so the loop ends. */
	while (c->tree.child)
		cap_delete(container_of(dtree_leaf(c->tree.child), struct cap, tree));
}

void cap_table_clear(struct cap_table *t)
{
	for (uint64_t i = 0; i < t->size; i++)
		cap_delete(&t->slots[i]);
}

#define CAP_FPAGE_MAX_ORDER 16

int cap_transfer(struct cap_table *from, uint64_t fp, bool grant, struct cap_table *to,
		 uint64_t dst_base)
{
	uint64_t order = l4_fpage_order(fp), base = l4_fpage_base(fp);

	if (l4_fpage_space(fp) != L4_FP_CAP || order > CAP_FPAGE_MAX_ORDER)
		return L4_EMSG;
	uint64_t count = 1ull << order;
	if (base & (count - 1))
		return L4_EMSG;
	if (base + count > from->size || dst_base >= to->size || count > to->size - dst_base)
		return L4_ECAP;
	for (uint64_t i = 0; i < count; i++) {
		struct cap *src = &from->slots[base + i], *dst = &to->slots[dst_base + i];
		if (dst->obj || (from == to && src == dst))
			return L4_EBUSY;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct cap *src = &from->slots[base + i], *dst = &to->slots[dst_base + i];
		if (!src->obj)
			continue;
		if (grant)
			cap_move(src, dst);
		else
			cap_derive(src, dst, l4_fpage_rights(fp), false, 0);
	}
	return L4_OK;
}
