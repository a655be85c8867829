/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host stand-ins for what arch/x86_64/space.c (with paging.c and gdt.c,
 * compiled unchanged) needs of the machine and of the rest of the kernel,
 * and what they record, for tests/unit/test_space.c.
 *
 * - Privileged instructions (arch.h, forced into those files with -include)
 *   are recorded as events: CR3 and CR4 writes, INVLPG, INVEPT (with its EPT
 *   pointer). CR0, CR3, CR4 and EFER read back what was last written.
 * - Page frames (kmem_page_alloc/kmem_page_free) come from a pool of
 *   page-aligned host memory whose "physical" address is its host address
 *   minus DIRECT_MAP_BASE (modulo 2^64), so layout.h's phys_to_virt and
 *   virt_to_phys round-trip for it. The pool charges the quota as kmem.c
 *   does (and refuses beyond its limit), hands freed frames out again last
 *   in, first out (so a destroyed space's root is the next space's root), and
 *   keeps freed frames poisoned for AddressSanitizer. Freeing a frame that is
 *   not a pool frame in use fails the test at once.
 * - tss_set_io_bitmap records its arguments and passes them on to gdt.c's,
 *   compiled as gdt_tss_set_io_bitmap, so tss_io holds what the CPU would use.
 * - check_fail (the self-check's report) is recorded.
 * - The kernel's page tables are built once per process by paging.c's own
 *   arch_paging_init over 1 GiB, from frames outside the pool.
 */
#ifndef TESTS_UNIT_SHIM_SHIM_H
#define TESTS_UNIT_SHIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum shim_kind {
	SHIM_CR3,          /* a: the value written */
	SHIM_CR4,          /* a: the value written */
	SHIM_INVLPG,       /* a: the address */
	SHIM_INVEPT,       /* a: the EPT pointer (single-context INVEPT) */
	SHIM_PAGE_ALLOC,   /* a: the frame */
	SHIM_PAGE_FREE,    /* a: the frame */
	SHIM_TSS_IO,       /* a: generation, b: bytes, c and d: the two pages (host addresses) */
	SHIM_CHECK_FAIL,   /* a: the L4_CHECK_* code */
	SHIM_KINDS
};

struct shim_event {
	enum shim_kind kind;
	uint64_t a, b, c, d;
};

/* The events since the last shim_clear_events(), in order. */
extern struct shim_event *shim_events;
extern size_t shim_event_count;

/* What the registers hold (as last written). */
extern uint64_t shim_cr0, shim_cr3, shim_cr4, shim_efer;
/* The message of the last check_fail. */
extern char shim_check_message[256];

/* Called by the fixture of every test: a fresh event log, the page pool's
 * frames all free (none may be outstanding), the TSS as gdt_init leaves it,
 * and the kernel's page tables (built on the first call). */
void shim_setup(void);

void shim_clear_events(void);
/* How many events of kind were recorded (since the last clear). */
size_t shim_count(enum shim_kind kind);
/* The index of the first event of kind at or after from whose a is a
 * (any a if any_a), or SIZE_MAX. */
size_t shim_find(enum shim_kind kind, bool any_a, uint64_t a, size_t from);

/* Pool frames handed out and not freed. */
uint64_t shim_pages_outstanding(void);
/* True if phys is a pool frame that is handed out. */
bool shim_page_in_use(uint64_t phys);

/* The recorders behind arch.h's inline instructions. */
void shim_write_cr3(uint64_t v);
void shim_write_cr4(uint64_t v);
void shim_invlpg(uint64_t va);
void shim_invept(uint64_t eptp);
/* Fails the test: an instruction the shim does not model (what, operand). */
void shim_unexpected(const char *what, uint64_t arg);

#endif
