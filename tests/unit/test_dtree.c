/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/dtree.c: derivation trees (parent, first child, sibling
 * list). Fixed trees check each operation's exact links; a randomized test
 * applies thousands of operations to trees of a few hundred nodes and checks
 * every link and the depth-first walk against a model holding only each
 * node's parent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtree.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------ helpers */

#define MAX_LIST 64

/* Collects parent's children in list order, checking the sibling links:
 * the first has no prev, each one's prev is the one before, each one's
 * parent is parent. Returns the count. */
static unsigned children(const struct dtree *parent, struct dtree **out)
{
	unsigned n = 0;
	struct dtree *prev = NULL;

	for (struct dtree *c = parent->child; c; c = c->next) {
		ck_assert_uint_lt(n, MAX_LIST);
		ck_assert_ptr_eq(c->parent, parent);
		ck_assert_ptr_eq(c->prev, prev);
		out[n++] = c;
		prev = c;
	}
	return n;
}

/* parent's children are exactly the n nodes want, in this order. */
static void assert_children(const struct dtree *parent, struct dtree *const *want, unsigned n)
{
	struct dtree *got[MAX_LIST];
	unsigned count = children(parent, got);

	ck_assert_uint_eq(count, n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "child %u: got %p, expected %p", i, (void *)got[i],
			      (void *)want[i]);
}

/* parent's children are the n nodes want, in any order. */
static void assert_children_set(const struct dtree *parent, struct dtree *const *want, unsigned n)
{
	struct dtree *got[MAX_LIST];
	unsigned count = children(parent, got);

	ck_assert_uint_eq(count, n);
	for (unsigned i = 0; i < n; i++) {
		unsigned hits = 0;
		for (unsigned j = 0; j < count; j++)
			hits += got[j] == want[i];
		ck_assert_msg(hits == 1, "node %p is a child %u times", (void *)want[i], hits);
	}
}

static void assert_root(const struct dtree *n)
{
	ck_assert_ptr_null(n->parent);
	ck_assert_ptr_null(n->prev);
	ck_assert_ptr_null(n->next);
}

static void assert_zero(const struct dtree *n)
{
	assert_root(n);
	ck_assert_ptr_null(n->child);
}

/* Fresh, unlinked nodes. */
static struct dtree nd[32];

static void setup(void)
{
	memset(nd, 0, sizeof(nd));
}

/* Adds children so that parent's list reads kids[0], kids[1], ... (add_child
 * puts each new child first, so they are added last to first). */
static void add_in_order(struct dtree *parent, struct dtree *const *kids, unsigned n)
{
	for (unsigned i = n; i-- > 0;)
		dtree_add_child(parent, kids[i]);
}

/* ------------------------------------------------------------ add_child */

START_TEST(test_add_child_first_and_further)
{
	struct dtree *p = &nd[0], *a = &nd[1], *b = &nd[2], *c = &nd[3];

	dtree_add_child(p, a);
	ck_assert_ptr_eq(p->child, a);
	ck_assert_ptr_eq(a->parent, p);
	ck_assert_ptr_null(a->prev);
	ck_assert_ptr_null(a->next);
	ck_assert_ptr_null(a->child);
	assert_root(p);

	dtree_add_child(p, b);   /* the new child comes first */
	ck_assert_ptr_eq(p->child, b);
	ck_assert_ptr_eq(b->parent, p);
	ck_assert_ptr_null(b->prev);
	ck_assert_ptr_eq(b->next, a);
	ck_assert_ptr_eq(a->prev, b);
	ck_assert_ptr_null(a->next);

	dtree_add_child(a, c);   /* a grandchild leaves p's list alone */
	ck_assert_ptr_eq(a->child, c);
	ck_assert_ptr_eq(c->parent, a);
	assert_children(p, (struct dtree *[]){ b, a }, 2);
	assert_children(a, (struct dtree *[]){ c }, 1);
}
END_TEST

START_TEST(test_add_child_keeps_nodes_own_children)
{
	/* An unlinked node that already has children (a subtree) is attached whole. */
	struct dtree *p = &nd[0], *s = &nd[1], *k1 = &nd[2], *k2 = &nd[3];

	add_in_order(s, (struct dtree *[]){ k1, k2 }, 2);
	dtree_add_child(p, s);
	ck_assert_ptr_eq(s->parent, p);
	assert_children(s, (struct dtree *[]){ k1, k2 }, 2);
	assert_children(p, (struct dtree *[]){ s }, 1);
}
END_TEST

/* ------------------------------------------------------------ unlink */

START_TEST(test_unlink_leaf_first_middle_last_only)
{
	struct dtree *p = &nd[0], *a = &nd[1], *b = &nd[2], *c = &nd[3];

	add_in_order(p, (struct dtree *[]){ a, b, c }, 3);
	dtree_unlink(b);   /* middle */
	assert_zero(b);
	assert_children(p, (struct dtree *[]){ a, c }, 2);
	dtree_unlink(a);   /* first */
	assert_zero(a);
	assert_children(p, (struct dtree *[]){ c }, 1);
	dtree_add_child(p, a);
	dtree_unlink(c);   /* last */
	assert_zero(c);
	assert_children(p, (struct dtree *[]){ a }, 1);
	dtree_unlink(a);   /* the only one */
	assert_zero(a);
	ck_assert_ptr_null(p->child);
	assert_zero(p);
}
END_TEST

START_TEST(test_unlink_moves_children_to_parent)
{
	/* g's children: s1, (n at position pos), s2; n's children x (with child
	 * xx) and y. Unlinking n leaves g with s1, s2, x, y. */
	for (unsigned pos = 0; pos < 3; pos++) {
		setup();
		struct dtree *g = &nd[0], *n = &nd[1], *s1 = &nd[2], *s2 = &nd[3];
		struct dtree *x = &nd[4], *y = &nd[5], *xx = &nd[6];
		struct dtree *order[3] = { s1, s2, NULL };

		if (pos < 2)
			memmove(order + pos + 1, order + pos, (2 - pos) * sizeof(order[0]));
		order[pos] = n;
		add_in_order(g, order, 3);
		add_in_order(n, (struct dtree *[]){ x, y }, 2);
		dtree_add_child(x, xx);

		dtree_unlink(n);
		assert_zero(n);
		assert_children_set(g, (struct dtree *[]){ s1, s2, x, y }, 4);
		assert_children(x, (struct dtree *[]){ xx }, 1);   /* grandchildren stay */
		ck_assert_ptr_null(y->child);
		assert_root(g);
		/* The former siblings keep their order. */
		struct dtree *got[MAX_LIST];
		unsigned cnt = children(g, got), i1 = 0, i2 = 0;
		for (unsigned i = 0; i < cnt; i++) {
			if (got[i] == s1)
				i1 = i;
			if (got[i] == s2)
				i2 = i;
		}
		ck_assert_uint_lt(i1, i2);
	}
}
END_TEST

START_TEST(test_unlink_root_children_become_roots)
{
	struct dtree *r = &nd[0], *a = &nd[1], *b = &nd[2], *c = &nd[3], *a1 = &nd[4];

	add_in_order(r, (struct dtree *[]){ a, b, c }, 3);
	dtree_add_child(a, a1);
	dtree_unlink(r);
	assert_zero(r);
	assert_root(a);
	assert_root(b);
	assert_root(c);
	assert_children(a, (struct dtree *[]){ a1 }, 1);
	ck_assert_ptr_null(b->child);
	ck_assert_ptr_null(c->child);
}
END_TEST

START_TEST(test_unlink_lone_node)
{
	struct dtree *n = &nd[0];

	dtree_unlink(n);
	assert_zero(n);
}
END_TEST

/* ------------------------------------------------------------ moved */

/* Copies *from to *to, poisons from, and reports the move. */
static void move(struct dtree *from, struct dtree *to)
{
	*to = *from;
	memset(from, 0xa5, sizeof(*from));
	dtree_moved(to);
}

START_TEST(test_moved_middle_node_with_children)
{
	struct dtree *g = &nd[0], *p1 = &nd[1], *m = &nd[2], *p3 = &nd[3];
	struct dtree *k1 = &nd[4], *k2 = &nd[5], *to = &nd[20];

	add_in_order(g, (struct dtree *[]){ p1, m, p3 }, 3);
	add_in_order(m, (struct dtree *[]){ k1, k2 }, 2);
	move(m, to);
	assert_children(g, (struct dtree *[]){ p1, to, p3 }, 3);
	assert_children(to, (struct dtree *[]){ k1, k2 }, 2);
	ck_assert_ptr_eq(p1->next, to);
	ck_assert_ptr_eq(p3->prev, to);
	ck_assert_ptr_eq(k1->parent, to);
	ck_assert_ptr_eq(k2->parent, to);
}
END_TEST

START_TEST(test_moved_first_and_last_child)
{
	struct dtree *g = &nd[0], *a = &nd[1], *b = &nd[2], *a2 = &nd[20], *b2 = &nd[21];

	add_in_order(g, (struct dtree *[]){ a, b }, 2);
	move(a, a2);   /* first: the parent's child pointer follows */
	ck_assert_ptr_eq(g->child, a2);
	assert_children(g, (struct dtree *[]){ a2, b }, 2);
	move(b, b2);   /* last */
	assert_children(g, (struct dtree *[]){ a2, b2 }, 2);
	ck_assert_ptr_null(b2->next);
}
END_TEST

START_TEST(test_moved_root_and_lone_node)
{
	struct dtree *r = &nd[0], *a = &nd[1], *b = &nd[2], *r2 = &nd[20], *l = &nd[3], *l2 = &nd[21];

	add_in_order(r, (struct dtree *[]){ a, b }, 2);
	move(r, r2);
	assert_root(r2);
	assert_children(r2, (struct dtree *[]){ a, b }, 2);

	move(l, l2);   /* nothing points at it: nothing changes */
	assert_zero(l2);
	assert_children(r2, (struct dtree *[]){ a, b }, 2);
}
END_TEST

START_TEST(test_moved_back_and_forth)
{
	struct dtree *g = &nd[0], *m = &nd[1], *k = &nd[2], *s = &nd[3];
	struct dtree *t1 = &nd[20], *t2 = &nd[21];

	add_in_order(g, (struct dtree *[]){ s, m }, 2);
	dtree_add_child(m, k);
	move(m, t1);
	move(t1, t2);
	move(t2, m);
	assert_children(g, (struct dtree *[]){ s, m }, 2);
	assert_children(m, (struct dtree *[]){ k }, 1);
}
END_TEST

/* ------------------------------------------------------------ leaf and next */

START_TEST(test_leaf_follows_first_children)
{
	struct dtree *r = &nd[0], *a = &nd[1], *b = &nd[2], *a1 = &nd[3], *a2 = &nd[4];
	struct dtree *a1x = &nd[5], *b1 = &nd[6], *b11 = &nd[7], *b111 = &nd[8];

	add_in_order(r, (struct dtree *[]){ a, b }, 2);
	add_in_order(a, (struct dtree *[]){ a1, a2 }, 2);
	dtree_add_child(a1, a1x);
	dtree_add_child(b, b1);   /* b's line is deeper, but not first */
	dtree_add_child(b1, b11);
	dtree_add_child(b11, b111);

	ck_assert_ptr_eq(dtree_leaf(r), a1x);
	ck_assert_ptr_eq(dtree_leaf(a), a1x);
	ck_assert_ptr_eq(dtree_leaf(a1x), a1x);
	ck_assert_ptr_eq(dtree_leaf(a2), a2);
	ck_assert_ptr_eq(dtree_leaf(b), b111);
	ck_assert_ptr_eq(dtree_leaf(b111), b111);
	ck_assert_ptr_eq(dtree_leaf(&nd[9]), &nd[9]);   /* a lone node */
}
END_TEST

START_TEST(test_leaf_repeated_unlink_empties_subtree)
{
	/* How revocation uses it: delete leaves of a subtree until only its root is left. */
	struct dtree *top = &nd[0], *sib = &nd[10];
	struct dtree *g = &nd[11];

	add_in_order(g, (struct dtree *[]){ top, sib }, 2);
	add_in_order(top, (struct dtree *[]){ &nd[1], &nd[2], &nd[3] }, 3);
	add_in_order(&nd[1], (struct dtree *[]){ &nd[4], &nd[5] }, 2);
	dtree_add_child(&nd[4], &nd[6]);
	dtree_add_child(&nd[3], &nd[7]);
	unsigned deleted = 0;
	while (top->child) {
		struct dtree *l = dtree_leaf(top->child);
		ck_assert_ptr_null(l->child);
		dtree_unlink(l);
		deleted++;
		ck_assert_uint_le(deleted, 7);
	}
	ck_assert_uint_eq(deleted, 7);
	assert_children(g, (struct dtree *[]){ top, sib }, 2);
}
END_TEST

/* Walks the subtree of top with dtree_next (at most MAX_LIST steps). */
static unsigned walk(struct dtree *top, struct dtree **out)
{
	unsigned n = 0;

	for (struct dtree *d = top; d; d = dtree_next(top, d)) {
		ck_assert_msg(n < MAX_LIST, "walk does not end");
		out[n++] = d;
	}
	return n;
}

static void assert_walk(struct dtree *top, struct dtree *const *want, unsigned n)
{
	struct dtree *got[MAX_LIST];
	unsigned count = walk(top, got);

	ck_assert_uint_eq(count, n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "step %u: got node %ld, expected node %ld", i,
			      (long)(got[i] - nd), (long)(want[i] - nd));
}

/*
 *  R
 *  ├ r
 *  │ ├ a
 *  │ │ ├ a1
 *  │ │ │ └ a1x
 *  │ │ └ a2
 *  │ ├ b
 *  │ └ c
 *  │   └ c1
 *  └ s
 *    └ s1
 */
enum { R, r_, a_, a1, a1x, a2, b_, c_, c1, s_, s1 };

static void build_walk_tree(void)
{
	add_in_order(&nd[R], (struct dtree *[]){ &nd[r_], &nd[s_] }, 2);
	add_in_order(&nd[r_], (struct dtree *[]){ &nd[a_], &nd[b_], &nd[c_] }, 3);
	add_in_order(&nd[a_], (struct dtree *[]){ &nd[a1], &nd[a2] }, 2);
	dtree_add_child(&nd[a1], &nd[a1x]);
	dtree_add_child(&nd[c_], &nd[c1]);
	dtree_add_child(&nd[s_], &nd[s1]);
}

#define N(i) (&nd[i])

START_TEST(test_next_visits_whole_tree_depth_first)
{
	build_walk_tree();
	assert_walk(N(R), (struct dtree *[]){ N(R), N(r_), N(a_), N(a1), N(a1x), N(a2), N(b_),
					      N(c_), N(c1), N(s_), N(s1) }, 11);
}
END_TEST

START_TEST(test_next_stops_at_end_of_subtree)
{
	build_walk_tree();
	/* r has a next sibling s: the walk of r must not go on to it. */
	assert_walk(N(r_), (struct dtree *[]){ N(r_), N(a_), N(a1), N(a1x), N(a2), N(b_), N(c_),
					       N(c1) }, 8);
	/* a's walk ends after a2, not at a's sibling b. */
	assert_walk(N(a_), (struct dtree *[]){ N(a_), N(a1), N(a1x), N(a2) }, 4);
	/* A subtree whose deepest node has no next sibling anywhere below top. */
	assert_walk(N(a1), (struct dtree *[]){ N(a1), N(a1x) }, 2);
	/* The last child's subtree. */
	assert_walk(N(c_), (struct dtree *[]){ N(c_), N(c1) }, 2);
	assert_walk(N(s_), (struct dtree *[]){ N(s_), N(s1) }, 2);
}
END_TEST

START_TEST(test_next_of_leaf_top_is_null)
{
	build_walk_tree();
	/* Leaves with a next sibling, without one, deep down. */
	static const int leaves[] = { a2, b_, a1x, c1, s1 };
	for (unsigned i = 0; i < ARRAY_SIZE(leaves); i++) {
		ck_assert_ptr_null(dtree_next(N(leaves[i]), N(leaves[i])));
		assert_walk(N(leaves[i]), (struct dtree *[]){ N(leaves[i]) }, 1);
	}
	ck_assert_ptr_null(dtree_next(N(20), N(20)));   /* a lone node */
}
END_TEST

START_TEST(test_next_from_inside_the_subtree)
{
	build_walk_tree();
	/* Continuing a walk of r from any of its nodes. */
	ck_assert_ptr_eq(dtree_next(N(r_), N(a1x)), N(a2));
	ck_assert_ptr_eq(dtree_next(N(r_), N(a2)), N(b_));
	ck_assert_ptr_eq(dtree_next(N(r_), N(b_)), N(c_));
	ck_assert_ptr_null(dtree_next(N(r_), N(c1)));
	ck_assert_ptr_eq(dtree_next(N(R), N(c1)), N(s_));
	ck_assert_ptr_null(dtree_next(N(a_), N(a2)));
}
END_TEST

/* ------------------------------------------------------------ random operations */

#define RN 300            /* nodes */
#define RCELLS (2 * RN)   /* places a node's struct can live */

static struct dtree cells[RCELLS];
static int owner[RCELLS];   /* node in the cell, or -1 */
static int cell_of[RN];
static int mparent[RN];     /* the model: each node's parent, or -1 */

/* ck_assert_msg reports every passing check to the runner (a write to a
 * pipe): the hot loops below only call it when the check fails. */
#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond))                              \
			ck_assert_msg(cond, __VA_ARGS__); \
	} while (0)

static struct dtree *ptr(int i)
{
	return i < 0 ? NULL : &cells[cell_of[i]];
}

/* The node a pointer refers to; fails for a pointer to no live node. */
static int id_of(const struct dtree *p, unsigned op)
{
	CHECK(p >= cells && p < cells + RCELLS, "op %u: pointer %p outside the nodes", op,
		      (const void *)p);
	int id = owner[p - cells];
	CHECK(id >= 0, "op %u: pointer to a dead cell %ld", op, (long)(p - cells));
	return id;
}

/* Recursive depth-first order over the links themselves. */
static void preorder(struct dtree *n, int *out, unsigned *count, unsigned op)
{
	CHECK(*count < RN, "op %u: more nodes in a tree than exist", op);
	out[(*count)++] = id_of(n, op);
	for (struct dtree *c = n->child; c; c = c->next)
		preorder(c, out, count, op);
}

/* in_sub[i]: node i is in the model subtree of top. */
static void model_subtree(int top, bool *in_sub)
{
	signed char state[RN];   /* 0 unknown, 1 in, 2 out */

	memset(state, 0, sizeof(state));
	for (int i = 0; i < RN; i++) {
		int path[RN], len = 0, x = i;
		while (x >= 0 && !state[x] && x != top) {
			path[len++] = x;
			x = mparent[x];
		}
		signed char v = x == top ? 1 : x < 0 ? 2 : state[x];
		while (len)
			state[path[--len]] = v;
		if (x == top)
			state[top] = 1;
	}
	for (int i = 0; i < RN; i++)
		in_sub[i] = state[i] == 1;
}

/* The model's root of every node. */
static void model_roots(int *root)
{
	for (int i = 0; i < RN; i++)
		root[i] = -2;
	for (int i = 0; i < RN; i++) {
		int path[RN], len = 0, x = i;
		while (root[x] == -2 && mparent[x] >= 0) {
			path[len++] = x;
			x = mparent[x];
		}
		int r = root[x] == -2 ? x : root[x];
		root[x] = r;
		while (len)
			root[path[--len]] = r;
	}
}

/* Walks top's subtree with dtree_next; checks it visits exactly the size
 * nodes i with in_sub[i] == want, each once, in the order of a recursive
 * depth-first walk over the links. */
static void check_walk(int top, const int *in_sub, int want, unsigned size, unsigned op)
{
	static int seq[RN], ref[RN];
	bool seen[RN];
	unsigned n = 0, nref = 0;

	memset(seen, 0, sizeof(seen));
	for (struct dtree *d = ptr(top); d; d = dtree_next(ptr(top), d)) {
		CHECK(n < RN, "op %u: walk of %d does not end", op, top);
		int id = id_of(d, op);
		CHECK(!seen[id], "op %u: walk of %d visits %d twice", op, top, id);
		CHECK(in_sub[id] == want, "op %u: walk of %d visits %d outside it", op, top,
			      id);
		seen[id] = true;
		seq[n++] = id;
	}
	CHECK(n == size, "op %u: walk of %d visits %u nodes, model %u", op, top, n, size);
	preorder(ptr(top), ref, &nref, op);
	CHECK(nref == n, "op %u: recursive walk %u nodes, dtree_next %u", op, nref, n);
	for (unsigned i = 0; i < n; i++)
		CHECK(seq[i] == ref[i], "op %u: walk of %d step %u: %d, depth-first says %d",
			      op, top, i, seq[i], ref[i]);
}

/* The walk of a random node's subtree. */
static void check_subtree_walk(int top, unsigned op)
{
	bool in_sub[RN];
	int label[RN];
	unsigned size = 0;

	model_subtree(top, in_sub);
	for (int i = 0; i < RN; i++) {
		label[i] = in_sub[i];
		size += in_sub[i];
	}
	check_walk(top, label, 1, size, op);
}

static void check_all(unsigned op)
{
	unsigned nchild[RN] = { 0 }, tree_size[RN] = { 0 };
	int root[RN];

	for (int i = 0; i < RN; i++)
		if (mparent[i] >= 0)
			nchild[mparent[i]]++;
	for (int i = 0; i < RN; i++) {
		struct dtree *p = ptr(i);
		CHECK(p->parent == ptr(mparent[i]), "op %u: node %d parent", op, i);
		if (p->prev) {
			CHECK(id_of(p->prev, op) >= 0 && p->prev->next == p &&
				      p->prev->parent == p->parent,
				      "op %u: node %d prev", op, i);
		} else if (p->parent) {
			CHECK(p->parent->child == p, "op %u: node %d first but not child", op, i);
		}
		if (!p->parent)
			CHECK(!p->prev && !p->next, "op %u: root %d has siblings", op, i);
		if (p->next)
			CHECK(id_of(p->next, op) >= 0 && p->next->prev == p,
				      "op %u: node %d next", op, i);
		unsigned n = 0;
		for (struct dtree *c = p->child; c; c = c->next) {
			CHECK(n < RN, "op %u: node %d's children loop", op, i);
			int cid = id_of(c, op);
			CHECK(mparent[cid] == i && c->parent == p,
				      "op %u: %d listed as a child of %d", op, cid, i);
			n++;
		}
		CHECK(n == nchild[i], "op %u: node %d has %u children, model %u", op, i, n,
			      nchild[i]);
	}
	/* Every node is reached exactly once, from its own root. */
	model_roots(root);
	for (int i = 0; i < RN; i++)
		tree_size[root[i]]++;
	for (int i = 0; i < RN; i++)
		if (mparent[i] < 0)
			check_walk(i, root, i, tree_size[i], op);
}

START_TEST(test_random_operations_keep_invariants)
{
	unsigned counts[4] = { 0 };
	unsigned max_depth = 0;

	memset(cells, 0, sizeof(cells));
	for (int c = 0; c < RCELLS; c++)
		owner[c] = c < RN ? c : -1;
	for (int i = 0; i < RN; i++) {
		cell_of[i] = i;
		mparent[i] = -1;
	}
	rnd_seed(0x6a09e667f3bcc909ull);
	for (unsigned op = 0; op < 4000; op++) {
		unsigned kind = (unsigned)(rnd() % 10);
		if (op < RN) {   /* first a random tree with long chains: node op below an earlier one */
			if (op == 0)
				continue;
			int n = (int)op, p = rnd() % 3 ? n - 1 : (int)(rnd() % op);
			dtree_add_child(ptr(p), ptr(n));
			mparent[n] = p;
			counts[0]++;
		} else if (kind <= 3) {   /* attach a lone node below any other node */
			int n = -1;
			for (int tries = 0; tries < 50 && n < 0; tries++) {
				int c = (int)(rnd() % RN);
				if (mparent[c] < 0 && !ptr(c)->child)
					n = c;
			}
			if (n < 0)
				continue;
			int p = (int)(rnd() % RN);
			if (p == n)
				continue;
			dtree_add_child(ptr(p), ptr(n));
			mparent[n] = p;
			counts[0]++;
		} else if (kind <= 6) {   /* unlink: children move up */
			int n = (int)(rnd() % RN);
			for (int i = 0; i < RN; i++)
				if (mparent[i] == n)
					mparent[i] = mparent[n];
			mparent[n] = -1;
			dtree_unlink(ptr(n));
			assert_zero(ptr(n));
			counts[1]++;
		} else if (kind <= 8) {   /* move a node's struct to a free cell */
			int n = (int)(rnd() % RN), to;
			do
				to = (int)(rnd() % RCELLS);
			while (owner[to] >= 0);
			int from = cell_of[n];
			move(&cells[from], &cells[to]);
			owner[from] = -1;
			owner[to] = n;
			cell_of[n] = to;
			counts[2]++;
		} else {   /* leaf of a random node */
			int n = (int)(rnd() % RN);
			bool in_sub[RN];
			struct dtree *l = dtree_leaf(ptr(n));
			model_subtree(n, in_sub);
			ck_assert_ptr_null(l->child);
			ck_assert(in_sub[id_of(l, op)]);
			counts[3]++;
		}
		check_all(op);
		/* A random subtree's walk, as revocation does it. */
		check_subtree_walk((int)(rnd() % RN), op);
		for (int i = 0; op % 64 == 0 && i < RN; i++) {
			unsigned d = 0;
			for (int x = i; mparent[x] >= 0; x = mparent[x])
				d++;
			max_depth = MAX(max_depth, d);
		}
	}
	for (unsigned k = 0; k < 4; k++)
		ck_assert_uint_ge(counts[k], 300);
	ck_assert_uint_ge(max_depth, 20);   /* deep trees were exercised */
}
END_TEST

Suite *dtree_suite(void)
{
	Suite *s = suite_create("dtree");
	TCase *tc = tcase_create("operations");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_add_child_first_and_further);
	tcase_add_test(tc, test_add_child_keeps_nodes_own_children);
	tcase_add_test(tc, test_unlink_leaf_first_middle_last_only);
	tcase_add_test(tc, test_unlink_moves_children_to_parent);
	tcase_add_test(tc, test_unlink_root_children_become_roots);
	tcase_add_test(tc, test_unlink_lone_node);
	tcase_add_test(tc, test_moved_middle_node_with_children);
	tcase_add_test(tc, test_moved_first_and_last_child);
	tcase_add_test(tc, test_moved_root_and_lone_node);
	tcase_add_test(tc, test_moved_back_and_forth);
	tcase_add_test(tc, test_leaf_follows_first_children);
	tcase_add_test(tc, test_leaf_repeated_unlink_empties_subtree);
	suite_add_tcase(s, tc);

	tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_next_visits_whole_tree_depth_first);
	tcase_add_test(tc, test_next_stops_at_end_of_subtree);
	tcase_add_test(tc, test_next_of_leaf_top_is_null);
	tcase_add_test(tc, test_next_from_inside_the_subtree);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "random", NULL, NULL, test_random_operations_keep_invariants);
	return s;
}
