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

struct mapnode {
	struct dtree tree;
	struct task *task;     /* who has the mapping */
	uint64_t va;           /* where */
	uint64_t frame;        /* physical address of the page */
	uint8_t rights;        /* SPACE_R/W/X */
	bool kernel_frame;     /* root only: the frame returns to the kernel when the root goes */
	bool io;               /* an I/O port, not a page */
};

/* Sets up the per-frame roots for physical memory up to phys_limit. */
void mapdb_init(uint64_t phys_limit);

/* The node of t's mapping at va, or NULL (no mapping, or not mappable). */
struct mapnode *mapdb_lookup(struct task *t, uint64_t va);

/* The node of t's access to I/O port, or NULL. */
struct mapnode *mapdb_lookup_io(struct task *t, unsigned port);

/* Makes t the owner of I/O port (sigma0, on first use). */
int mapdb_insert_root_io(struct task *t, unsigned port);

/* Makes t the owner of frame pa, mapped at va with rights. kernel_frame:
 * the frame came from the kernel's pool and goes back there at the end. */
int mapdb_insert_root(struct task *t, uint64_t va, uint64_t pa, unsigned rights,
		      bool kernel_frame);

/* Maps src's frame into `to` at va (replacing what was there), as a child
 * with rights limited to src's; for an I/O port, va is the port. Error code. */
int mapdb_map(struct mapnode *src, struct task *to, uint64_t va, unsigned rights);

/* Moves the mapping n to `to` at va with rights limited to n's. Error code. */
int mapdb_grant(struct mapnode *n, struct task *to, uint64_t va, unsigned rights);

/* Removes every mapping derived from n, and n itself if self. */
void mapdb_unmap(struct mapnode *n, bool self);

/* Removes all of t's mappings (and everything derived from them). */
void mapdb_task_destroy(struct task *t);

#endif
