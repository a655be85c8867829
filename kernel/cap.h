/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capabilities and capability tables.
 *
 * A task's table is a flat array of struct cap; the slot index is the
 * capability's name. Capabilities form a derivation tree (parent, first
 * child, siblings): a copy or mint is a child of its source, so revoke
 * can find and delete everything derived from a capability in every
 * task. Deleting a derived capability re-parents its children to its
 * parent, so they stay revocable from above; deleting a root capability
 * revokes its children and destroys the object (kobj.h). Capabilities
 * kept inside objects (a thread's pager) are tree members too.
 */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include "dtree.h"
#include "kobj.h"

struct cap {
	struct kobj *obj;      /* NULL: empty */
	uint64_t badge;
	uint8_t rights;
	struct dtree tree;     /* derivation */
};

/* The original capability of its object (the root of its derivation tree). */
static inline bool cap_is_original(const struct cap *c)
{
	return !c->tree.parent;
}

struct cap_table {
	struct cap *slots;
	uint64_t size;
};

/* Error code; on success *out is the slot's capability. A lookup needs
 * the object type (L4_OBJ_NONE: any) and every right in `rights`. */
int cap_lookup(const struct cap_table *t, uint64_t slot, unsigned type, unsigned rights,
	       struct cap **out);

/* The slot for a new capability: in range and empty. */
int cap_lookup_empty(const struct cap_table *t, uint64_t slot, struct cap **out);

static inline unsigned cap_type(const struct cap *c)
{
	return c->obj ? c->obj->type : L4_OBJ_NONE;
}

/* Installs the first capability to a fresh object (a tree root). */
void cap_install_root(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge);

/* dst (empty) becomes a child of src with rights & mask and, if
 * set_badge, the given badge (only for endpoints and notifications, and
 * only when src is not badged yet). Error code. */
int cap_derive(struct cap *src, struct cap *dst, unsigned rights_mask, bool set_badge,
	       uint64_t badge);

/* Moves src to the empty dst, keeping its place in the derivation tree. */
void cap_move(struct cap *src, struct cap *dst);

/* Empties the slot; a root capability takes its object with it. */
void cap_delete(struct cap *c);

/* Deletes every capability derived from c; c stays. */
void cap_revoke(struct cap *c);

/*
 * Moves (grant) or derives (map, rights reduced by the fpage's) the
 * capabilities of flexpage fp from one table to another, starting at slot
 * dst_base. The whole range is checked first: it lands whole or not at
 * all (L4_EBUSY if a destination slot is occupied). Empty source slots
 * stay empty.
 */
int cap_transfer(struct cap_table *from, uint64_t fp, bool grant, struct cap_table *to,
		 uint64_t dst_base);

/* Deletes every capability in a table (the table itself stays). */
void cap_table_clear(struct cap_table *t);

#endif
