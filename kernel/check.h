/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel self-check (L4_DEBUG_CHECK, include/l4/debug.h): a walk over
 * every object, capability, mapping and queue that counts the invariants
 * it finds broken and prints each. Tests and the fuzzers call it between
 * steps; nothing else depends on it. The modules that own private state
 * (scheduler queues, the mapping database, address spaces) check their
 * part and report through check_fail.
 */
#ifndef KERNEL_CHECK_H
#define KERNEL_CHECK_H

#include "types.h"

struct factory;

struct check_result {
	uint64_t broken;    /* invariants found broken */
	uint64_t first;     /* the first one's L4_CHECK_* code */
	uint64_t objects;   /* objects walked */
	uint64_t nodes;     /* mapping-database nodes walked */
	uint64_t stack;     /* the deepest the kernel stack has been, in bytes */
	uint64_t free;      /* the kernel's free page frames */
};

struct check_result kernel_check(void);

/* Reports a broken invariant (code: L4_CHECK_*). */
void check_fail(unsigned code, const char *fmt, ...) PRINTF(2, 3);
/* True if o is an object of that type (L4_OBJ_NONE: any) that this walk
 * found alive in some factory's list. */
bool check_alive(const void *o, unsigned type);
/* The walk expects f's quota to hold bytes more (f NULL: uncharged). */
void check_charge(struct factory *f, uint64_t bytes);

/* The modules' parts. Each returns how many things it walked. */
/* sched.c: the ready queues and timeouts; *ready and *timed count threads. */
void sched_check(uint64_t *ready, uint64_t *timed);
/* mapdb.c: every node of every frame's and port's tree. */
uint64_t mapdb_check(void);

#endif
