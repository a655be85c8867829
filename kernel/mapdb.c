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

/* Per frame: the root of the tree of the page that starts at that frame
 * (a large root is in its first frame's slot only), or NULL. */
static struct mapnode **roots;
static uint16_t *smalls;           /* per 2 MiB: how many 4 KiB roots it has */
static uint64_t root_frames;
static struct mapnode *io_roots[IO_PORTS];

#define FRAMES_2M (1ull << (PAGE_SHIFT_2M - PAGE_SHIFT))

void mapdb_init(uint64_t phys_limit)
{
	root_frames = ALIGN_UP(phys_limit, 1ull << PAGE_SHIFT_2M) >> PAGE_SHIFT;
	uint64_t bytes = root_frames * sizeof(*roots) + root_frames / FRAMES_2M * sizeof(*smalls);
	uint64_t pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = frame_alloc_contig(&mem.frames, pages, PAGE_SIZE);

	if (pa == FRAME_NONE)
		panic("mapdb: no room for %llu frame roots", (unsigned long long)root_frames);
	roots = phys_to_virt(pa);
	smalls = (uint16_t *)(roots + root_frames);
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

/* Whether a root of a page of 2^order bytes at frame would overlap one
 * that is there: a larger root around it, or any root in it. */
static bool root_taken(uint64_t frame, unsigned order)
{
	for (unsigned o = order + 9; o <= PAGE_SHIFT_1G; o += 9) {
		const struct mapnode *r = roots[ALIGN_DOWN(frame, 1ull << o) >> PAGE_SHIFT];
		if (r && r->order >= o)
			return true;
	}
	if (order == PAGE_SHIFT)
		return roots[frame >> PAGE_SHIFT];
	for (uint64_t f = frame; f < frame + (1ull << order); f += 1ull << PAGE_SHIFT_2M)
		if (roots[f >> PAGE_SHIFT] || smalls[f >> PAGE_SHIFT_2M])
			return true;
	return false;
}

/* t's node at va in the tree of frame (a page's first frame, or a port). */
static struct mapnode *find(struct task *t, uint64_t va, uint64_t frame, bool io)
{
	struct mapnode *root = *root_slot(io, frame);
	uint64_t page = io ? va : va >> PAGE_SHIFT;

	for (struct dtree *d = root ? &root->tree : NULL; d; d = dtree_next(&root->tree, d)) {
		struct mapnode *n = node_of(d);
		if (n->task == t && n->page == page)
			return n;
	}
	return NULL;
}

/* t's node for its page that maps va; *order: that page's order (0:
 * nothing mapped there). (Inlined: as a call it cost the map and
 * page-fault paths 30 instructions.) */
static inline __attribute__((always_inline))
struct mapnode *node_at(struct task *t, uint64_t va, unsigned *order, uint64_t *pa)
{
	*order = space_page(&t->space, va, pa, NULL);
	return *order && (*pa >> PAGE_SHIFT) < root_frames ?
	       find(t, ALIGN_DOWN(va, 1ull << *order), *pa, false) : NULL;
}

struct mapnode *mapdb_lookup(struct task *t, uint64_t va, uint64_t *frame)
{
	unsigned order;
	uint64_t pa;
	struct mapnode *n = node_at(t, va, &order, &pa);

	if (frame)
		*frame = pa;
	return n;
}

/* n's frame (or port), from its holder's page table: a node is always
 * mapped as it says (the self-check checks it). */
static uint64_t frame_of(const struct mapnode *n)
{
	uint64_t pa = 0;

	if (n->io)
		return n->page;
	space_page(&n->task->space, mapnode_va(n), &pa, NULL);
	return pa;
}

struct mapnode *mapdb_lookup_io(struct task *t, unsigned port)
{
	return space_io_allowed(&t->space, port) ? find(t, port, port, true) : NULL;
}

/* Enters n's mapping of frame (or its port) into its task's page table or I/O bitmap. */
static int install(struct mapnode *n, uint64_t frame)
{
	return n->io ? space_io_allow(&n->task->space, (unsigned)n->page) :
		       space_map_page(&n->task->space, mapnode_va(n), frame, n->rights, n->order);
}

static void uninstall(struct mapnode *n)
{
	uint64_t pa;

	if (n->io)
		space_io_deny(&n->task->space, (unsigned)n->page);
	else if (space_page(&n->task->space, mapnode_va(n), &pa, NULL) == n->order)
		space_unmap(&n->task->space, mapnode_va(n));
}

/* The root slot of n's frame (or port) becomes `to` (n or NULL). */
static void set_root(const struct mapnode *n, uint64_t frame, struct mapnode *to)
{
	*root_slot(n->io, frame) = to;
	if (!n->io && n->order == PAGE_SHIFT)
		smalls[frame >> PAGE_SHIFT_2M] += to ? 1 : -1;
}

static int insert_root(struct mapnode proto, uint64_t frame)
{
	if (proto.io ? io_roots[frame] != NULL : root_taken(frame, proto.order))
		return L4_EBUSY;
	struct mapnode *n = kmem_alloc(quota_of(proto.task), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = proto;
	int err = install(n, frame);
	if (err) {
		kmem_free(quota_of(proto.task), n, sizeof(*n));
		return err;
	}
	set_root(n, frame, n);
	return L4_OK;
}

int mapdb_insert_root(struct task *t, uint64_t va, uint64_t pa, unsigned rights,
		      bool kernel_frame, unsigned order)
{
	uint64_t size = 1ull << order;

	if ((order != PAGE_SHIFT && order != PAGE_SHIFT_2M && order != PAGE_SHIFT_1G) || !IS_ALIGNED(pa | va, size) ||
	    ((pa + size - 1) >> PAGE_SHIFT) >= root_frames || (kernel_frame && order != PAGE_SHIFT) ||
	    !space_range_ok(&t->space, va, size))
		return L4_EINVAL;
	return insert_root((struct mapnode){ .task = t, .page = va >> PAGE_SHIFT, .rights = rights & 0x3f,
					     .kernel_frame = kernel_frame, .order = order }, pa);
}

int mapdb_insert_root_io(struct task *t, unsigned port)
{
	if (port >= IO_PORTS)
		return L4_EINVAL;
	return insert_root((struct mapnode){ .task = t, .page = port, .io = true }, port);
}

int mapdb_split_root(struct mapnode *n)
{
	struct quota *q = quota_of(n->task);
	struct mapnode *piece[512];

	if (n->io || n->order == PAGE_SHIFT || n->tree.parent)
		return L4_EINVAL;
	if (n->tree.child)
		return L4_EBUSY;
	for (unsigned i = 0; i < 512; i++) {
		if (!(piece[i] = kmem_alloc(q, sizeof(*n)))) {
			while (i-- > 0)
				kmem_free(q, piece[i], sizeof(*n));
			return L4_ENOMEM;
		}
	}
	uint64_t frame = frame_of(n);
	unsigned order = n->order - 9;
	int err = space_split(&n->task->space, mapnode_va(n));
	if (err) {
		for (unsigned i = 0; i < 512; i++)
			kmem_free(q, piece[i], sizeof(*n));
		return err;
	}
	set_root(n, frame, NULL);
	for (unsigned i = 0; i < 512; i++) {
		*piece[i] = (struct mapnode){ .task = n->task, .page = n->page + ((uint64_t)i << (order - PAGE_SHIFT)),
					      .rights = n->rights, .order = order };
		set_root(piece[i], frame + ((uint64_t)i << order), piece[i]);
	}
	kmem_free(q, n, sizeof(*n));
	return L4_OK;
}

int mapdb_merge_roots(struct task *t, uint64_t va, unsigned order)
{
	unsigned o;
	uint64_t frame;
	struct mapnode *first = node_at(t, va, &o, &frame);

	if (!first || (order != PAGE_SHIFT_2M && order != PAGE_SHIFT_1G) || o != order - 9 ||
	    !IS_ALIGNED(va | frame, 1ull << order))
		return L4_EINVAL;
	/* (Each root is in its own frame's slot, so frames and places match.) */
	struct mapnode **slot = &roots[frame >> PAGE_SHIFT];
	uint64_t stride = 1ull << (o - PAGE_SHIFT);
	for (unsigned i = 0; i < 512; i++) {
		const struct mapnode *m = slot[i * stride];
		if (!m || m->task != t || m->tree.parent || m->tree.child || m->kernel_frame ||
		    m->order != o || m->page != first->page + ((uint64_t)i << (o - PAGE_SHIFT)) ||
		    m->rights != first->rights)
			return L4_EINVAL;
	}
	struct mapnode *big = kmem_alloc(quota_of(t), sizeof(*big));
	if (!big)
		return L4_ENOMEM;
	int err = space_merge(&t->space, va, order);
	if (err) {
		kmem_free(quota_of(t), big, sizeof(*big));
		return err;
	}
	*big = (struct mapnode){ .task = t, .page = first->page, .rights = first->rights, .order = order };
	for (unsigned i = 0; i < 512; i++) {
		struct mapnode *m = slot[i * stride];
		set_root(m, frame + ((uint64_t)i << o), NULL);
		kmem_free(quota_of(t), m, sizeof(*big));
	}
	set_root(big, frame, big);
	return L4_OK;
}

/* Takes one node (with no children left) out of its task and the tree. */
static void remove_node(struct mapnode *n)
{
	struct task *t = n->task;
	uint64_t frame = n->tree.parent ? 0 : frame_of(n);

	uninstall(n);
	if (!n->tree.parent) {
		set_root(n, frame, NULL);
		if (n->kernel_frame)
			kmem_page_free(quota_of(t), frame);
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

/* What `to` has at va (a page or port) for a mapping from src to go
 * there: *old its node of src's size (NULL: none). Smaller pages where a
 * large one goes are unmapped, after checking that all of them can be.
 * L4_EBUSY if something is there that the database does not hold (a UTCB
 * page, a port sigma0 never handed out), a larger page, or 4 KiB pages
 * where a 1 GiB page goes (up to 262,144 of them: bounded work refuses
 * them; 2 MiB pages, at most 512, make way). (Whether *old may go is the
 * caller's: replaced_ok.) */
static int make_room(struct task *to, uint64_t va, const struct mapnode *src, struct mapnode **old)
{
	unsigned order;
	uint64_t pa;

	if (src->io) {
		*old = mapdb_lookup_io(to, (unsigned)va);
		return !*old && space_io_allowed(&to->space, (unsigned)va) ? L4_EBUSY : L4_OK;
	}
	*old = node_at(to, va, &order, &pa);
	if (order && (!*old || order > src->order))
		return L4_EBUSY;
	if (order == src->order || src->order == PAGE_SHIFT)
		return L4_OK;
	/* Smaller pages in the large page's place: every one the database's. */
	uint64_t end = va + (1ull << src->order), v = va;
	for (; space_next(&to->space, &v, end, &pa); v += 1ull << order)
		if (!node_at(to, v, &order, &pa) || (order == PAGE_SHIFT && src->order == PAGE_SHIFT_1G))
			return L4_EBUSY;
	for (v = va; space_next(&to->space, &v, end, &pa); v += 1ull << order)
		mapdb_unmap(node_at(to, v, &order, &pa), true);
	*old = NULL;
	return L4_OK;
}

/* Whether old (make_room's) may be replaced by a mapping from src: not
 * src itself, nor a mapping src descends from. */
static bool replaced_ok(const struct mapnode *old, const struct mapnode *src)
{
	return !old || (old != src && !is_ancestor(old, src));
}

/* n's rights went down: no mapping derived from it (of frame) keeps more than its parent. */
static void restrict_derived(struct mapnode *n, uint64_t frame)
{
	for (struct dtree *d = dtree_next(&n->tree, &n->tree); d; d = dtree_next(&n->tree, d)) {
		struct mapnode *m = node_of(d);
		uint8_t r = (uint8_t)((m->rights & ~SPACE_RWX) | (m->rights & node_of(d->parent)->rights & SPACE_RWX));
		if (r != m->rights) {
			m->rights = r;
			install(m, frame);     /* the page tables are there: only the entry changes */
		}
	}
}

int mapdb_map(struct mapnode *src, uint64_t frame, struct task *to, uint64_t va, unsigned rights)
{
	rights = (rights & src->rights & SPACE_RWX) | (rights & SPACE_TYPE);
	struct mapnode *old;
	int err;

	/* Mapping the same page again from the same source just updates the rights. */
	if ((err = make_room(to, va, src, &old)))
		return err;
	if (old && old->tree.parent == &src->tree) {
		bool fewer = old->rights & ~rights & SPACE_RWX;
		old->rights = rights & 0x3f;
		err = install(old, frame);
		if (fewer)
			restrict_derived(old, frame);
		return err;
	}
	if (!replaced_ok(old, src))
		return L4_EBUSY;
	if (old)
		mapdb_unmap(old, true);
	struct mapnode *n = kmem_alloc(quota_of(to), sizeof(*n));
	if (!n)
		return L4_ENOMEM;
	*n = (struct mapnode){ .task = to, .page = src->io ? va : va >> PAGE_SHIFT, .rights = rights & 0x3f,
			       .io = src->io, .order = src->order };
	err = install(n, frame);
	if (err) {
		kmem_free(quota_of(to), n, sizeof(*n));
		return err;
	}
	dtree_add_child(&src->tree, &n->tree);
	return L4_OK;
}

int mapdb_grant(struct mapnode *n, uint64_t frame, struct task *to, uint64_t va, unsigned rights)
{
	struct task *from = n->task;

	if (from == to && mapnode_va(n) == va)
		return L4_OK;
	struct mapnode *old;
	int err = make_room(to, va, n, &old);
	if (err)
		return err;
	if (!replaced_ok(old, n))
		return L4_EBUSY;
	if (old)
		mapdb_unmap(old, true);
	/* The node (and a kernel frame) is charged to its holder: move the charge too. */
	uint64_t charge = to == from ? 0 : kmem_size(sizeof(*n)) + (n->kernel_frame ? PAGE_SIZE : 0);
	if (!quota_charge(quota_of(to), charge))
		return L4_ENOMEM;
	struct mapnode moved = *n;
	moved.task = to;
	moved.page = n->io ? va : va >> PAGE_SHIFT;
	moved.rights = ((rights & n->rights & SPACE_RWX) | (rights & SPACE_TYPE)) & 0x3f;
	err = install(&moved, frame);
	if (err) {
		quota_release(quota_of(to), charge);
		return err;
	}
	uninstall(n);
	quota_release(quota_of(from), charge);
	bool fewer = n->rights & ~moved.rights & SPACE_RWX;
	n->task = to;
	n->page = moved.page;
	n->rights = moved.rights;
	if (fewer)
		restrict_derived(n, frame);
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
	while (space_next(&t->space, &va, ~0ull, &pa)) {
		struct mapnode *n = mapdb_lookup(t, va, NULL);
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
		if (!check_alive(m->task, L4_OBJ_TASK) || m->io != io ||
		    (d->child && d->child->parent != d) || (d->next && d->next->prev != d)) {
			check_fail(L4_CHECK_MAPPINGS, "%s %#llx: node %p does not belong to its tree",
				   io ? "port" : "frame", (unsigned long long)frame, m);
			return n;
		}
		const struct mapnode *parent = d->parent ? node_of(d->parent) : NULL;
		bool mapped = io ? space_io_allowed(&m->task->space, (unsigned)m->page) :
				   m->order == root->order &&
				   space_page(&m->task->space, mapnode_va(m), &pa, &rights) == m->order &&
				   pa == frame &&
				   (rights & (SPACE_W | SPACE_TYPE)) == (m->rights & (SPACE_W | SPACE_TYPE));
		if (!mapped || (parent && (m->rights & SPACE_RWX & ~parent->rights)))
			check_fail(L4_CHECK_MAPPINGS, "task %s: %s %#llx at %#llx not mapped as recorded",
				   m->task->name, io ? "port" : "frame", (unsigned long long)frame,
				   (unsigned long long)mapnode_va(m));
		check_charge(m->task->obj.factory, kmem_size(sizeof(*m)) +
				 (!parent && m->kernel_frame ? PAGE_SIZE : 0));
	}
	return n;
}

uint64_t mapdb_check(void)
{
	uint64_t n = 0, covered = 0;    /* (frames below it are in a large root's page) */
	unsigned small = 0;             /* 4 KiB roots seen in this 2 MiB */

	for (uint64_t f = 0; f < root_frames; f++) {
		struct mapnode *r = roots[f];
		if (r && (r->io || f < covered || (r->order != PAGE_SHIFT && r->order != PAGE_SHIFT_2M &&
						   r->order != PAGE_SHIFT_1G) ||
			  !IS_ALIGNED(f, 1ull << (r->order - PAGE_SHIFT)) ||
			  f + (1ull << (r->order - PAGE_SHIFT)) > root_frames))
			check_fail(L4_CHECK_MAPPINGS, "frame %#llx: its root slot holds a root of another page",
				   (unsigned long long)(f << PAGE_SHIFT));
		else if (r && r->order != PAGE_SHIFT)
			covered = f + (1ull << (r->order - PAGE_SHIFT));
		small += r && r->order == PAGE_SHIFT;
		if ((f + 1) % FRAMES_2M == 0) {
			if (smalls[f / FRAMES_2M] != small)
				check_fail(L4_CHECK_MAPPINGS, "2 MiB at %#llx: %u small roots counted, %u there",
					   (unsigned long long)(f / FRAMES_2M << PAGE_SHIFT_2M),
					   smalls[f / FRAMES_2M], small);
			small = 0;
		}
		if (r)
			n += check_tree(r, false, f << PAGE_SHIFT);
	}
	for (unsigned p = 0; p < IO_PORTS; p++)
		if (io_roots[p])
			n += check_tree(io_roots[p], true, p);
	return n;
}
