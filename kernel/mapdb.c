/* SPDX-License-Identifier: GPL-2.0-only */
/* The mapping database (see mapdb.h). */
#include "mapdb.h"
#include <l4/errno.h>
#include "console.h"
#include "factory.h"
#include "layout.h"
#include "mem.h"
#include "string.h"
#include "task.h"

static struct mapnode **roots;     /* per frame: the root of its tree, or NULL */
static uint64_t root_frames;

void mapdb_init(uint64_t phys_limit)
{
	root_frames = phys_limit >> PAGE_SHIFT;
	uint64_t bytes = root_frames * sizeof(*roots);
	uint64_t pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = frame_alloc_contig(&mem.frames, pages, PAGE_SIZE);

	if (pa == FRAME_NONE)
		panic("mapdb: no room for %llu frame roots", (unsigned long long)root_frames);
	roots = phys_to_virt(pa);
	memset(roots, 0, pages * PAGE_SIZE);
}

static struct quota *quota_of(struct task *t)
{
	return &t->obj.factory->quota;
}

static struct mapnode *node_of(struct dtree *d)
{
	return container_of(d, struct mapnode, tree);
}

struct mapnode *mapdb_lookup(struct task *t, uint64_t va)
{
	uint64_t pa;
	unsigned rights;

	if (!space_lookup(&t->space, va, &pa, &rights) || (pa >> PAGE_SHIFT) >= root_frames)
		return NULL;
	struct mapnode *root = roots[pa >> PAGE_SHIFT];
	if (!root)
		return NULL;
	for (struct dtree *d = &root->tree; d; d = dtree_next(&root->tree, d)) {
		struct mapnode *n = node_of(d);
		if (n->task == t && n->va == va)
			return n;
	}
	return NULL;
}

int mapdb_insert_root(struct task *t, uint64_t va, uint64_t pa, unsigned rights,
		      bool kernel_frame)
{
	uint64_t f = pa >> PAGE_SHIFT;

	if (f >= root_frames || roots[f])
		return L4_EBUSY;
	struct mapnode *n = kmem_alloc(quota_of(t), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = (struct mapnode){ .task = t, .va = va, .frame = pa, .rights = (uint8_t)rights,
			       .kernel_frame = kernel_frame };
	int err = space_map(&t->space, va, pa, rights);
	if (err) {
		kmem_free(quota_of(t), n, sizeof(*n));
		return err;
	}
	roots[f] = n;
	return L4_OK;
}

/* Takes one node (with no children left) out of its task and the tree. */
static void remove_node(struct mapnode *n)
{
	uint64_t pa;
	unsigned rights;
	struct task *t = n->task;

	if (space_lookup(&t->space, n->va, &pa, &rights) && pa == n->frame)
		space_unmap(&t->space, n->va);
	if (!n->tree.parent) {
		roots[n->frame >> PAGE_SHIFT] = NULL;
		if (n->kernel_frame)
			kmem_page_free(quota_of(t), n->frame);
	}
	dtree_unlink(&n->tree);
	kmem_free(quota_of(t), n, sizeof(*n));
}

void mapdb_unmap(struct mapnode *n, bool self)
{
	/* Leaves first: each step removes one descendant, so the loop ends. */
	while (n->tree.child)
		remove_node(node_of(dtree_leaf(n->tree.child)));
	if (self)
		remove_node(n);
}

static bool is_ancestor(const struct mapnode *a, const struct mapnode *n)
{
	for (const struct dtree *d = n->tree.parent; d; d = d->parent)
		if (d == &a->tree)
			return true;
	return false;
}

/* Clears `to`'s page at va for a new mapping; refuses frames outside the
 * database (a UTCB) and the mapping src itself descends from. */
static int make_room(struct task *to, uint64_t va, const struct mapnode *src)
{
	uint64_t pa;
	unsigned rights;

	if (!space_lookup(&to->space, va, &pa, &rights))
		return L4_OK;
	struct mapnode *old = mapdb_lookup(to, va);
	if (!old || old == src || is_ancestor(old, src))
		return L4_EBUSY;
	mapdb_unmap(old, true);
	return L4_OK;
}

int mapdb_map(struct mapnode *src, struct task *to, uint64_t va, unsigned rights)
{
	rights &= src->rights;
	struct mapnode *old = mapdb_lookup(to, va);

	/* Mapping the same page again from the same source just updates the rights. */
	if (old && old->tree.parent == &src->tree) {
		old->rights = (uint8_t)rights;
		return space_map(&to->space, va, old->frame, rights);
	}
	int err = make_room(to, va, src);
	if (err)
		return err;
	struct mapnode *n = kmem_alloc(quota_of(to), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = (struct mapnode){ .task = to, .va = va, .frame = src->frame, .rights = (uint8_t)rights };
	err = space_map(&to->space, va, src->frame, rights);
	if (err) {
		kmem_free(quota_of(to), n, sizeof(*n));
		return err;
	}
	dtree_add_child(&src->tree, &n->tree);
	return L4_OK;
}

int mapdb_grant(struct mapnode *n, struct task *to, uint64_t va, unsigned rights)
{
	struct task *from = n->task;

	if (from == to && n->va == va)
		return L4_OK;
	int err = make_room(to, va, n);
	if (err)
		return err;
	/* The node (and a kernel frame) is charged to its holder: move the charge too. */
	uint64_t charge = to == from ? 0 : kmem_size(sizeof(*n)) + (n->kernel_frame ? PAGE_SIZE : 0);
	if (!quota_charge(quota_of(to), charge))
		return L4_ENOMEM;
	rights &= n->rights;
	err = space_map(&to->space, va, n->frame, rights);
	if (err) {
		quota_release(quota_of(to), charge);
		return err;
	}
	space_unmap(&from->space, n->va);
	quota_release(quota_of(from), charge);
	n->task = to;
	n->va = va;
	n->rights = (uint8_t)rights;
	return L4_OK;
}

void mapdb_task_destroy(struct task *t)
{
	uint64_t va = 0, pa;

	while (space_next(&t->space, &va, &pa)) {
		struct mapnode *n = mapdb_lookup(t, va);
		if (n)
			mapdb_unmap(n, true);
		else
			space_unmap(&t->space, va);
		va += PAGE_SIZE;
	}
}
