/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mapping database: for every page frame that user tasks may map,
 * a derivation tree of its mappings. The root is the frame's owner
 * (sigma0 for free memory, a boot task for its own image); map adds a
 * child, grant moves a node to another task, and unmap removes every
 * mapping derived from a node, in every task, before (optionally) the
 * node itself. Frames without a tree (UTCBs, kernel objects) cannot be
 * mapped at all. Nodes are charged to the quota of the task that holds
 * the mapping.
 */
#ifndef KERNEL_MAPDB_H
#define KERNEL_MAPDB_H

#include "dtree.h"
#include "types.h"

struct task;

/* 48 bytes (a slab class of its own): the frame is not kept, since every
 * node of a tree maps its root's frame, and a node is always in its
 * holder's page table; callers pass the frame where it is needed. */
struct mapnode {
	struct dtree tree;
	struct task *task;          /* who has the mapping */
	uint64_t page : 40;         /* where: the address >> PAGE_SHIFT, or the I/O port */
	uint64_t rights : 6;        /* SPACE_R/W/X and SPACE_UC/WT */
	uint64_t order : 5;         /* PAGE_SHIFT, _2M or _1G (the whole tree's); 0 for a port */
	uint64_t io : 1;            /* an I/O port, not a page */
	uint64_t kernel_frame : 1;  /* root only: the frame returns to the kernel when the root goes */
};

/* Where n's mapping is: the address in its task's space, or the port. */
static inline uint64_t mapnode_va(const struct mapnode *n)
{
	return n->io ? n->page : (uint64_t)n->page << PAGE_SHIFT;
}

/* Sets up the per-frame roots for physical memory up to phys_limit. */
void mapdb_init(uint64_t phys_limit);

/* The node of t's mapping at va (in a large page: of all of it), or NULL
 * (no mapping, or not mappable); *frame (may be NULL): the first frame of
 * the node's page. */
struct mapnode *mapdb_lookup(struct task *t, uint64_t va, uint64_t *frame);

/* The node of t's access to I/O port, or NULL. */
struct mapnode *mapdb_lookup_io(struct task *t, unsigned port);

/* Makes t the owner of I/O port (sigma0, on first use). */
int mapdb_insert_root_io(struct task *t, unsigned port);

/* Makes t the owner of the page at pa of 2^order bytes, mapped at va with
 * rights (L4_EBUSY if a frame of it has an owner). kernel_frame: the frame
 * came from the kernel's pool and goes back there at the end. */
int mapdb_insert_root(struct task *t, uint64_t va, uint64_t pa, unsigned rights,
		      bool kernel_frame, unsigned order);

/* A large root with nothing derived from it becomes 512 roots of the
 * next smaller size (L4_EBUSY if something is derived). */
int mapdb_split_root(struct mapnode *n);

/* t's 512 roots of the next smaller size at va (aligned to 2^order, a
 * large page's order), mapped contiguously with the same rights and
 * nothing derived, become one root of 2^order bytes. */
int mapdb_merge_roots(struct task *t, uint64_t va, unsigned order);

/* Maps src's page into `to` at va (replacing what was there: a page of
 * the same size, or small pages where a large one goes; L4_EBUSY if a
 * large page is where a small one is to go), as a child with rights
 * limited to src's; for an I/O port, va is the port. Error code. */
int mapdb_map(struct mapnode *src, uint64_t frame, struct task *to, uint64_t va, unsigned rights);

/* Moves the mapping n to `to` at va with rights limited to n's. Error code.
 * frame: the page's (mapdb_lookup's), or the port. */
int mapdb_grant(struct mapnode *n, uint64_t frame, struct task *to, uint64_t va, unsigned rights);

/* Removes every mapping derived from n, and n itself if self. */
void mapdb_unmap(struct mapnode *n, bool self);

/* Removes all of t's mappings (and everything derived from them). */
void mapdb_task_destroy(struct task *t);

#endif
