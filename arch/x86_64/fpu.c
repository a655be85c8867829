/* SPDX-License-Identifier: GPL-2.0-only */
#include "fpu.h"
#include "console.h"
#include "cpu.h"
#include "factory.h"
#include "kmem.h"
#include "string.h"
#include "thread.h"
#include "x86.h"

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define FXSAVE_SIZE 512
#define MXCSR_DEFAULT 0x1f80            /* all SIMD exceptions masked */
#define FXSAVE_MXCSR_OFFSET 24
#define FCW_DEFAULT 0x37f               /* x87 control word after finit */

#define owner (this_arch->fpu_owner)
static uint32_t area_size = FXSAVE_SIZE;
static uint64_t xcr0;
bool fpu_eager;
#define fpu_ts_set (this_arch->fpu_ts_set)

void fpu_set_ts(bool on)
{
	if (on == fpu_ts_set)
		return;        /* writing CR0 serializes: only when it changes */
	if (on)
		write_cr0(read_cr0() | CR0_TS);
	else
		__asm__ volatile("clts");
	fpu_ts_set = on;
}

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* This CPU's FPU control bits, as the boot CPU's (fpu_init). */
void fpu_cpu_init(void)
{
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE | CR0_TS);
	fpu_ts_set = true;
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu.xsave) {
		write_cr4(cr4 | CR4_OSXSAVE);
		if (!xcr0)
			xcr0 = XCR0_X87 | XCR0_SSE | (cpuid(0xd, 0).eax & XCR0_AVX);
		xsetbv(0, xcr0);
		area_size = cpuid(0xd, 0).ebx;     /* for the components now enabled */
	} else {
		write_cr4(cr4);
	}
}

void fpu_init(bool eager)
{
	fpu_eager = eager;
	fpu_cpu_init();
	klog(LOG_INFO, "fpu: %s, %u-byte state, %s switching\n",
	     cpu.xsave ? (xcr0 & XCR0_AVX ? "x87+SSE+AVX (xsave)" : "x87+SSE (xsave)") : "x87+SSE (fxsave)",
	     area_size, eager ? "eager" : "lazy");
}

static void save(void *area)
{
	if (xcr0)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void restore(const void *area)
{
	if (xcr0)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* A new thread's state: what finit and the default MXCSR give. */
static void init_area(uint8_t *area)
{
	memset(area, 0, area_size);
	*(uint16_t *)area = FCW_DEFAULT;
	*(uint32_t *)(area + FXSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
}

/* Makes the registers hold t's state. */
static bool switch_to(struct thread *t)
{
	fpu_set_ts(false);
	if (owner == t)
		return true;
	if (!t->fpu) {
		t->fpu = kmem_alloc(&t->obj.factory->quota, area_size);
		if (!t->fpu)
			return false;
		init_area(t->fpu);
	}
	if (owner)
		save(owner->fpu);
	restore(t->fpu);
	owner = t;
	return true;
}

bool fpu_trap(struct thread *t)
{
	return switch_to(t);
}

void fpu_leave_kernel_slow(struct thread *t)
{
	if (fpu_eager && t->fpu && owner != t)
		switch_to(t);
	fpu_set_ts(owner != t);
}

void fpu_flush(struct thread *t)
{
	if (owner != t)
		return;
	fpu_set_ts(false);
	save(t->fpu);
	owner = NULL;
	fpu_set_ts(true);
}

void fpu_release(struct thread *t)
{
	for (unsigned i = 0; i < cpu_count; i++)
		if (cpus[i].arch.fpu_owner == t)
			cpus[i].arch.fpu_owner = NULL;   /* (what the registers hold is garbage now) */
	if (t->fpu) {
		kmem_free(&t->obj.factory->quota, t->fpu, area_size);
		t->fpu = NULL;
	}
}

uint64_t fpu_state_bytes(const struct thread *t)
{
	return t->fpu ? kmem_size(area_size) : 0;
}
