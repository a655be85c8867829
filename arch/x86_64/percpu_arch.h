/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86-64 part of the per-CPU state (kernel/percpu.h), and how the
 * running CPU finds its own: GS. In the kernel, GS's base is this CPU's
 * struct percpu; user mode and guests have their own, swapped by SWAPGS at
 * every entry from and exit to user mode (user GS bases are always 0: no
 * FSGSBASE, and every GDT descriptor has base 0), and loaded from
 * HOST_GS_BASE at every VM exit. A field is then one GS-relative
 * instruction, as a global variable was.
 */
#ifndef ARCH_PERCPU_ARCH_H
#define ARCH_PERCPU_ARCH_H

/* Offsets the assembly code uses (checked in percpu.c). */
#define PC_SELF       0
#define PC_SCRATCH    8
#define PC_FRAME_TOP  16
#define PC_KSTACK_TOP 24
#define PC_GUEST_REGS 32

#ifndef __ASSEMBLY__
#include "layout.h"
#include "trap.h"

struct percpu;
struct thread;
struct space;

struct arch_percpu {
	struct percpu *self;           /* this struct's own address: GS-relative to plain */
	uint64_t scratch;              /* syscall entry: the user's RSP until it is saved */
	uint64_t frame_top;            /* the current thread's register frame's end: entries save there */
	uint64_t kstack_top;           /* this CPU's kernel stack's top: every entry starts there */
	void *guest_regs;              /* the running vCPU's register area (vmx_entry.S) */
	uint64_t current_vmcs;         /* the VMCS loaded by VMPTRLD here, or 0 */
	uint64_t vmxon_region;         /* physical address of this CPU's VMXON region, or 0 */
	bool vmx_ready;                /* in VMX operation: vCPUs may run here */
	struct space *space_current;   /* whose tables CR3 holds */
	struct space *guest_space;     /* the VM whose vCPU runs here (in VMX non-root), or NULL */
	struct space *shootdown;       /* a space whose shootdown waits for the end of this entry */
	struct thread *fpu_owner;      /* whose state the FPU registers hold */
	bool fpu_ts_set;               /* CR0.TS as last written */
	const struct thread *uexit_last_user;  /* the thread the kernel last left to */
	uint64_t uexit_loaded_fs;      /* the FS base as last written */
	uint64_t io_loaded_gen;        /* the I/O bitmap generation the TSS holds */
	uint32_t io_loaded_len;        /* ... and the bytes of it in use */
	uint32_t apic_id;              /* this CPU's local APIC ID */
	uint64_t cpu_bit;              /* 1 << this CPU's index (space.tlb_stale) */
	volatile uint32_t lock;        /* this CPU's part of the kernel lock (kernel/smp.h) */
	uint8_t held;                  /* what this CPU holds of it: LOCK_NONE, _LOCAL, _ALL */
	uint64_t gdt[7];               /* null, kernel code and data, user data and code, TSS (2) */
	struct tss_io tss_io;          /* the TSS and its I/O permission bitmap */
};

/* One CPU's stacks; overflowing one touches its guard page: a named panic. */
struct cpu_stacks {
	uint8_t guard[STACK_GUARD];
	uint8_t kstack[KSTACK_SIZE];
	struct {
		uint8_t guard[STACK_GUARD];
		uint8_t stack[IST_STACK_SIZE];
	} ist[IST_STACKS];
};
extern struct cpu_stacks cpu_stacks[];

/* Which stack's guard page addr lies in ("kernel", "IST n"), on which CPU; NULL if none. */
const char *stack_guard_hit(uint64_t addr, unsigned *cpu);

#ifdef HOST_TEST
/* Host unit tests: one CPU, a plain global (tests/unit/shim). */
extern struct percpu host_percpu;
#define this_cpu (&host_percpu)
#define this_arch ((struct arch_percpu *)&host_percpu)
#else
/* The running CPU's struct percpu, as a GS-relative lvalue: this_cpu->field;
 * this_arch->field is this_arch->field (usable before struct percpu is
 * complete). */
#define this_cpu ((struct percpu __seg_gs *)0)
#define this_arch ((struct arch_percpu __seg_gs *)0)
#endif

/* This CPU's lock word taken if it was free: one XCHG (a full barrier). */
static inline bool arch_lock_try_local(void)
{
	uint32_t v = 1;

	__asm__ volatile("xchgl %0, %%gs:%c1" : "+r"(v)
			 : "i"(__builtin_offsetof(struct arch_percpu, lock)) : "memory");
	return !v;
}

/* ... and released: a plain store is a release on x86 (TSO). */
static inline void arch_unlock_local(void)
{
	__asm__ volatile("" : : : "memory");
	this_arch->lock = 0;
}

/* Whether this CPU's TSS's I/O map is in use. */
static inline bool tss_io_map_on(void)
{
	return this_arch->tss_io.tss.iomap_base != IOMAP_NONE;
}

#endif
#endif
