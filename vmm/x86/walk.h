/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest page-table walk: translates a guest linear address to a guest-
 * physical address the way the guest's CPU would, for the paging mode its
 * CR0/CR4/EFER select (Intel SDM vol. 3A, chapter 4):
 *
 *   CR0.PG = 0                       no paging: physical = linear (32 bits)
 *   CR0.PG = 1, CR4.PAE = 0          32-bit paging: 4 KiB, 4 MiB (CR4.PSE)
 *   CR0.PG = 1, CR4.PAE = 1, !LMA    PAE paging: 4 KiB, 2 MiB
 *   CR0.PG = 1, CR4.PAE = 1, LMA     4-level (5-level with CR4.LA57) paging:
 *                                    4 KiB, 2 MiB, 1 GiB
 *
 * It checks present, reserved bits (above MAXPHYADDR, in large-page
 * entries, XD without EFER.NXE, PS in the top level), write (user writes
 * always, supervisor writes with CR0.WP), user (CPL 3), execute-disable
 * (EFER.NXE), SMEP and SMAP, and reports a refused access as the #PF error
 * code the CPU would push (SDM 4.7). Protection keys (CR4.PKE/PKS) are not
 * modelled: pages are treated as if every key allowed the access.
 *
 * Paging-structure entries are read through ram->read; a table outside
 * guest RAM (the callback refuses it) is X86_WALK_BAD_TABLE, never a guess.
 * Accessed and dirty flags: when ram->write is not NULL, a successful walk
 * sets A in every entry it used and, for a write, D in the entry that maps
 * the page, as the CPU does (SDM 4.8). Each update rewrites only the entry's
 * low byte; it is not atomic against other vCPUs changing that byte at the
 * same moment (Linux updates these bytes with locked instructions, so a
 * racing change is rare and at worst loses an A/D bit). With ram->write
 * NULL nothing is written. PAE PDPTEs have no A bit and are never written.
 */
#ifndef VMM_X86_WALK_H
#define VMM_X86_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_CR0_PE (1ull << 0)        /* protected mode */
#define X86_CR0_WP (1ull << 16)       /* supervisor writes honour read-only pages */
#define X86_CR0_AM (1ull << 18)       /* alignment checks at CPL 3 with RFLAGS.AC */
#define X86_CR0_PG (1ull << 31)       /* paging */
#define X86_CR4_PSE (1ull << 4)       /* 4 MiB pages in 32-bit paging */
#define X86_CR4_PAE (1ull << 5)       /* 64-bit entries (PAE, 4/5-level paging) */
#define X86_CR4_LA57 (1ull << 12)     /* 5-level paging, 57-bit linear addresses */
#define X86_CR4_SMEP (1ull << 20)     /* no supervisor fetches from user pages */
#define X86_CR4_SMAP (1ull << 21)     /* no supervisor data accesses to user pages */
#define X86_EFER_LMA (1ull << 10)     /* IA32_EFER: long mode active */
#define X86_EFER_NXE (1ull << 11)     /* IA32_EFER: execute-disable bit enabled */

/* Page-fault error code bits (SDM 4.7). */
#define X86_PF_P (1u << 0)            /* 1: protection or reserved bit, 0: not present */
#define X86_PF_W (1u << 1)            /* the access was a write */
#define X86_PF_U (1u << 2)            /* the access was a user-mode (CPL 3) access */
#define X86_PF_RSVD (1u << 3)         /* a reserved bit was set in a paging entry */
#define X86_PF_ID (1u << 4)           /* instruction fetch (with SMEP, or PAE and NXE) */

#define X86_PAGE_SIZE 4096ull
#define X86_MAXPHYADDR_MIN 32u        /* narrowest guest physical address width accepted */
#define X86_MAXPHYADDR_MAX 52u        /* architectural maximum (SDM 4.1.4) */
#define X86_MAXPHYADDR_PAE 36u        /* without CPUID leaf 0x80000008, with PAE */
#define X86_CPUID_ADDR_SIZES 0x80000008u  /* CPUID leaf: EAX[7:0] MAXPHYADDR */
#define X86_CPUID1_EDX_PAE (1u << 6)  /* CPUID leaf 1 EDX: PAE */

/* What an access is: an OR of these (the first three are #PF error code bits). */
enum x86_access {
	X86_ACCESS_WRITE = X86_PF_W,  /* a write (or a read-modify-write) */
	X86_ACCESS_USER = X86_PF_U,   /* made at CPL 3 */
	X86_ACCESS_FETCH = X86_PF_ID, /* an instruction fetch */
	X86_ACCESS_AC = 1u << 8,      /* RFLAGS.AC was set: SMAP lets supervisor data through */
	X86_ACCESS_LA32 = 1u << 9,    /* 32-bit code (compatibility mode): wrap at 4 GiB */
};

/* The guest's paging state. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
	/* Guest physical address width (CPUID 0x80000008 EAX[7:0]); any
	 * value outside 32..52 means 52. */
	unsigned maxphyaddr;
	/* PAE paging uses the four PDPTE registers the CPU loaded with CR3
	 * (VMCS guest PDPTE0-3 under EPT). When pdpte_valid is false they are
	 * read from guest memory at CR3 instead. */
	bool pdpte_valid;
	uint64_t pdpte[4];
};

/* Guest RAM. Both return 0 on success, nonzero when [gpa, gpa+len) is not
 * (wholly) RAM. write may be NULL (see above). */
struct x86_guest_ram {
	int (*read)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, unsigned len);
	void *ctx;
};

enum x86_walk_status {
	X86_WALK_OK = 0,          /* translated: gpa, page_size */
	X86_WALK_FAULT,           /* refused: inject #PF with pf_error, CR2 = the address */
	X86_WALK_NONCANONICAL,    /* 4/5-level paging: not a canonical address (#GP/#SS) */
	X86_WALK_BAD_TABLE,       /* a paging entry at table_gpa is not in guest RAM */
	X86_WALK_BAD_LENGTH,      /* x86_walk_range: len is 0 or above 4 KiB */
};

struct x86_walk {
	uint64_t gpa;             /* OK: the guest-physical address */
	uint64_t page_size;       /* OK: size of the page that maps it (4 KiB if no paging) */
	uint64_t table_gpa;       /* BAD_TABLE: address of the unreadable entry */
	uint32_t pf_error;        /* FAULT: #PF error code */
	unsigned level;           /* level of the last entry read (1 = PTE), 0 without paging */
};

/*
 * The guest-physical pieces of the len bytes at la: one, or two when they
 * cross a 4 KiB boundary (the lower piece first). Both pages are translated
 * before anything is reported, so a fault on either leaves no half-done
 * access behind.
 */
struct x86_span {
	unsigned n;               /* OK: pieces */
	uint64_t gpa[2];
	unsigned len[2];
	uint64_t la;              /* not OK: the linear address that failed (CR2 for #PF) */
	struct x86_walk walk;     /* not OK: the failed walk */
};

/*
 * MAXPHYADDR as CPUID reports it (SDM vol. 3A, 4.1.4): EAX[7:0] of leaf
 * 0x80000008 (eax_80000008) when the highest extended leaf (max_ext_leaf,
 * CPUID 0x80000000 EAX) reaches it, else 36 with PAE (edx_1, CPUID leaf 1
 * EDX) and 32 without. A width outside 32..52 counts as absent. The VMM
 * takes its guests' width from the host's CPUID this way (x86state.h).
 */
unsigned x86_maxphyaddr_cpuid(uint32_t max_ext_leaf, uint32_t eax_80000008, uint32_t edx_1);

/* Whether la is canonical for 48-bit (or, la57, 57-bit) linear addresses. */
bool x86_canonical(uint64_t la, bool la57);

/*
 * Translates linear address la for an access (enum x86_access bits; unknown
 * bits are ignored). Outside 4/5-level paging only the low 32 bits of la
 * count. Returns enum x86_walk_status; *out describes the result.
 */
int x86_walk(const struct x86_paging *pg, const struct x86_guest_ram *ram, uint64_t la,
	     unsigned access, struct x86_walk *out);

/*
 * Translates the len bytes (1 to 4096) at la for an access: x86_walk for
 * each page they touch. Outside 4/5-level paging, and with X86_ACCESS_LA32,
 * linear addresses are 32 bits: the second piece wraps at 4 GiB. Returns
 * enum x86_walk_status.
 */
int x86_walk_range(const struct x86_paging *pg, const struct x86_guest_ram *ram, uint64_t la,
		   unsigned len, unsigned access, struct x86_span *out);

#endif
