/* SPDX-License-Identifier: GPL-2.0-only */
/* Factories: object creation charged to a kernel-memory quota. */
#ifndef KERNEL_FACTORY_H
#define KERNEL_FACTORY_H

#include "kmem.h"
#include "kobj.h"

struct thread;
struct cap;

struct factory {
	struct kobj obj;
	struct quota quota;
	struct factory *parent;      /* whose quota this one's came from */
	struct kobj *objects;        /* every live object charged to it (kobj.f_next) */
	uint64_t check_bytes;        /* the self-check's sum of what its objects hold */
};

/* The boot factory holds all kernel memory; everything descends from it.
 * factory_boot sets it up, factory_root names it afterwards. */
struct factory *factory_boot(uint64_t quota);
struct factory *factory_root(void);

/* Allocates a zeroed object of the given type charged to f (refs 0). */
void *factory_alloc(struct factory *f, size_t size, unsigned type);
/* Frees an object and releases its charge. */
void factory_free(struct kobj *o, size_t size);

/* Destroys every object charged to f (f itself lives on): their root
 * capabilities are deleted wherever they are, and the objects queued for
 * destruction (kobj_reap). Child factories take their objects with them. */
void factory_reclaim(struct factory *f);
void factory_destroy(struct factory *f);

/* Runs an invocation (L4_SYS_CALL on a factory capability) for cur. */
void factory_invoke(struct thread *cur, struct cap *fcap, uint64_t tag);

#endif
