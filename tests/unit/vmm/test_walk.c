/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/x86/walk.c: guest page walks in every paging mode (no
 * paging, 32-bit with 4 KiB/4 MiB pages and PSE-36, PAE with 4 KiB/2 MiB,
 * 4- and 5-level with 4 KiB/2 MiB/1 GiB), non-present entries at each
 * level, reserved bits, the permission rules (R/W, U/S, CR0.WP, XD with
 * EFER.NXE, SMEP, SMAP and RFLAGS.AC) with the exact #PF error codes,
 * accessed/dirty updates, and page tables outside guest RAM.
 *
 * The guest RAM model here (gmem_*) is also used by test_emulate.c, which
 * declares the functions it uses itself. Its pages are separate heap blocks of
 * exactly 4 KiB, so AddressSanitizer reports any access past a page.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/x86/walk.h"

/* ------------------------------------------------------------ guest RAM model */

/* ck_assert for hot paths: Check records every passing ck_assert, which is slow in loops. */
#define REQUIRE(expr)                                                                      \
	do {                                                                               \
		if (!(expr))                                                               \
			ck_abort_msg("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #expr); \
	} while (0)

#define GMEM_PAGES 128
#define GMEM_TABLES 0x100000ull      /* page tables are allocated upwards from here */

struct gmem {
	unsigned n;
	uint64_t gfn[GMEM_PAGES];
	uint8_t *data[GMEM_PAGES];
	uint64_t next_table;
	unsigned reads, writes;      /* callback calls that succeeded */
};

/* A paging mode is named by its number of levels. */
enum pt_mode { PT_32 = 2, PT_PAE = 3, PT_4LEVEL = 4, PT_5LEVEL = 5 };

/* Entry bits the builders use. */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)
#define PTE_ADDR64 0x000ffffffffff000ull
#define PTE_ADDR32 0xfffff000ull

#include "gmem.h"

static void gmem_init(struct gmem *m)
{
	memset(m, 0, sizeof(*m));
	m->next_table = GMEM_TABLES;
}

static void gmem_free(struct gmem *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->data[i]);
	m->n = 0;
}

struct gmem *gmem_new(void)
{
	struct gmem *m = malloc(sizeof(*m));

	REQUIRE(m);
	gmem_init(m);
	return m;
}

void gmem_delete(struct gmem *m)
{
	gmem_free(m);
	free(m);
}

static int gmem_find(const struct gmem *m, uint64_t gpa)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->gfn[i] == gpa >> 12)
			return (int)i;
	return -1;
}

/* The byte at gpa, its page made RAM (zeroed) if it was not. */
uint8_t *gmem_at(struct gmem *m, uint64_t gpa)
{
	int i = gmem_find(m, gpa);

	if (i < 0) {
		REQUIRE(m->n < GMEM_PAGES);
		i = (int)m->n++;
		m->gfn[i] = gpa >> 12;
		m->data[i] = alloc_exact(4096);
		memset(m->data[i], 0, 4096);
	}
	return m->data[i] + (gpa & 0xfff);
}

/* Copies len bytes between buf and guest RAM, page by page; -1 if any byte is not RAM. */
static int gmem_copy(struct gmem *m, uint64_t gpa, uint8_t *buf, unsigned len, bool write)
{
	for (unsigned done = 0; done < len;) {
		uint64_t a = gpa + done;
		int i = gmem_find(m, a);
		if (i < 0)
			return -1;
		unsigned n = 4096 - (unsigned)(a & 0xfff);
		if (n > len - done)
			n = len - done;
		if (write)
			memcpy(m->data[i] + (a & 0xfff), buf + done, n);
		else
			memcpy(buf + done, m->data[i] + (a & 0xfff), n);
		done += n;
	}
	return 0;
}

int gmem_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	struct gmem *m = ctx;

	for (unsigned done = 0; done < len; done += 4096)     /* all or nothing */
		if (gmem_find(m, gpa + done) < 0 || gmem_find(m, gpa + len - 1) < 0)
			return -1;
	if (gmem_copy(m, gpa, buf, len, false))
		return -1;
	m->reads++;
	return 0;
}

int gmem_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
	struct gmem *m = ctx;
	uint8_t tmp[4096];

	REQUIRE(len <= sizeof(tmp));
	for (unsigned done = 0; done < len; done += 4096)
		if (gmem_find(m, gpa + done) < 0 || gmem_find(m, gpa + len - 1) < 0)
			return -1;
	memcpy(tmp, buf, len);
	if (gmem_copy(m, gpa, tmp, len, true))
		return -1;
	m->writes++;
	return 0;
}

uint64_t gmem_get(struct gmem *m, uint64_t gpa, unsigned size)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	REQUIRE(gmem_copy(m, gpa, b, size, false) == 0);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

void gmem_put(struct gmem *m, uint64_t gpa, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		*gmem_at(m, gpa + i) = (uint8_t)(v >> (8 * i));
}

/* A fresh zeroed page-table page. */
uint64_t gmem_table(struct gmem *m)
{
	uint64_t gpa = m->next_table;

	m->next_table += 4096;
	gmem_at(m, gpa);
	return gpa;
}

/*
 * The guest-physical address of the entry at level (1 = PTE) that maps la,
 * creating the tables above it as needed (present, writable, user).
 */
uint64_t gmem_entry(struct gmem *m, unsigned mode, uint64_t cr3, uint64_t la, unsigned level)
{
	unsigned esize = mode == PT_32 ? 4 : 8, bits = mode == PT_32 ? 10 : 9;
	uint64_t table = mode == PT_32 ? cr3 & PTE_ADDR32 : mode == PT_PAE ? cr3 & 0xffffffe0 :
			 cr3 & PTE_ADDR64;

	REQUIRE(mode >= PT_32 && mode <= PT_5LEVEL && level >= 1 && level <= mode);
	for (unsigned l = mode;; l--) {
		unsigned shift = 12 + bits * (l - 1);
		uint64_t index = (la >> shift) & ((1u << bits) - 1);
		if (mode == PT_PAE && l == 3)
			index = (la >> 30) & 3;
		uint64_t entry_gpa = table + index * esize;
		if (l == level)
			return entry_gpa;
		uint64_t e = gmem_get(m, entry_gpa, esize);
		if (!(e & PTE_P)) {
			e = gmem_table(m) | PTE_P;
			if (!(mode == PT_PAE && l == 3))
				e |= PTE_RW | PTE_US;
			gmem_put(m, entry_gpa, e, esize);
		}
		table = e & (mode == PT_32 ? PTE_ADDR32 : PTE_ADDR64);
	}
}

/* Maps la to pa with a leaf at level (2/3: a large page) carrying flags (PS is added). */
void gmem_map(struct gmem *m, unsigned mode, uint64_t cr3, uint64_t la, uint64_t pa,
	      unsigned level, uint64_t flags)
{
	uint64_t e = pa | flags;

	if (level > 1) {
		e |= PTE_PS;
		if (mode == PT_32)       /* PSE-36: address bits 39:32 in entry bits 20:13 */
			e = (pa & 0xffc00000) | ((pa >> 32) & 0xff) << 13 | flags | PTE_PS;
	}
	gmem_put(m, gmem_entry(m, mode, cr3, la, level), e, mode == PT_32 ? 4 : 8);
}

/* ------------------------------------------------------------ fixtures */

static struct gmem mem;
static struct x86_guest_ram ram;

static void setup(void)
{
	gmem_init(&mem);
	ram = (struct x86_guest_ram){ gmem_read, gmem_write, &mem };
}

static void teardown(void)
{
	gmem_free(&mem);
}

#define CR0_PE_PG (X86_CR0_PE | X86_CR0_PG)
#define RW_US (PTE_P | PTE_RW | PTE_US)

static struct x86_paging paging(unsigned mode, uint64_t cr3)
{
	struct x86_paging pg = { .cr0 = CR0_PE_PG | X86_CR0_WP, .cr3 = cr3, .maxphyaddr = 46 };

	if (mode != PT_32)
		pg.cr4 |= X86_CR4_PAE;
	if (mode == PT_4LEVEL || mode == PT_5LEVEL)
		pg.efer |= X86_EFER_LMA;
	if (mode == PT_5LEVEL)
		pg.cr4 |= X86_CR4_LA57;
	return pg;
}

/* Walks and expects a translation to gpa with the given page size. */
static void expect_ok(const struct x86_paging *pg, uint64_t la, unsigned access, uint64_t gpa,
		      uint64_t page_size)
{
	struct x86_walk w;
	int r = x86_walk(pg, &ram, la, access, &w);

	ck_assert_msg(r == X86_WALK_OK, "la %#llx access %#x: status %d error %#x",
		      (unsigned long long)la, access, r, w.pf_error);
	ck_assert_msg(w.gpa == gpa, "la %#llx: gpa %#llx, want %#llx", (unsigned long long)la,
		      (unsigned long long)w.gpa, (unsigned long long)gpa);
	ck_assert_uint_eq(w.page_size, page_size);
}

/* Walks and expects a #PF with exactly this error code. */
static void expect_pf(const struct x86_paging *pg, uint64_t la, unsigned access, uint32_t error)
{
	struct x86_walk w;
	int r = x86_walk(pg, &ram, la, access, &w);

	ck_assert_msg(r == X86_WALK_FAULT, "la %#llx access %#x: status %d, want a fault",
		      (unsigned long long)la, access, r);
	ck_assert_msg(w.pf_error == error, "la %#llx access %#x: error %#x, want %#x",
		      (unsigned long long)la, access, w.pf_error, error);
}

#define RD 0u
#define WR X86_ACCESS_WRITE
#define USR X86_ACCESS_USER
#define EXE X86_ACCESS_FETCH
#define AC X86_ACCESS_AC
#define E_P X86_PF_P
#define E_W X86_PF_W
#define E_U X86_PF_U
#define E_RSVD X86_PF_RSVD
#define E_ID X86_PF_ID

/* ------------------------------------------------------------ modes and page sizes */

START_TEST(test_no_paging)
{
	struct x86_paging pg = { .cr0 = X86_CR0_PE, .cr3 = 0xdead000 };
	struct x86_walk w;

	expect_ok(&pg, 0xfee00300, WR, 0xfee00300, 4096);
	/* Linear addresses are 32 bits wide without paging. */
	expect_ok(&pg, 0x1234567890ull, RD | USR | EXE, 0x34567890, 4096);
	/* Nothing is read: CR3 is not used. */
	ck_assert_int_eq(x86_walk(&pg, &ram, 0, RD, &w), X86_WALK_OK);
	ck_assert_uint_eq(w.level, 0);
	ck_assert_uint_eq(mem.reads, 0);
}
END_TEST

START_TEST(test_32bit_4k)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_32, cr3 | 0x18);   /* PWT/PCD bits are not address bits */
	struct x86_walk w;

	gmem_map(&mem, PT_32, cr3, 0x00401000, 0x01234000, 1, RW_US);
	gmem_map(&mem, PT_32, cr3, 0xfee00000, 0xfee00000, 1, PTE_P | PTE_RW);
	expect_ok(&pg, 0x00401567, RD, 0x01234567, 4096);
	expect_ok(&pg, 0x00401fff, WR | USR, 0x01234fff, 4096);
	expect_ok(&pg, 0xfee00300, WR, 0xfee00300, 4096);
	/* Bits above 31 of the linear address are ignored. */
	expect_ok(&pg, 0xab00401000ull, RD, 0x01234000, 4096);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x00401000, RD, &w), X86_WALK_OK);
	ck_assert_uint_eq(w.level, 1);
	/* Not present: the PDE, then the PTE. */
	expect_pf(&pg, 0x00800000, RD, 0);
	expect_pf(&pg, 0x00402000, WR | USR, E_W | E_U);
	/* No NX in 32-bit paging: a fetch fault has I/D only with SMEP, whatever EFER.NXE. */
	expect_pf(&pg, 0x00402000, EXE, 0);
	pg.efer |= X86_EFER_NXE;
	expect_pf(&pg, 0x00402000, EXE, 0);
	pg.cr4 |= X86_CR4_SMEP;
	expect_pf(&pg, 0x00402000, EXE, E_ID);
	/* User fetch from a supervisor page. */
	pg.cr4 &= ~X86_CR4_SMEP;
	expect_pf(&pg, 0xfee00000, EXE | USR, E_P | E_U);
}
END_TEST

START_TEST(test_32bit_4m_pse)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_32, cr3);

	pg.cr4 |= X86_CR4_PSE;
	gmem_map(&mem, PT_32, cr3, 0x80000000, 0x40000000, 2, RW_US);
	expect_ok(&pg, 0x80123456, WR | USR, 0x40123456, 4u << 20);
	expect_ok(&pg, 0x803fffff, RD, 0x403fffff, 4u << 20);
	/* PSE-36: physical bits 39:32 in PDE bits 20:13. */
	gmem_map(&mem, PT_32, cr3, 0xc0000000, 0x3c0000000ull, 2, RW_US);
	pg.maxphyaddr = 40;
	expect_ok(&pg, 0xc0000010, RD, 0x3c0000010ull, 4u << 20);
	/* Above MAXPHYADDR (36): PDE bit 17 (physical bit 36) is reserved. */
	gmem_map(&mem, PT_32, cr3, 0xc0400000, 0x1000000000ull, 2, RW_US);
	pg.maxphyaddr = 36;
	expect_pf(&pg, 0xc0400000, RD, E_P | E_RSVD);
	pg.maxphyaddr = 40;
	expect_ok(&pg, 0xc0400000, RD, 0x1000000000ull, 4u << 20);
	/* PDE bit 21 is always reserved in a 4 MiB PDE. */
	gmem_put(&mem, gmem_entry(&mem, PT_32, cr3, 0xc0800000, 2),
		 0x40000000 | (1u << 21) | PTE_PS | RW_US, 4);
	expect_pf(&pg, 0xc0800000, WR | USR, E_P | E_RSVD | E_W | E_U);
}
END_TEST

START_TEST(test_32bit_ps_ignored_without_pse)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_32, cr3);
	struct x86_walk w;

	/* The PDE has PS set; without CR4.PSE it points to a page table at 0x40000000. */
	gmem_map(&mem, PT_32, cr3, 0x80000000, 0x40000000, 2, RW_US);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x80001000, RD, &w), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(w.table_gpa, 0x40000000 + 1 * 4);
	gmem_put(&mem, 0x40000000 + 1 * 4, 0x5000 | RW_US, 4);
	expect_ok(&pg, 0x80001abc, RD, 0x5abc, 4096);
}
END_TEST

START_TEST(test_pae)
{
	uint64_t pdpt = gmem_table(&mem) + 0x20;          /* 32-byte aligned is enough */
	struct x86_paging pg = paging(PT_PAE, pdpt);
	struct x86_walk w;

	gmem_map(&mem, PT_PAE, pdpt, 0xc0001000, 0x123456000ull, 1, RW_US);  /* above 4 GiB */
	gmem_map(&mem, PT_PAE, pdpt, 0x40200000, 0x80000000, 2, RW_US);
	expect_ok(&pg, 0xc0001234, WR | USR, 0x123456234ull, 4096);
	expect_ok(&pg, 0x40312345, RD, 0x80112345, 2u << 20);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x40200000, RD, &w), X86_WALK_OK);
	ck_assert_uint_eq(w.level, 2);
	/* Not-present PDPTE, PDE, PTE. */
	expect_pf(&pg, 0x00000000, RD, 0);
	expect_pf(&pg, 0xc0400000, WR, E_W);
	expect_pf(&pg, 0xc0002000, RD | USR, E_U);
	/* Reserved: PDPTE bit 1 (no R/W in a PDPTE), 2 MiB PDE bit 13, bit 62 above MAXPHYADDR. */
	uint64_t pdpte = gmem_entry(&mem, PT_PAE, pdpt, 0x40200000, 3);
	uint64_t saved = gmem_get(&mem, pdpte, 8);
	gmem_put(&mem, pdpte, saved | PTE_RW, 8);
	expect_pf(&pg, 0x40200000, RD, E_P | E_RSVD);
	gmem_put(&mem, pdpte, saved, 8);
	uint64_t pde = gmem_entry(&mem, PT_PAE, pdpt, 0x40200000, 2);
	gmem_put(&mem, pde, 0x80000000 | (1ull << 13) | PTE_PS | RW_US, 8);
	expect_pf(&pg, 0x40200000, RD, E_P | E_RSVD);
	gmem_put(&mem, pde, 0x80000000 | (1ull << 62) | PTE_PS | RW_US, 8);
	expect_pf(&pg, 0x40200000, WR, E_P | E_RSVD | E_W);
	/* Bits 51:46 are reserved with MAXPHYADDR 46, not with 52. */
	gmem_put(&mem, pde, 0x80000000 | (1ull << 50) | PTE_PS | RW_US, 8);
	expect_pf(&pg, 0x40200000, RD, E_P | E_RSVD);
	pg.maxphyaddr = 52;
	expect_ok(&pg, 0x40200000, RD, 0x4000080000000ull, 2u << 20);
}
END_TEST

START_TEST(test_pae_pdpte_registers)
{
	uint64_t pdpt = gmem_table(&mem);
	struct x86_paging pg = paging(PT_PAE, pdpt);

	gmem_map(&mem, PT_PAE, pdpt, 0x40001000, 0x7000, 1, RW_US);
	/* The loaded PDPTEs are used, not memory: point CR3 at nothing. */
	pg.pdpte_valid = true;
	pg.pdpte[1] = gmem_get(&mem, gmem_entry(&mem, PT_PAE, pdpt, 0x40001000, 3), 8);
	pg.cr3 = 0xdead0000;
	expect_ok(&pg, 0x40001008, WR, 0x7008, 4096);
	expect_pf(&pg, 0x80001000, WR, E_W);             /* PDPTE register 2 is 0 */
	unsigned reads = mem.reads;
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x40001000, RD, &(struct x86_walk){ 0 }), X86_WALK_OK);
	ck_assert_uint_eq(mem.reads - reads, 2);          /* PDE and PTE only */
}
END_TEST

START_TEST(test_pae_nx)
{
	uint64_t pdpt = gmem_table(&mem);
	struct x86_paging pg = paging(PT_PAE, pdpt);

	gmem_map(&mem, PT_PAE, pdpt, 0x1000, 0x1000, 1, RW_US | PTE_XD);
	/* Without EFER.NXE bit 63 is reserved... */
	expect_pf(&pg, 0x1000, RD, E_P | E_RSVD);
	/* ... and a fetch fault has no I/D bit. */
	expect_pf(&pg, 0x2000, EXE, 0);
	pg.efer |= X86_EFER_NXE;
	expect_ok(&pg, 0x1000, RD | USR, 0x1000, 4096);
	expect_pf(&pg, 0x1000, EXE, E_P | E_ID);
	expect_pf(&pg, 0x1000, EXE | USR, E_P | E_ID | E_U);
	expect_pf(&pg, 0x2000, EXE, E_ID);
	/* XD in a PDE forbids fetches from every page below it. */
	gmem_map(&mem, PT_PAE, pdpt, 0x200000, 0x3000, 1, RW_US);
	expect_ok(&pg, 0x200000, EXE, 0x3000, 4096);
	uint64_t pde = gmem_entry(&mem, PT_PAE, pdpt, 0x200000, 2);
	gmem_put(&mem, pde, gmem_get(&mem, pde, 8) | PTE_XD, 8);
	expect_pf(&pg, 0x200000, EXE, E_P | E_ID);
}
END_TEST

START_TEST(test_4level)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_4LEVEL, cr3 | 0x5);   /* PCID bits are not address bits */
	struct x86_walk w;

	gmem_map(&mem, PT_4LEVEL, cr3, 0xffffffff81000000ull, 0x1000000, 2, PTE_P | PTE_RW);
	gmem_map(&mem, PT_4LEVEL, cr3, 0xffffc90000001000ull, 0xfee00000, 1, PTE_P | PTE_RW);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x00007f0000000000ull, 0x2c0000000ull, 3, RW_US);
	expect_ok(&pg, 0xffffffff81123456ull, RD, 0x1123456, 2u << 20);
	expect_ok(&pg, 0xffffc90000001300ull, WR, 0xfee00300, 4096);
	expect_ok(&pg, 0x00007f0012345678ull, WR | USR, 0x2d2345678ull, 1u << 30);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x00007f0000000000ull, RD, &w), X86_WALK_OK);
	ck_assert_uint_eq(w.level, 3);
	/* Not present at each level: PML4E, PDPTE, PDE, PTE. */
	expect_pf(&pg, 0x0000100000000000ull, RD, 0);
	expect_pf(&pg, 0xffffc98000000000ull, RD, 0);
	expect_pf(&pg, 0xffffc90040000000ull, WR, E_W);
	expect_pf(&pg, 0xffffc90000002000ull, RD | USR, E_U);
	/* Non-canonical: not a page fault. */
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x0000800000000000ull, RD, &w), X86_WALK_NONCANONICAL);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0xfffe000000000000ull, RD, &w), X86_WALK_NONCANONICAL);
	/* Supervisor pages refuse user accesses: U/S clear in the leaf only. */
	expect_pf(&pg, 0xffffffff81000000ull, RD | USR, E_P | E_U);
}
END_TEST

START_TEST(test_4level_reserved)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_4LEVEL, cr3);

	pg.efer |= X86_EFER_NXE;
	gmem_map(&mem, PT_4LEVEL, cr3, 0x40000000, 0x40000000, 3, RW_US);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x200000, 0x200000, 2, RW_US);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x1000, 0x1000, 1, RW_US);
	uint64_t pml4e = gmem_entry(&mem, PT_4LEVEL, cr3, 0x1000, 4);
	uint64_t pdpte_1g = gmem_entry(&mem, PT_4LEVEL, cr3, 0x40000000, 3);
	uint64_t pde_2m = gmem_entry(&mem, PT_4LEVEL, cr3, 0x200000, 2);
	uint64_t pte = gmem_entry(&mem, PT_4LEVEL, cr3, 0x1000, 1);

	/* PS in a PML4E. */
	uint64_t v = gmem_get(&mem, pml4e, 8);
	gmem_put(&mem, pml4e, v | PTE_PS, 8);
	expect_pf(&pg, 0x1000, RD, E_P | E_RSVD);
	gmem_put(&mem, pml4e, v, 8);
	/* 1 GiB page: bits 29:13 reserved. */
	gmem_put(&mem, pdpte_1g, 0x40000000 | (1ull << 29) | PTE_PS | RW_US, 8);
	expect_pf(&pg, 0x40000000, WR | USR, E_P | E_RSVD | E_W | E_U);
	gmem_put(&mem, pdpte_1g, 0x40000000 | (1ull << 12) | PTE_PS | RW_US, 8);  /* PAT bit */
	expect_ok(&pg, 0x40000000, RD, 0x40000000, 1u << 30);
	/* 2 MiB page: bits 20:13 reserved. */
	gmem_put(&mem, pde_2m, 0x200000 | (1ull << 20) | PTE_PS | RW_US, 8);
	expect_pf(&pg, 0x200000, RD, E_P | E_RSVD);
	/* PTE: bits above MAXPHYADDR (46) up to 51; 62:52 are ignored, not reserved. */
	gmem_put(&mem, pte, 0x1000 | (1ull << 47) | RW_US, 8);
	expect_pf(&pg, 0x1000, EXE, E_P | E_RSVD | E_ID);
	gmem_put(&mem, pte, 0x1000 | (0x7ffull << 52) | RW_US, 8);
	expect_ok(&pg, 0x1000, RD, 0x1000, 4096);
	/* XD is reserved without NXE. */
	gmem_put(&mem, pte, 0x1000 | PTE_XD | RW_US, 8);
	expect_pf(&pg, 0x1000, EXE, E_P | E_ID);
	pg.efer &= ~X86_EFER_NXE;
	expect_pf(&pg, 0x1000, RD, E_P | E_RSVD);
	/* The walk stops at the first reserved bit: a non-present PTE below it is not reached. */
	pg.efer |= X86_EFER_NXE;
	gmem_put(&mem, pte, 0, 8);
	gmem_put(&mem, pml4e, v | (1ull << 51), 8);
	expect_pf(&pg, 0x1000, RD, E_P | E_RSVD);
}
END_TEST

START_TEST(test_5level)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_5LEVEL, cr3);
	struct x86_walk w;

	gmem_map(&mem, PT_5LEVEL, cr3, 0x00f0000000001000ull, 0x9000, 1, RW_US);
	gmem_map(&mem, PT_5LEVEL, cr3, 0xff10000000000000ull, 0x40000000, 3, PTE_P | PTE_RW);
	expect_ok(&pg, 0x00f0000000001234ull, WR | USR, 0x9234, 4096);
	expect_ok(&pg, 0xff10000000123456ull, RD, 0x40123456, 1u << 30);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x00f0000000001000ull, RD, &w), X86_WALK_OK);
	ck_assert_uint_eq(w.level, 1);
	/* 57-bit canonical addresses. */
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x0100000000000000ull, RD, &w), X86_WALK_NONCANONICAL);
	expect_pf(&pg, 0x00ff000000000000ull, RD, 0);     /* canonical, PML5E not present */
	/* The same address is non-canonical with 4 levels. */
	pg.cr4 &= ~X86_CR4_LA57;
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x00f0000000001000ull, RD, &w), X86_WALK_NONCANONICAL);
	ck_assert(x86_canonical(0x00007fffffffffffull, false));
	ck_assert(!x86_canonical(0x0000800000000000ull, false));
	ck_assert(x86_canonical(0xffff800000000000ull, false));
	ck_assert(x86_canonical(0x00ffffffffffffffull, true));
	ck_assert(!x86_canonical(0x0100000000000000ull, true));
	ck_assert(x86_canonical(0xff00000000000000ull, true));
}
END_TEST

/* ------------------------------------------------------------ ranges across pages */

START_TEST(test_range_split)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_4LEVEL, cr3);
	struct x86_span sp;

	gmem_map(&mem, PT_4LEVEL, cr3, 0x400000, 0x800000, 1, RW_US);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x401000, 0x123000, 1, RW_US);
	/* Inside one page: one piece. */
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400ff8, 8, WR, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.n, 1);
	ck_assert_uint_eq(sp.gpa[0], 0x800ff8);
	ck_assert_uint_eq(sp.len[0], 8);
	/* Across a boundary: two pieces, the lower first, each on its own page. */
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400ffd, 8, WR, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.n, 2);
	ck_assert_uint_eq(sp.gpa[0], 0x800ffd);
	ck_assert_uint_eq(sp.len[0], 3);
	ck_assert_uint_eq(sp.gpa[1], 0x123000);
	ck_assert_uint_eq(sp.len[1], 5);
	/* The second page not present: the fault names its first byte (CR2). */
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x401ffe, 4, WR, &sp), X86_WALK_FAULT);
	ck_assert_uint_eq(sp.la, 0x402000);
	ck_assert_uint_eq(sp.walk.pf_error, E_W);
	ck_assert_uint_eq(sp.n, 0);
	/* The first page not present: its address. */
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x3ffffe, 4, RD, &sp), X86_WALK_FAULT);
	ck_assert_uint_eq(sp.la, 0x3ffffe);
	/* Up to a page; 0 and 4097 bytes are refused. */
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400000, 4096, RD, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.n, 1);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400001, 4096, RD, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.n, 2);
	ck_assert_uint_eq(sp.len[0], 4095);
	ck_assert_uint_eq(sp.len[1], 1);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400000, 0, RD, &sp), X86_WALK_BAD_LENGTH);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x400000, 4097, RD, &sp), X86_WALK_BAD_LENGTH);
	/* Running off the canonical half: the second piece is refused. */
	gmem_map(&mem, PT_4LEVEL, cr3, 0x00007ffffffff000ull, 0x9000, 1, RW_US);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x00007ffffffffffeull, 4, RD, &sp),
			 X86_WALK_NONCANONICAL);
	ck_assert_uint_eq(sp.la, 0x0000800000000000ull);
	/* Compatibility mode (32-bit code) under 4-level paging: wraps at 4 GiB. */
	gmem_map(&mem, PT_4LEVEL, cr3, 0xfffff000, 0x7000, 1, RW_US);
	gmem_map(&mem, PT_4LEVEL, cr3, 0, 0x8000, 1, RW_US);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0xfffffffe, 4, RD | X86_ACCESS_LA32, &sp),
			 X86_WALK_OK);
	ck_assert_uint_eq(sp.gpa[0], 0x7ffe);
	ck_assert_uint_eq(sp.gpa[1], 0x8000);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0xfffffffe, 4, RD, &sp), X86_WALK_FAULT);
	ck_assert_uint_eq(sp.la, 0x100000000ull);
	/* 32-bit paging and no paging: linear addresses wrap at 4 GiB. */
	uint64_t pd = gmem_table(&mem);
	pg = paging(PT_32, pd);
	gmem_map(&mem, PT_32, pd, 0xfffff000, 0x5000, 1, RW_US);
	gmem_map(&mem, PT_32, pd, 0, 0x6000, 1, RW_US);
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0xfffffffe, 4, WR, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.gpa[0], 0x5ffe);
	ck_assert_uint_eq(sp.gpa[1], 0x6000);
	pg.cr0 = X86_CR0_PE;
	ck_assert_int_eq(x86_walk_range(&pg, &ram, 0x1fffffffeull, 4, WR, &sp), X86_WALK_OK);
	ck_assert_uint_eq(sp.n, 2);
	ck_assert_uint_eq(sp.gpa[0], 0xfffffffe);
	ck_assert_uint_eq(sp.gpa[1], 0);
}
END_TEST

/* ------------------------------------------------------------ permissions */

START_TEST(test_permissions)
{
	static const struct {
		uint64_t flags, cr0, cr4, efer;
		unsigned access;
		int error;                    /* -1: allowed */
	} t[] = {
		/* user accesses need U/S; user writes need R/W whatever CR0.WP says */
		{ PTE_P | PTE_RW, 0, 0, 0, RD | USR, E_P | E_U },
		{ PTE_P | PTE_RW, 0, 0, 0, WR | USR, E_P | E_W | E_U },
		{ PTE_P | PTE_US, 0, 0, 0, RD | USR, -1 },
		{ PTE_P | PTE_US, 0, 0, 0, WR | USR, E_P | E_W | E_U },
		{ PTE_P | PTE_US, X86_CR0_WP, 0, 0, WR | USR, E_P | E_W | E_U },
		{ RW_US, 0, 0, 0, WR | USR, -1 },
		/* supervisor writes to read-only pages: only with CR0.WP clear */
		{ PTE_P, 0, 0, 0, WR, -1 },
		{ PTE_P, X86_CR0_WP, 0, 0, WR, E_P | E_W },
		{ PTE_P | PTE_US, 0, 0, 0, WR, -1 },
		{ PTE_P | PTE_US, X86_CR0_WP, 0, 0, WR, E_P | E_W },
		{ PTE_P, X86_CR0_WP, 0, 0, RD, -1 },
		/* execute-disable */
		{ RW_US | PTE_XD, 0, 0, X86_EFER_NXE, EXE, E_P | E_ID },
		{ RW_US | PTE_XD, 0, 0, X86_EFER_NXE, EXE | USR, E_P | E_ID | E_U },
		{ RW_US | PTE_XD, 0, 0, X86_EFER_NXE, WR | USR, -1 },
		{ PTE_P | PTE_RW, 0, 0, X86_EFER_NXE, EXE | USR, E_P | E_ID | E_U },
		{ PTE_P | PTE_RW, 0, 0, 0, EXE | USR, E_P | E_U },
		/* SMEP: no supervisor fetches from user pages */
		{ RW_US, 0, 0, 0, EXE, -1 },
		{ RW_US, 0, X86_CR4_SMEP, 0, EXE, E_P | E_ID },
		{ RW_US, 0, X86_CR4_SMEP, 0, EXE | USR, -1 },
		{ PTE_P | PTE_RW, 0, X86_CR4_SMEP, 0, EXE, -1 },
		{ RW_US, 0, X86_CR4_SMEP, 0, RD, -1 },
		/* SMAP: no supervisor data accesses to user pages unless RFLAGS.AC */
		{ RW_US, 0, X86_CR4_SMAP, 0, RD, E_P },
		{ RW_US, 0, X86_CR4_SMAP, 0, WR, E_P | E_W },
		{ RW_US, 0, X86_CR4_SMAP, 0, RD | AC, -1 },
		{ RW_US, X86_CR0_WP, X86_CR4_SMAP, 0, WR | AC, -1 },
		{ PTE_P | PTE_US, X86_CR0_WP, X86_CR4_SMAP, 0, WR | AC, E_P | E_W },
		{ RW_US, 0, X86_CR4_SMAP, 0, RD | USR, -1 },
		{ RW_US, 0, X86_CR4_SMAP, 0, EXE, -1 },
		{ PTE_P | PTE_RW, 0, X86_CR4_SMAP, 0, WR, -1 },
	};

	/* One page at 0x400000 under permissive upper levels (4-level paging). */
	uint64_t cr3 = gmem_table(&mem);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x400000, 0x800000, 1, RW_US);
	uint64_t pte = gmem_entry(&mem, PT_4LEVEL, cr3, 0x400000, 1);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct x86_paging pg = paging(PT_4LEVEL, cr3);
		struct x86_walk w;

		gmem_put(&mem, pte, 0x800000 | t[i].flags, 8);
		pg.cr0 = CR0_PE_PG | t[i].cr0;
		pg.cr4 |= t[i].cr4;
		pg.efer |= t[i].efer;
		int r = x86_walk(&pg, &ram, 0x400123, t[i].access, &w);
		if (t[i].error < 0) {
			ck_assert_msg(r == X86_WALK_OK, "case %zu: status %d error %#x", i, r,
				      w.pf_error);
			ck_assert_uint_eq(w.gpa, 0x800123);
		} else {
			ck_assert_msg(r == X86_WALK_FAULT, "case %zu: status %d", i, r);
			ck_assert_msg(w.pf_error == (uint32_t)t[i].error, "case %zu: error %#x, want %#x",
				      i, w.pf_error, t[i].error);
		}
	}
}
END_TEST

/* R/W and U/S must allow the access at every level; XD at any level forbids fetches. */
START_TEST(test_rights_combine_over_levels)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_4LEVEL, cr3);

	pg.efer |= X86_EFER_NXE;
	gmem_map(&mem, PT_4LEVEL, cr3, 0x400000, 0x800000, 1, RW_US);
	for (unsigned level = 2; level <= 4; level++) {
		uint64_t e = gmem_entry(&mem, PT_4LEVEL, cr3, 0x400000, level);
		uint64_t v = gmem_get(&mem, e, 8);

		expect_ok(&pg, 0x400000, WR | USR, 0x800000, 4096);
		gmem_put(&mem, e, v & ~PTE_RW, 8);
		expect_pf(&pg, 0x400000, WR | USR, E_P | E_W | E_U);
		expect_pf(&pg, 0x400000, WR, E_P | E_W);
		expect_ok(&pg, 0x400000, RD | USR, 0x800000, 4096);
		gmem_put(&mem, e, v & ~PTE_US, 8);
		expect_pf(&pg, 0x400000, RD | USR, E_P | E_U);
		expect_ok(&pg, 0x400000, WR, 0x800000, 4096);
		gmem_put(&mem, e, v | PTE_XD, 8);
		expect_pf(&pg, 0x400000, EXE, E_P | E_ID);
		expect_ok(&pg, 0x400000, WR | USR, 0x800000, 4096);
		gmem_put(&mem, e, v, 8);
	}
}
END_TEST

/* ------------------------------------------------------------ accessed and dirty */

START_TEST(test_accessed_dirty)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_4LEVEL, cr3);
	uint64_t e[5];

	gmem_map(&mem, PT_4LEVEL, cr3, 0x400000, 0x800000, 1, RW_US);
	for (unsigned l = 1; l <= 4; l++)
		e[l] = gmem_entry(&mem, PT_4LEVEL, cr3, 0x400000, l);

	/* A read sets A everywhere, D nowhere. */
	expect_ok(&pg, 0x400000, RD, 0x800000, 4096);
	for (unsigned l = 1; l <= 4; l++) {
		ck_assert_msg(gmem_get(&mem, e[l], 8) & PTE_A, "level %u: A not set", l);
		ck_assert_msg(!(gmem_get(&mem, e[l], 8) & PTE_D), "level %u: D set by a read", l);
	}
	/* A write sets D in the leaf only; set bits are not rewritten. */
	unsigned writes = mem.writes;
	expect_ok(&pg, 0x400000, WR, 0x800000, 4096);
	ck_assert(gmem_get(&mem, e[1], 8) & PTE_D);
	for (unsigned l = 2; l <= 4; l++)
		ck_assert(!(gmem_get(&mem, e[l], 8) & PTE_D));
	ck_assert_uint_eq(mem.writes - writes, 1);
	writes = mem.writes;
	expect_ok(&pg, 0x400000, WR, 0x800000, 4096);
	ck_assert_uint_eq(mem.writes, writes);
	/* The rest of each entry is unchanged. */
	ck_assert_uint_eq(gmem_get(&mem, e[1], 8), 0x800000 | RW_US | PTE_A | PTE_D);

	/* A large page gets D in its PDE. */
	gmem_map(&mem, PT_4LEVEL, cr3, 0x40000000, 0x40000000, 2, RW_US);
	uint64_t pde = gmem_entry(&mem, PT_4LEVEL, cr3, 0x40000000, 2);
	expect_ok(&pg, 0x40000000, WR, 0x40000000, 2u << 20);
	ck_assert_uint_eq(gmem_get(&mem, pde, 8), 0x40000000 | RW_US | PTE_PS | PTE_A | PTE_D);

	/* A refused access sets nothing. */
	gmem_map(&mem, PT_4LEVEL, cr3, 0x600000, 0x600000, 1, PTE_P | PTE_US);
	uint64_t pte = gmem_entry(&mem, PT_4LEVEL, cr3, 0x600000, 1);
	expect_pf(&pg, 0x600000, WR | USR, E_P | E_W | E_U);
	ck_assert_uint_eq(gmem_get(&mem, pte, 8), PTE_P | PTE_US | 0x600000);

	/* Without a write callback nothing is written. */
	gmem_map(&mem, PT_4LEVEL, cr3, 0x601000, 0x601000, 1, RW_US);
	ram.write = NULL;
	writes = mem.writes;
	expect_ok(&pg, 0x601000, WR, 0x601000, 4096);
	ck_assert_uint_eq(mem.writes, writes);
	ck_assert_uint_eq(gmem_get(&mem, gmem_entry(&mem, PT_4LEVEL, cr3, 0x601000, 1), 8),
			  0x601000 | RW_US);
}
END_TEST

START_TEST(test_accessed_dirty_32bit_and_pae)
{
	uint64_t cr3 = gmem_table(&mem);
	struct x86_paging pg = paging(PT_32, cr3);

	gmem_map(&mem, PT_32, cr3, 0x400000, 0x800000, 1, RW_US);
	expect_ok(&pg, 0x400000, WR, 0x800000, 4096);
	ck_assert_uint_eq(gmem_get(&mem, gmem_entry(&mem, PT_32, cr3, 0x400000, 1), 4),
			  0x800000 | RW_US | PTE_A | PTE_D);
	ck_assert_uint_eq(gmem_get(&mem, gmem_entry(&mem, PT_32, cr3, 0x400000, 2), 4) & 0xfff,
			  RW_US | PTE_A);

	/* PAE: the PDPTE has no A bit and stays as it is. */
	uint64_t pdpt = gmem_table(&mem);
	pg = paging(PT_PAE, pdpt);
	gmem_map(&mem, PT_PAE, pdpt, 0x400000, 0x800000, 1, RW_US);
	uint64_t pdpte = gmem_entry(&mem, PT_PAE, pdpt, 0x400000, 3);
	uint64_t before = gmem_get(&mem, pdpte, 8);
	expect_ok(&pg, 0x400000, WR, 0x800000, 4096);
	ck_assert_uint_eq(gmem_get(&mem, pdpte, 8), before);
	ck_assert(gmem_get(&mem, gmem_entry(&mem, PT_PAE, pdpt, 0x400000, 2), 8) & PTE_A);
	ck_assert(gmem_get(&mem, gmem_entry(&mem, PT_PAE, pdpt, 0x400000, 1), 8) & PTE_D);
}
END_TEST

/* ------------------------------------------------------------ tables outside RAM */

START_TEST(test_unbacked_tables)
{
	uint64_t cr3 = 0x7000000;            /* not RAM */
	struct x86_paging pg = paging(PT_4LEVEL, cr3);
	struct x86_walk w;

	ck_assert_int_eq(x86_walk(&pg, &ram, 0xffff800000001000ull, RD, &w), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(w.table_gpa, cr3 + 256 * 8);
	ck_assert_uint_eq(w.level, 4);
	/* A PDE pointing at MMIO (e.g. the IOAPIC page). */
	cr3 = gmem_table(&mem);
	pg.cr3 = cr3;
	gmem_entry(&mem, PT_4LEVEL, cr3, 0x1000, 2);
	gmem_put(&mem, gmem_entry(&mem, PT_4LEVEL, cr3, 0x1000, 2), 0xfec00000 | RW_US, 8);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x1000, RD, &w), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(w.table_gpa, 0xfec00000 + 8);
	ck_assert_uint_eq(w.level, 1);
	/* No read callback at all. */
	struct x86_guest_ram none = { 0 };
	ck_assert_int_eq(x86_walk(&pg, &none, 0x1000, RD, &w), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(w.table_gpa, cr3);
	/* 32-bit paging with CR3 outside RAM. */
	pg = paging(PT_32, 0xabc000);
	ck_assert_int_eq(x86_walk(&pg, &ram, 0x00c01000, RD, &w), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(w.table_gpa, 0xabc000 + 3 * 4);
	/* An out-of-range MAXPHYADDR means 52. */
	cr3 = gmem_table(&mem);
	pg = paging(PT_4LEVEL, cr3);
	gmem_map(&mem, PT_4LEVEL, cr3, 0x1000, 0x000f000000002000ull, 1, RW_US);
	pg.maxphyaddr = 99;
	expect_ok(&pg, 0x1000, RD, 0x000f000000002000ull, 4096);
	pg.maxphyaddr = 7;
	expect_ok(&pg, 0x1000, RD, 0x000f000000002000ull, 4096);
}
END_TEST

/* MAXPHYADDR from CPUID: leaf 0x80000008 when there is one, else 36 with PAE, 32 without. */
START_TEST(test_maxphyaddr_cpuid)
{
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000008, 0x3027, 0), 39);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000008, 0x302e, X86_CPUID1_EDX_PAE), 46);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000020, 0x3034, 0), 52);
	/* No leaf 0x80000008 (whatever EAX says then is another leaf's). */
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000004, 0x3027, X86_CPUID1_EDX_PAE), 36);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000004, 0x3027, 0), 32);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0, 0, 0), 32);
	/* A width no CPU has counts as absent, never as a guess beyond 52. */
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000008, 0x3000, X86_CPUID1_EDX_PAE), 36);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000008, 0x35, 0), 32);
	ck_assert_uint_eq(x86_maxphyaddr_cpuid(0x80000008, 0x20, 0), 32);
}
END_TEST

/* ------------------------------------------------------------ random tables */

/* Random page-table contents and addresses in every mode: defined results only. */
START_TEST(test_random_tables)
{
	rnd_seed(0x7a1c);
	for (unsigned round = 0; round < 200; round++) {
		gmem_free(&mem);
		gmem_init(&mem);
		/* Eight table pages full of random entries, half of them pointing into the set. */
		for (unsigned p = 0; p < 8; p++) {
			uint64_t t = gmem_table(&mem);
			for (unsigned i = 0; i < 512; i++) {
				uint64_t v = rnd();
				if (rnd() % 2)
					v = (v & ~PTE_ADDR64 & ~(0x7ffull << 52)) |
					    (GMEM_TABLES + 4096 * (rnd() % 8));
				gmem_put(&mem, t + 8 * i, v, 8);
			}
		}
		unsigned mode = PT_32 + (unsigned)(rnd() % 4);
		struct x86_paging pg = paging(mode, GMEM_TABLES | (rnd() & 0xfff));
		pg.cr0 |= rnd() & X86_CR0_WP;
		pg.cr4 |= rnd() & (X86_CR4_PSE | X86_CR4_SMEP | X86_CR4_SMAP);
		pg.efer |= rnd() & X86_EFER_NXE;
		pg.maxphyaddr = 32 + rnd() % 21;
		for (unsigned i = 0; i < 200; i++) {
			struct x86_walk w;
			uint64_t la = rnd();
			unsigned access = rnd() & (WR | USR | EXE | AC);
			if (rnd() % 2)
				la = (int64_t)(la << 16) >> 16;    /* canonical */
			switch (x86_walk(&pg, &ram, la, access, &w)) {
			case X86_WALK_OK:
				REQUIRE(w.page_size == 4096 || w.page_size == 2u << 20 ||
					w.page_size == 4u << 20 || w.page_size == 1u << 30);
				unsigned width = pg.maxphyaddr;
				if (mode == PT_32 && width > 40)
					width = 40;           /* PSE-36 reaches 40 bits */
				REQUIRE(w.gpa < 1ull << width);
				REQUIRE(w.level >= 1);
				break;
			case X86_WALK_FAULT:
				REQUIRE((w.pf_error & ~0x1fu) == 0);
				REQUIRE((w.pf_error & (E_W | E_U)) == (access & (WR | USR)));
				REQUIRE(!(w.pf_error & E_RSVD) || (w.pf_error & E_P));
				break;
			case X86_WALK_NONCANONICAL:
				REQUIRE(mode == PT_4LEVEL || mode == PT_5LEVEL);
				break;
			case X86_WALK_BAD_TABLE:
				REQUIRE(gmem_find(&mem, w.table_gpa) < 0);
				break;
			default:
				ck_abort_msg("unknown status");
			}
		}
	}
}
END_TEST

Suite *x86_walk_suite(void)
{
	Suite *s = suite_create("x86_walk");
	TCase *tc = tcase_create("modes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_paging);
	tcase_add_test(tc, test_32bit_4k);
	tcase_add_test(tc, test_32bit_4m_pse);
	tcase_add_test(tc, test_32bit_ps_ignored_without_pse);
	tcase_add_test(tc, test_pae);
	tcase_add_test(tc, test_pae_pdpte_registers);
	tcase_add_test(tc, test_pae_nx);
	tcase_add_test(tc, test_4level);
	tcase_add_test(tc, test_4level_reserved);
	tcase_add_test(tc, test_5level);
	tcase_add_test(tc, test_range_split);
	suite_add_tcase(s, tc);

	tc = tcase_create("rights");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_permissions);
	tcase_add_test(tc, test_rights_combine_over_levels);
	tcase_add_test(tc, test_accessed_dirty);
	tcase_add_test(tc, test_accessed_dirty_32bit_and_pae);
	tcase_add_test(tc, test_unbacked_tables);
	tcase_add_test(tc, test_maxphyaddr_cpuid);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "random", setup, teardown, test_random_tables);
	return s;
}
