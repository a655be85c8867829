/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU state: the structs, and GS pointing at the running CPU's. */
#include "percpu.h"
#include "x86.h"

struct percpu cpus[MAX_CPUS];
unsigned cpu_count = 1;

_Static_assert(__builtin_offsetof(struct percpu, arch.self) == PC_SELF, "PC_SELF");
_Static_assert(__builtin_offsetof(struct percpu, arch.scratch) == PC_SCRATCH, "PC_SCRATCH");
_Static_assert(__builtin_offsetof(struct percpu, arch.frame_top) == PC_FRAME_TOP, "PC_FRAME_TOP");
_Static_assert(__builtin_offsetof(struct percpu, arch.kstack_top) == PC_KSTACK_TOP, "PC_KSTACK_TOP");
_Static_assert(__builtin_offsetof(struct percpu, arch.guest_regs) == PC_GUEST_REGS, "PC_GUEST_REGS");

/* The running CPU becomes cpus[id]: GS's base is its struct from now on,
 * and the user GS base SWAPGS exchanges it with is 0. */
void percpu_enter(unsigned id)
{
	struct percpu *c = &cpus[id];

	c->arch.self = c;
	c->arch.cpu_bit = 1ull << id;
	c->id = id;
	c->next_deadline = ~0ull;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
