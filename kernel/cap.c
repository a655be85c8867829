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
		.parent = src,
		.next = src->child,
	};
	if (src->child)
		src->child->prev = dst;
	src->child = dst;
	return L4_OK;
}

/* Points every link that names `from` at `to` (for a move). */
static void relink(struct cap *to)
{
	if (to->prev)
		to->prev->next = to;
	else if (to->parent)
		to->parent->child = to;
	if (to->next)
		to->next->prev = to;
	for (struct cap *ch = to->child; ch; ch = ch->next)
		ch->parent = to;
}

void cap_move(struct cap *src, struct cap *dst)
{
	if (src == dst)
		return;
	*dst = *src;
	relink(dst);
	*src = (struct cap){ 0 };
}

/* Takes c out of the tree; its children move up to c's parent. */
static void unlink(struct cap *c)
{
	struct cap *ch = c->child;

	while (ch) {
		struct cap *next = ch->next;
		ch->parent = c->parent;
		ch->prev = NULL;
		ch->next = NULL;
		if (c->parent) {
			ch->next = c->parent->child;
			if (ch->next)
				ch->next->prev = ch;
			c->parent->child = ch;
		}
		ch = next;
	}
	if (c->prev)
		c->prev->next = c->next;
	else if (c->parent)
		c->parent->child = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

void cap_delete(struct cap *c)
{
	struct kobj *o = c->obj;
	bool root = !c->parent;

	if (!o)
		return;
	if (root)
		cap_revoke(c);
	unlink(c);
	*c = (struct cap){ 0 };
	if (root)
		kobj_destroy(o);
}

void cap_revoke(struct cap *c)
{
	/* Delete leaves first: descend to a leaf under c, delete it, repeat.
	 * Each step deletes one capability, so the loop ends. */
	while (c->child) {
		struct cap *leaf = c->child;
		while (leaf->child)
			leaf = leaf->child;
		cap_delete(leaf);
	}
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
