/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU state: everything that differs between CPUs, gathered in one
 * struct per CPU. Code reaches the running CPU's as this_cpu->field (on
 * x86-64 a GS-relative access, as cheap as a global), another CPU's as
 * cpus[n].field.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "types.h"
#include "percpu_arch.h"

#define MAX_CPUS 16
#define PRIO_LEVELS 256

struct thread;

struct percpu {
	struct arch_percpu arch;       /* first: the entry code reaches its first words */
	unsigned id;                   /* index in cpus[]: 0 is the boot CPU */
	bool online;                   /* started and running the kernel */
	struct thread *current;        /* the thread running here (in no ready queue), or NULL */
	struct thread *ready[PRIO_LEVELS];      /* ready queues: circular lists, head runs next */
	uint64_t ready_bits[PRIO_LEVELS / 64];  /* bit p: ready[p] is not empty */
	uint64_t ready_words;          /* bit w: ready_bits[w] is not 0 */
	struct thread *timeouts;       /* threads blocked with a timeout here, by deadline */
	uint64_t ticks;                /* scheduler ticks of this CPU's timer */
	volatile uint64_t next_deadline;  /* the first timeout's tick (~0: none), read unlocked */
	void (*volatile call_fn)(void *);  /* a remote call for this CPU to run (smp_call) */
	void *call_arg;
};

extern struct percpu cpus[MAX_CPUS];

/* The running CPU becomes cpus[id] (at its start, before anything else). */
void percpu_enter(unsigned id);

/* The running CPU's struct as a plain pointer. */
static inline struct percpu *cpu_self(void)
{
	return this_arch->self;
}
extern unsigned cpu_count;          /* CPUs started (cpus[0 .. cpu_count-1]) */

#endif
