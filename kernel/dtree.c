/* SPDX-License-Identifier: GPL-2.0-only */
#include "dtree.h"

void dtree_add_child(struct dtree *parent, struct dtree *node)
{
	node->parent = parent;
	node->prev = NULL;
	node->next = parent->child;
	if (parent->child)
		parent->child->prev = node;
	parent->child = node;
}

void dtree_unlink(struct dtree *node)
{
	struct dtree *ch = node->child;

	while (ch) {
		struct dtree *next = ch->next;
		ch->prev = ch->next = NULL;
		ch->parent = NULL;
		if (node->parent)
			dtree_add_child(node->parent, ch);
		ch = next;
	}
	if (node->prev)
		node->prev->next = node->next;
	else if (node->parent)
		node->parent->child = node->next;
	if (node->next)
		node->next->prev = node->prev;
	*node = (struct dtree){ 0 };
}

void dtree_moved(struct dtree *to)
{
	if (to->prev)
		to->prev->next = to;
	else if (to->parent)
		to->parent->child = to;
	if (to->next)
		to->next->prev = to;
	for (struct dtree *ch = to->child; ch; ch = ch->next)
		ch->parent = to;
}

struct dtree *dtree_next(const struct dtree *top, struct dtree *n)
{
	if (n->child)
		return n->child;
	while (n != top) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}
