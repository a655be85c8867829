/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Derivation trees: who derived what from whom. Capabilities (cap.c) and
 * memory mappings (mapdb.c) both record their derivation in one: a node
 * has a parent, a first child and siblings. The operations are
 * iterative; the kernel never recurses.
 */
#ifndef KERNEL_DTREE_H
#define KERNEL_DTREE_H

#include "types.h"

struct dtree {
	struct dtree *parent, *child, *next, *prev;
};

/* Makes node (unlinked) the first child of parent. */
void dtree_add_child(struct dtree *parent, struct dtree *node);

/* Unlinks node; its children move up to node's parent (or become roots). */
void dtree_unlink(struct dtree *node);

/* The node's memory moved from `from` to `to`: repoints its neighbours. */
void dtree_moved(struct dtree *to);

/* The deepest first descendant of node (node itself if it has no children):
 * a leaf, so revoking deletes leaves until none is left. */
static inline struct dtree *dtree_leaf(struct dtree *node)
{
	while (node->child)
		node = node->child;
	return node;
}

/*
 * Depth-first successor of n within the subtree rooted at top (NULL at the
 * end): visits every node of the subtree once, without recursion.
 */
struct dtree *dtree_next(const struct dtree *top, struct dtree *n);

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#endif
