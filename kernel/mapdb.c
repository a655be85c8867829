/* SPDX-License-Identifier: GPL-2.0-only */
/* The mapping database (see mapdb.h). */
#include "mapdb.h"
#include <l4/debug.h>
#include <l4/errno.h>
#include "check.h"
#include "console.h"
#include "factory.h"
#include "layout.h"
#include "mem.h"
#include "string.h"
#include "task.h"

static struct mapnode **roots;     /* per frame: the root of its tree, or NULL */
static uint64_t root_frames;
static struct mapnode *io_roots[IO_PORTS];

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

static struct mapnode **root_slot(bool io, uint64_t frame)
{
	return io ? &io_roots[frame] : &roots[frame >> PAGE_SHIFT];
}

/* t's node at va in the tree of frame (a page's address or a port). */
static struct mapnode *find(struct task *t, uint64_t va, uint64_t frame, bool io)
{
	struct mapnode *root = *root_slot(io, frame);

	for (struct dtree *d = root ? &root->tree : NULL; d; d = dtree_next(&root->tree, d)) {
		struct mapnode *n = node_of(d);
		if (n->task == t && n->va == va)
			return n;
	}
	return NULL;
}

/* t's node for its page at va; *mapped: whether anything is mapped there.
 * (Inlined: as a call it cost the map and page-fault paths 30 instructions.) */
static inline __attribute__((always_inline))
struct mapnode *node_at(struct task *t, uint64_t va, bool *mapped)
{
	uint64_t pa;

	*mapped = space_lookup(&t->space, va, &pa, NULL);
	return *mapped && (pa >> PAGE_SHIFT) < root_frames ? find(t, va, pa, false) : NULL;
}

struct mapnode *mapdb_lookup(struct task *t, uint64_t va)
{
	bool mapped;

	return node_at(t, va, &mapped);
}

struct mapnode *mapdb_lookup_io(struct task *t, unsigned port)
{
	return space_io_allowed(&t->space, port) ? find(t, port, port, true) : NULL;
}

/* Enters n's mapping into its task's page table or I/O bitmap. */
static int install(struct mapnode *n)
{
	return n->io ? space_io_allow(&n->task->space, (unsigned)n->va) :
		       space_map(&n->task->space, n->va, n->frame, n->rights);
}

static void uninstall(struct mapnode *n)
{
	uint64_t pa;

	if (n->io)
		space_io_deny(&n->task->space, (unsigned)n->va);
	else if (space_lookup(&n->task->space, n->va, &pa, NULL) && pa == n->frame)
		space_unmap(&n->task->space, n->va);
}

static int insert_root(struct mapnode proto)
{
	struct mapnode **slot = root_slot(proto.io, proto.frame);

	if (*slot)
		return L4_EBUSY;
	struct mapnode *n = kmem_alloc(quota_of(proto.task), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = proto;
	int err = install(n);
	if (err) {
		kmem_free(quota_of(proto.task), n, sizeof(*n));
		return err;
	}
	*slot = n;
	return L4_OK;
}

int mapdb_insert_root(struct task *t, uint64_t va, uint64_t pa, unsigned rights,
		      bool kernel_frame)
{
	if ((pa >> PAGE_SHIFT) >= root_frames)
		return L4_EINVAL;
	return insert_root((struct mapnode){ .task = t, .va = va, .frame = pa,
					     .rights = (uint8_t)rights, .kernel_frame = kernel_frame });
}

int mapdb_insert_root_io(struct task *t, unsigned port)
{
	if (port >= IO_PORTS)
		return L4_EINVAL;
	return insert_root((struct mapnode){ .task = t, .va = port, .frame = port, .io = true });
}

/* Takes one node (with no children left) out of its task and the tree. */
static void remove_node(struct mapnode *n)
{
	struct task *t = n->task;

	uninstall(n);
	if (!n->tree.parent) {
		*root_slot(n->io, n->frame) = NULL;
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

/* What `to` has at va (a page or port) for a mapping from src to go there:
 * *old its node (NULL: none). False if something is there that the
 * database does not hold (a UTCB page, a port sigma0 never handed out). */
static bool occupant(struct task *to, uint64_t va, const struct mapnode *src, struct mapnode **old)
{
	bool mapped;

	if (src->io) {
		*old = mapdb_lookup_io(to, (unsigned)va);
		return *old || !space_io_allowed(&to->space, (unsigned)va);
	}
	*old = node_at(to, va, &mapped);
	return *old || !mapped;
}

/* Clears the place of old (an occupant, or NULL) for a new mapping from
 * src; refuses src itself and the mappings src descends from. */
static int make_room(struct mapnode *old, const struct mapnode *src)
{
	if (!old)
		return L4_OK;
	if (old == src || is_ancestor(old, src))
		return L4_EBUSY;
	mapdb_unmap(old, true);
	return L4_OK;
}

/* n's rights went down: no mapping derived from it keeps more than its parent. */
static void restrict_derived(struct mapnode *n)
{
	for (struct dtree *d = dtree_next(&n->tree, &n->tree); d; d = dtree_next(&n->tree, d)) {
		struct mapnode *m = node_of(d);
		uint8_t r = (uint8_t)((m->rights & ~SPACE_RWX) | (m->rights & node_of(d->parent)->rights & SPACE_RWX));
		if (r != m->rights) {
			m->rights = r;
			install(m);     /* the page tables are there: only the entry changes */
		}
	}
}

int mapdb_map(struct mapnode *src, struct task *to, uint64_t va, unsigned rights)
{
	rights = (rights & src->rights & SPACE_RWX) | (rights & SPACE_TYPE);
	struct mapnode *old;

	if (!occupant(to, va, src, &old))
		return L4_EBUSY;
	/* Mapping the same page again from the same source just updates the rights. */
	if (old && old->tree.parent == &src->tree) {
		bool fewer = old->rights & ~rights & SPACE_RWX;
		old->rights = (uint8_t)rights;
		int err = install(old);
		if (fewer)
			restrict_derived(old);
		return err;
	}
	int err = make_room(old, src);
	if (err)
		return err;
	struct mapnode *n = kmem_alloc(quota_of(to), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = (struct mapnode){ .task = to, .va = va, .frame = src->frame, .rights = (uint8_t)rights,
			       .io = src->io };
	err = install(n);
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
	struct mapnode *old;
	if (!occupant(to, va, n, &old))
		return L4_EBUSY;
	int err = make_room(old, n);
	if (err)
		return err;
	/* The node (and a kernel frame) is charged to its holder: move the charge too. */
	uint64_t charge = to == from ? 0 : kmem_size(sizeof(*n)) + (n->kernel_frame ? PAGE_SIZE : 0);
	if (!quota_charge(quota_of(to), charge))
		return L4_ENOMEM;
	struct mapnode moved = *n;
	moved.task = to;
	moved.va = va;
	moved.rights = (uint8_t)((rights & n->rights & SPACE_RWX) | (rights & SPACE_TYPE));
	err = install(&moved);
	if (err) {
		quota_release(quota_of(to), charge);
		return err;
	}
	uninstall(n);
	quota_release(quota_of(from), charge);
	bool fewer = n->rights & ~moved.rights & SPACE_RWX;
	n->task = to;
	n->va = va;
	n->rights = moved.rights;
	if (fewer)
		restrict_derived(n);
	return L4_OK;
}

void mapdb_task_destroy(struct task *t)
{
	uint64_t va = 0, pa;

	for (unsigned port = 0; port < t->space.io_len * 8u; port++) {
		struct mapnode *n = mapdb_lookup_io(t, port);
		if (n)
			mapdb_unmap(n, true);
	}
	while (space_next(&t->space, &va, &pa)) {
		struct mapnode *n = mapdb_lookup(t, va);
		if (n)
			mapdb_unmap(n, true);
		else
			space_unmap(&t->space, va);
		va += PAGE_SIZE;
	}
}

/* ---- the self-check's part (check.c) */

/* One frame's (or port's) tree: live holders, mapped as recorded, rights
 * within the parent's, links whole; each node charged to its holder. */
static uint64_t check_tree(struct mapnode *root, bool io, uint64_t frame)
{
	uint64_t n = 0;

	for (struct dtree *d = &root->tree; d; d = dtree_next(&root->tree, d), n++) {
		struct mapnode *m = node_of(d);
		uint64_t pa;
		unsigned rights;
		if (!check_alive(m->task, L4_OBJ_TASK) || m->io != io || m->frame != frame ||
		    (d->child && d->child->parent != d) || (d->next && d->next->prev != d)) {
			check_fail(L4_CHECK_MAPPINGS, "%s %#llx: node %p does not belong to its tree",
				   io ? "port" : "frame", (unsigned long long)frame, m);
			return n;
		}
		const struct mapnode *parent = d->parent ? node_of(d->parent) : NULL;
		bool mapped = io ? space_io_allowed(&m->task->space, (unsigned)m->va) :
				   space_lookup(&m->task->space, m->va, &pa, &rights) && pa == frame &&
				   (rights & (SPACE_W | SPACE_TYPE)) == (m->rights & (SPACE_W | SPACE_TYPE));
		if (!mapped || (parent && (m->rights & SPACE_RWX & ~parent->rights)))
			check_fail(L4_CHECK_MAPPINGS, "task %s: %s %#llx at %#llx not mapped as recorded",
				   m->task->name, io ? "port" : "frame", (unsigned long long)frame,
				   (unsigned long long)m->va);
		check_charge(m->task->obj.factory, kmem_size(sizeof(*m)) +
				 (!parent && m->kernel_frame ? PAGE_SIZE : 0));
	}
	return n;
}

uint64_t mapdb_check(void)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < root_frames; f++)
		if (roots[f])
			n += check_tree(roots[f], false, f << PAGE_SHIFT);
	for (unsigned p = 0; p < IO_PORTS; p++)
		if (io_roots[p])
			n += check_tree(io_roots[p], true, p);
	return n;
}
