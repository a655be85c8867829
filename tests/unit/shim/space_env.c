/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of shim.h: the recorders, the page pool, and what space.c,
 * paging.c and gdt.c need of the rest of the kernel (cpu, vmx_on,
 * check_fail, klog, panic, the kernel image's bounds, the boot frames).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#endif

#include "arch.h"
#include "check.h"
#include "console.h"
#include "kmem.h"
#include "percpu.h"
#include "smp.h"
#include "mem.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/x86.h"
#include "shim.h"

struct cpu_features cpu;
struct percpu host_percpu;       /* the one CPU (percpu_arch.h: this_cpu) */
/* smp.h: one CPU, so the shootdown paths never run. */
struct percpu cpus[MAX_CPUS];
unsigned cpu_count = 1;
bool smp_active;

void smp_call(unsigned to, void (*fn)(void *), void *arg)
{
	(void)fn;
	(void)arg;
	ck_abort_msg("smp_call(%u) with one CPU", to);
}
bool vmx_on;

/* ------------------------------------------------------------ events */

struct shim_event *shim_events;
size_t shim_event_count;
static size_t event_room;
uint64_t shim_cr0 = CR0_PE | CR0_WP | CR0_PG, shim_cr3, shim_cr4 = CR4_PAE;
uint64_t shim_efer = EFER_LME | EFER_LMA;
char shim_check_message[256];

static void record(enum shim_kind kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	if (shim_event_count == event_room) {
		event_room = event_room ? 2 * event_room : 1024;
		shim_events = realloc(shim_events, event_room * sizeof(*shim_events));
		ck_assert_ptr_nonnull(shim_events);
	}
	shim_events[shim_event_count++] = (struct shim_event){ kind, a, b, c, d };
}

void shim_clear_events(void)
{
	shim_event_count = 0;
}

size_t shim_count(enum shim_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < shim_event_count; i++)
		n += shim_events[i].kind == kind;
	return n;
}

size_t shim_find(enum shim_kind kind, bool any_a, uint64_t a, size_t from)
{
	for (size_t i = from; i < shim_event_count; i++)
		if (shim_events[i].kind == kind && (any_a || shim_events[i].a == a))
			return i;
	return SIZE_MAX;
}

void shim_write_cr3(uint64_t v)
{
	shim_cr3 = v;
	record(SHIM_CR3, v, 0, 0, 0);
}

void shim_write_cr4(uint64_t v)
{
	shim_cr4 = v;
	record(SHIM_CR4, v, 0, 0, 0);
}

void shim_invlpg(uint64_t va)
{
	record(SHIM_INVLPG, va, 0, 0, 0);
}

void shim_invept(uint64_t eptp)
{
	ck_assert_msg(vmx_on, "INVEPT (EPT pointer %#llx) outside VMX operation: #UD",
		      (unsigned long long)eptp);
	record(SHIM_INVEPT, eptp, 0, 0, 0);
}

void shim_unexpected(const char *what, uint64_t arg)
{
	ck_abort_msg("%s %#llx: not modelled by the host shim", what, (unsigned long long)arg);
}

/* gdt.c's, compiled under this name (Makefile). */
void gdt_tss_set_io_bitmap(uint64_t gen, const uint8_t *const pages[2], uint32_t len);

void tss_set_io_bitmap(uint64_t gen, const uint8_t *const pages[2], uint32_t len)
{
	record(SHIM_TSS_IO, gen, len, (uintptr_t)pages[0], (uintptr_t)pages[1]);
	gdt_tss_set_io_bitmap(gen, pages, len);
}

void check_fail(unsigned code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(shim_check_message, sizeof(shim_check_message), fmt, ap);
	va_end(ap);
	record(SHIM_CHECK_FAIL, code, 0, 0, 0);
}

/* ------------------------------------------------------------ page frames */

#define POOL_PAGES 16384u             /* 64 MiB: 4,096 spaces and their tables */

static uint8_t *pool;
static bool pool_used[POOL_PAGES];
static uint32_t pool_stack[POOL_PAGES];   /* freed frames, the last freed on top */
static uint32_t pool_freed;               /* frames on the stack */
static uint32_t pool_fresh;               /* frames from here on were never handed out */
static uint64_t pool_out;

uint64_t kmem_page_alloc(struct quota *q)
{
	uint32_t i;

	if (q->used > q->limit || PAGE_SIZE > q->limit - q->used)
		return 0;
	if (pool_freed)
		i = pool_stack[--pool_freed];
	else if (pool_fresh < POOL_PAGES)
		i = pool_fresh++;
	else
		return 0;
	q->used += PAGE_SIZE;
	uint8_t *p = pool + (size_t)i * PAGE_SIZE;
	ASAN_UNPOISON_MEMORY_REGION(p, PAGE_SIZE);
	memset(p, 0, PAGE_SIZE);
	pool_used[i] = true;
	pool_out++;
	record(SHIM_PAGE_ALLOC, virt_to_phys(p), 0, 0, 0);
	return virt_to_phys(p);
}

/* The pool index of the frame at phys, or POOL_PAGES if it is none. */
static uint32_t pool_index(uint64_t phys)
{
	uintptr_t p = (uintptr_t)phys_to_virt(phys), base = (uintptr_t)pool;

	if (!pool || p < base || p - base >= (uintptr_t)POOL_PAGES * PAGE_SIZE || (p - base) % PAGE_SIZE)
		return POOL_PAGES;
	return (uint32_t)((p - base) / PAGE_SIZE);
}

void kmem_page_free(struct quota *q, uint64_t phys)
{
	if (!phys)
		return;
	uint32_t i = pool_index(phys);
	ck_assert_msg(i < POOL_PAGES && pool_used[i], "kmem_page_free(%#llx): not a frame in use",
		      (unsigned long long)phys);
	ck_assert_msg(q->used >= PAGE_SIZE, "kmem_page_free(%#llx): the quota holds %llu bytes",
		      (unsigned long long)phys, (unsigned long long)q->used);
	q->used -= PAGE_SIZE;
	pool_used[i] = false;
	pool_out--;
	ASAN_POISON_MEMORY_REGION(phys_to_virt(phys), PAGE_SIZE);
	pool_stack[pool_freed++] = i;
	record(SHIM_PAGE_FREE, phys, 0, 0, 0);
}

uint64_t shim_pages_outstanding(void)
{
	return pool_out;
}

bool shim_page_in_use(uint64_t phys)
{
	uint32_t i = pool_index(phys);

	return i < POOL_PAGES && pool_used[i];
}

/* The kernel's own tables (paging.c), outside the pool; never freed. */
uint64_t mem_zeroed_frame_below(uint64_t max)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)max;
	ck_assert_ptr_nonnull(p);
	memset(p, 0, PAGE_SIZE);
	return virt_to_phys(p);
}

/* ------------------------------------------------------------ the rest of the kernel */

/* The kernel image's sections for arch_paging_init: one page each. */
__asm__(".pushsection .bss.shim_kernel_image, \"aw\", @nobits\n"
	".balign 4096\n"
	".globl _text_start\n_text_start:\n.skip 4096\n"
	".globl _rodata_start\n_rodata_start:\n.skip 4096\n"
	".globl _data_start\n_data_start:\n.skip 4096\n"
	".globl _kernel_end\n_kernel_end:\n"
	".popsection\n");

void klog(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck_abort_msg("panic: %s", msg);
	abort();
}

void idt_reload(void)
{
}

void shim_setup(void)
{
	if (!pool) {
		pool = aligned_alloc(PAGE_SIZE, (size_t)POOL_PAGES * PAGE_SIZE);
		ck_assert_ptr_nonnull(pool);
	}
	ck_assert_msg(pool_out == 0, "%llu frames still out from the last test",
		      (unsigned long long)pool_out);
	memset(pool_used, 0, sizeof(pool_used));
	pool_freed = pool_fresh = 0;
	ASAN_POISON_MEMORY_REGION(pool, (size_t)POOL_PAGES * PAGE_SIZE);

	/* One CPU; the TSS as gdt_init leaves it: no I/O map, every port denied. */
	host_percpu.arch.self = &host_percpu;
	host_percpu.arch.cpu_bit = 1;
	memset(host_percpu.arch.tss_io.bitmap, 0xff, sizeof(host_percpu.arch.tss_io.bitmap));
	host_percpu.arch.tss_io.end = 0xff;
	host_percpu.arch.tss_io.tss.iomap_base = IOMAP_NONE;

	if (!paging_kernel_root()) {
		cpu.pages_1g = true;
		cpu.nx = true;
		arch_paging_init(1ull << 30);
	}
	cpu = (struct cpu_features){ .nx = true, .pages_1g = true };
	vmx_on = false;
	shim_check_message[0] = '\0';
	shim_clear_events();
}
