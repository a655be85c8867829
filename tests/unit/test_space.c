/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for arch/x86_64/space.c, compiled unchanged for the host together
 * with paging.c (the table walker, the kernel's tables) and gdt.c (the TSS's
 * copy of the I/O bitmap); tests/unit/shim/shim.h says what stands in for
 * the machine. What the CPU would have been told is what the shims recorded:
 * CR3 values, INVLPG and INVEPT, page frames handed out and freed, the TSS
 * calls, self-check reports.
 *
 * - pcid:  TLB tags: no two live spaces share one (but the shared tag),
 *          tags come back at destruction, and when a switch keeps a tag's
 *          entries (CR3 bit 63) or flushes them;
 * - ept:   guest spaces start stale (their first entry flushes), INVEPT on
 *          destruction before the root frame goes, changes make them stale;
 * - io:    the I/O permission bitmap, its generations, the TSS's copy;
 * - map:   entries, rights and memory types, range checks, INVLPG or
 *          staleness, every table freed;
 * - check: the self-check's part (arch_space_check).
 *
 * space.c's PCID switch is one-way (space_init_pcid), so these tests need
 * Check's fork mode, the default: each runs in its own process.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <l4/debug.h>
#include <l4/errno.h>

#include "arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/space.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/x86.h"
#include "tests/unit/shim/shim.h"
#include "unit.h"
#include "util.h"

/* Architectural values, written out here rather than taken from space.c. */
#define NOFLUSH    (1ull << 63)   /* CR3 bit 63 (with CR4.PCIDE): keep the tag's TLB entries */
#define TAG_MASK   0xfffull       /* CR3 bits 11:0: the PCID */
#define OWN_TAGS   4094           /* tags 1..4094 (0 is the kernel's) */
#define SHARED_TAG 4095           /* what new spaces get while those are all live */
#define EPTP_FLAGS 0x1eull        /* EPT pointer: write-back tables (6), 4-level walk (3 << 3) */
#define EPT_R      1ull
#define EPT_W      2ull
#define EPT_X      4ull
#define EPT_MT(t)  ((uint64_t)(t) << 3)
#define MT_UC      0
#define MT_WT      4
#define MT_WB      6
#define TABLE_FLAGS 7ull          /* a table entry: P|W|U (host), R|W|X (EPT) */

#define NO_WRITE UINT64_MAX       /* activate(): CR3 was not written */

/* Hot loops: Check records a mark point for every ck_assert. */
#define EXPECT_MSG(cond, ...)                  \
	do {                                   \
		if (!(cond))                   \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static struct quota quota;

/* ------------------------------------------------------------ fixtures */

static void setup(void)
{
	shim_setup();
	quota = (struct quota){ .limit = UINT64_MAX };
}

static void setup_pcid(void)
{
	setup();
	cpu.pcid = true;
	space_init_pcid();
	shim_clear_events();
}

static void setup_no_pcid(void)
{
	setup();
	ck_assert_msg(!(shim_cr4 & CR4_PCIDE), "PCIDs are on from an earlier test (run in fork mode)");
}

static void setup_vmx(void)
{
	setup_pcid();
	vmx_on = true;
}

/* ------------------------------------------------------------ helpers */

/* Memory as kmem_alloc gives it (zeroed), made a host or a guest space. */
static void make_space(struct space *s, struct quota *q)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(space_init(s, q), L4_OK);
}

static void make_guest(struct space *s, struct quota *q)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(space_init_guest(s, q), L4_OK);
}

/* Makes s current as the kernel does on its way to user mode. Returns the
 * CR3 value written (after checking it names s's root and tag and nothing
 * else), or NO_WRITE. */
static uint64_t activate(struct space *s)
{
	size_t from = shim_event_count;

	space_activate(s);
	EXPECT_MSG(host_percpu.arch.space_current == s, "space_activate(%p): current is %p", (void *)s,
		   (void *)host_percpu.arch.space_current);
	size_t i = shim_find(SHIM_CR3, true, 0, from);
	if (i == SIZE_MAX)
		return NO_WRITE;
	EXPECT_MSG(shim_find(SHIM_CR3, true, 0, i + 1) == SIZE_MAX, "two CR3 writes for one switch");
	uint64_t v = shim_events[i].a;
	EXPECT_MSG((v & PTE_ADDR) == s->root && (v & TAG_MASK) == s->pcid &&
		   !(v & ~(PTE_ADDR | TAG_MASK | NOFLUSH)),
		   "CR3 %#llx for the space with root %#llx and tag %u", (unsigned long long)v,
		   (unsigned long long)s->root, s->pcid);
	return v;
}

/* The switch (an activate() call) dropped whatever the tag held / kept it. */
#define ASSERT_FLUSHES(switch_)                                                                   \
	do {                                                                                      \
		uint64_t v_ = (switch_);                                                          \
		ck_assert_msg(v_ != NO_WRITE && !(v_ & NOFLUSH), "CR3 %#llx: expected a flush",   \
			      (unsigned long long)v_);                                            \
	} while (0)
#define ASSERT_KEEPS(switch_)                                                                     \
	do {                                                                                      \
		uint64_t v_ = (switch_);                                                          \
		ck_assert_msg(v_ != NO_WRITE && (v_ & NOFLUSH), "CR3 %#llx: expected no flush",   \
			      (unsigned long long)v_);                                            \
	} while (0)

/* The entry for va's 4 KiB page, read from the tables directly (0 if a table
 * is missing); path (if not NULL) gets the PML4, PDPT and PD entries. */
static uint64_t entry_of(const struct space *s, uint64_t va, uint64_t path[3])
{
	const uint64_t *t = phys_to_virt(s->root);

	for (unsigned level = 4; level > 1; level--) {
		uint64_t e = t[va >> (PAGE_SHIFT + 9 * (level - 1)) & 0x1ff];
		if (path)
			path[4 - level] = e;
		if (!(e & 1))
			return 0;
		t = phys_to_virt(e & PTE_ADDR);
	}
	return t[va >> PAGE_SHIFT & 0x1ff];
}

/* Runs the self-check's part over n spaces; returns how many reports it made. */
static size_t run_check(struct space *const *sp, size_t n, uint64_t *bytes)
{
	size_t before = shim_count(SHIM_CHECK_FAIL);
	uint64_t sum = 0;

	arch_space_check_begin();
	for (size_t i = 0; i < n; i++)
		sum += arch_space_check(sp[i]);
	if (bytes)
		*bytes = sum;
	return shim_count(SHIM_CHECK_FAIL) - before;
}

/* Whether the TSS's I/O map, as the CPU would read it, lets port through. */
static bool tss_allows(unsigned port)
{
	return tss_io_map_on() && !(host_percpu.arch.tss_io.bitmap[port / 8] & (1u << (port % 8)));
}

/* ============================================================ pcid */

START_TEST(test_pcid_init_sets_cr4_pcide)
{
	/* (setup_pcid called space_init_pcid with cpu.pcid) */
	ck_assert_msg(shim_cr4 & CR4_PCIDE, "CR4 %#llx", (unsigned long long)shim_cr4);
	ck_assert_msg(shim_cr4 & CR4_PAE, "CR4.PAE was lost");
}
END_TEST

/*
 * 10,000 spaces made and destroyed in random order (fixed seed), about 500
 * live at a time and three live all along: a new space's tag is never a live
 * space's, never the kernel's, and never the shared one while own tags are
 * free (so tags come back at destruction: 10,000 > 4,094). Each space's first
 * switch flushes its tag (a dead space may have left entries under it), the
 * later ones keep it, and switching to the current space writes nothing.
 */
#define CHURN_CREATIONS 10000
#define CHURN_SLOTS 700
#define CHURN_KEEP 3

START_TEST(test_pcid_churn_never_shares_a_live_tag)
{
	struct space *sp = calloc(CHURN_SLOTS, sizeof(*sp));
	bool live[CHURN_SLOTS] = { false }, ran[CHURN_SLOTS] = { false }, tag_used[SHARED_TAG + 1] = { false };
	int owner[SHARED_TAG + 1];         /* the slot of the live space with that tag, or -1 */
	unsigned nlive = 0, created = 0, destroyed = 0, switches = 0, reused = 0;

	ck_assert_ptr_nonnull(sp);
	for (unsigned t = 0; t <= SHARED_TAG; t++)
		owner[t] = -1;
	rnd_seed(0x5ace7a95);
	/* Slots 0..CHURN_KEEP-1 are never destroyed: their spaces are made first. */
	for (unsigned step = 0; created < CHURN_CREATIONS; step++) {
		unsigned i = step < CHURN_KEEP ? step : (unsigned)(rnd() % CHURN_SLOTS);
		bool destroy = rnd() % 2;
		if (!live[i]) {
			make_space(&sp[i], &quota);
			unsigned t = sp[i].pcid;
			EXPECT_MSG(t != 0 && t != SHARED_TAG && t <= OWN_TAGS,
				   "space %u (%u live): tag %u", created, nlive, t);
			EXPECT_MSG(owner[t] < 0, "space %u got tag %u, which the live space in slot %d has",
				   created, t, owner[t]);
			owner[t] = (int)i;
			reused += tag_used[t];
			tag_used[t] = true;
			live[i] = true;
			ran[i] = false;
			nlive++;
			created++;
		} else if (i < CHURN_KEEP || !destroy) {
			bool current = host_percpu.arch.space_current == &sp[i];
			uint64_t v = activate(&sp[i]);
			if (current)
				EXPECT_MSG(v == NO_WRITE, "switch to the current space wrote CR3 %#llx",
					   (unsigned long long)v);
			else if (!ran[i])
				EXPECT_MSG(v != NO_WRITE && !(v & NOFLUSH),
					   "first switch to a space (tag %u): CR3 %#llx keeps the tag",
					   sp[i].pcid, (unsigned long long)v);
			else
				EXPECT_MSG(v != NO_WRITE && (v & NOFLUSH),
					   "later switch (tag %u): CR3 %#llx flushes", sp[i].pcid,
					   (unsigned long long)v);
			ran[i] = true;
			switches++;
		} else {
			owner[sp[i].pcid] = -1;
			space_destroy(&sp[i]);
			live[i] = false;
			nlive--;
			destroyed++;
		}
		if (step % 1000 == 999) {
			/* Now and then: the self-check finds nothing either. */
			struct space *all[CHURN_SLOTS];
			size_t n = 0;
			for (unsigned k = 0; k < CHURN_SLOTS; k++)
				if (live[k])
					all[n++] = &sp[k];
			EXPECT_MSG(run_check(all, n, NULL) == 0, "self-check: %s", shim_check_message);
			shim_clear_events();
		}
	}
	ck_assert_uint_gt(reused, 0);
	ck_assert_uint_gt(destroyed, 5000);
	ck_assert_uint_gt(switches, 5000);
	ck_assert_uint_eq(shim_pages_outstanding(), nlive);
	for (unsigned i = 0; i < CHURN_SLOTS; i++)
		if (live[i])
			space_destroy(&sp[i]);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	free(sp);
}
END_TEST

/*
 * All 4,094 own tags live: further spaces get the shared tag, and every switch
 * to one of them flushes it (the others' entries are under it too). A
 * destroyed space's tag is the next new space's, whose first switch flushes
 * what the dead one left; destroying a space on the shared tag frees nothing.
 */
START_TEST(test_pcid_all_tags_live_then_the_shared_tag_flushes)
{
	const unsigned n = OWN_TAGS + 2;
	struct space *sp = calloc(n, sizeof(*sp)), *x = &sp[OWN_TAGS], *y = &sp[OWN_TAGS + 1];
	bool seen[SHARED_TAG + 1] = { false };

	ck_assert_ptr_nonnull(sp);
	for (unsigned i = 0; i < OWN_TAGS; i++) {
		make_space(&sp[i], &quota);
		unsigned t = sp[i].pcid;
		EXPECT_MSG(t >= 1 && t <= OWN_TAGS && !seen[t], "space %u: tag %u", i, t);
		seen[t] = true;
	}
	make_space(x, &quota);
	make_space(y, &quota);
	ck_assert_uint_eq(x->pcid, SHARED_TAG);
	ck_assert_uint_eq(y->pcid, SHARED_TAG);

	for (unsigned round = 0; round < 3; round++) {
		ASSERT_FLUSHES(activate(x));
		ASSERT_FLUSHES(activate(y));
	}
	ASSERT_FLUSHES(activate(&sp[0]));
	ASSERT_FLUSHES(activate(x));
	ASSERT_KEEPS(activate(&sp[0]));
	ASSERT_FLUSHES(activate(x));

	/* The self-check accepts the shared tag twice and each own tag once. */
	struct space **all = calloc(n, sizeof(*all));
	ck_assert_ptr_nonnull(all);
	for (unsigned i = 0; i < n; i++)
		all[i] = &sp[i];
	ck_assert_uint_eq(run_check(all, n, NULL), 0);

	/* A tag that held entries comes back with the next space, flushed once. */
	struct space *v = &sp[1233];
	ASSERT_FLUSHES(activate(v));
	ASSERT_FLUSHES(activate(x));
	ASSERT_KEEPS(activate(v));
	uint16_t t = v->pcid;
	space_destroy(v);
	make_space(v, &quota);
	ck_assert_uint_eq(v->pcid, t);
	ASSERT_FLUSHES(activate(v));
	ASSERT_FLUSHES(activate(x));
	ASSERT_KEEPS(activate(v));

	/* A space on the shared tag frees none: the next one shares it too. */
	space_destroy(y);
	make_space(y, &quota);
	ck_assert_uint_eq(y->pcid, SHARED_TAG);

	/* An own tag freed while spaces share: a new space takes it. */
	t = sp[7].pcid;
	space_destroy(&sp[7]);
	space_destroy(y);
	make_space(y, &quota);
	ck_assert_uint_eq(y->pcid, t);
	ASSERT_FLUSHES(activate(y));
	ASSERT_FLUSHES(activate(x));
	ASSERT_KEEPS(activate(y));

	for (unsigned i = 0; i < n; i++)
		if (i != 7)
			space_destroy(&sp[i]);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	free(all);
	free(sp);
}
END_TEST

/*
 * A new space's first switch flushes its tag; later ones keep it, unless a
 * mapping of the space changed while it was not current (then once). New
 * mappings need nothing (absent entries are not cached), and a change in the
 * current space is an INVLPG at once, so its next switch keeps the tag.
 */
START_TEST(test_pcid_first_switch_flushes_later_ones_keep)
{
	struct space a, b;
	const uint64_t va = 0x400000, va2 = 0x7ffffffff000;

	make_space(&a, &quota);
	make_space(&b, &quota);
	ck_assert_uint_ne(a.pcid, b.pcid);
	ASSERT_FLUSHES(activate(&a));
	ck_assert_uint_eq(activate(&a), NO_WRITE);
	ASSERT_FLUSHES(activate(&b));
	ASSERT_KEEPS(activate(&a));
	ASSERT_KEEPS(activate(&b));

	/* b current: a new mapping in a leaves a's entries valid. */
	ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_R), L4_OK);
	ASSERT_KEEPS(activate(&a));

	/* a current: b's mapping appears, then changes, then goes. */
	ck_assert_int_eq(space_map(&b, va, 0x2000000, SPACE_R), L4_OK);
	ASSERT_KEEPS(activate(&b));
	ASSERT_KEEPS(activate(&a));
	ck_assert_int_eq(space_map(&b, va, 0x2000000, SPACE_R | SPACE_W), L4_OK);
	ASSERT_FLUSHES(activate(&b));
	ASSERT_KEEPS(activate(&a));
	ASSERT_KEEPS(activate(&b));
	ASSERT_KEEPS(activate(&a));
	ck_assert_uint_eq(space_unmap(&b, va), 0x2000000);
	ASSERT_FLUSHES(activate(&b));

	/* b current: its own changes are INVLPGs, its tag stays good. */
	shim_clear_events();
	ck_assert_int_eq(space_map(&b, va2, 0x3000000, SPACE_R), L4_OK);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 0);
	ck_assert_int_eq(space_map(&b, va2, 0x4000000, SPACE_R), L4_OK);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 1);
	ck_assert_uint_eq(space_unmap(&b, va2), 0x4000000);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 2);
	ck_assert_uint_ne(shim_find(SHIM_INVLPG, false, va2, 0), SIZE_MAX);
	ASSERT_KEEPS(activate(&a));
	ASSERT_KEEPS(activate(&b));

	space_destroy(&a);
	space_destroy(&b);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Destroying the current space goes back to the kernel's tables (tag 0, flushed). */
START_TEST(test_pcid_destroying_the_current_space)
{
	struct space a, b;

	make_space(&a, &quota);
	make_space(&b, &quota);
	activate(&a);
	shim_clear_events();
	space_destroy(&a);
	ck_assert_uint_eq(shim_count(SHIM_CR3), 1);
	ck_assert_uint_eq(shim_cr3, virt_to_phys(paging_kernel_root()));
	ck_assert_ptr_null(host_percpu.arch.space_current);
	ASSERT_FLUSHES(activate(&b));
	space_destroy(&b);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* A new host space shares the kernel's half of the PML4 and has nothing in its own. */
START_TEST(test_pcid_new_space_has_the_kernel_half)
{
	struct space a, g;
	const uint64_t *kernel = paging_kernel_root();

	make_space(&a, &quota);
	make_guest(&g, &quota);
	const uint64_t *pml4 = phys_to_virt(a.root), *ept = phys_to_virt(g.root);
	ck_assert_uint_ne(kernel[256], 0);    /* the direct map */
	for (unsigned i = 0; i < 512; i++) {
		ck_assert_uint_eq(pml4[i], i < 256 ? 0 : kernel[i]);
		ck_assert_uint_eq(ept[i], 0);
	}
	space_destroy(&a);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Without PCIDs: no CR4.PCIDE, no tags, CR3 is the root alone every time. */
START_TEST(test_pcid_off_no_tags_no_noflush)
{
	struct space sp[8];

	cpu.pcid = false;
	space_init_pcid();
	ck_assert_uint_eq(shim_count(SHIM_CR4), 0);
	ck_assert(!(shim_cr4 & CR4_PCIDE));
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 8; i++) {
			make_space(&sp[i], &quota);
			ck_assert_uint_eq(sp[i].pcid, 0);
		}
		for (unsigned k = 0; k < 40; k++) {
			struct space *s = &sp[k * 5 % 8];
			if (k % 3 == 0)
				ck_assert_int_eq(space_map(s, k * PAGE_SIZE, 0x1000000, SPACE_R | (k % 2 ? SPACE_W : 0)),
						 L4_OK);
			uint64_t v = activate(s);
			ck_assert_msg(v == NO_WRITE || v == s->root, "CR3 %#llx, root %#llx",
				      (unsigned long long)v, (unsigned long long)s->root);
		}
		for (unsigned i = 0; i < 8; i++)
			space_destroy(&sp[i]);
	}
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* ============================================================ ept */

/* A guest space starts stale: its first VM entry flushes the EPT pointer's
 * translations (vcpu.c), which a VM on the same root frame may have left. */
START_TEST(test_ept_new_guest_space_is_stale)
{
	struct space g, h;

	make_guest(&g, &quota);
	ck_assert(g.guest);
	ck_assert(g.tlb_stale);
	ck_assert_uint_eq(g.pcid, 0);
	ck_assert_uint_eq(shim_count(SHIM_CR3) + shim_count(SHIM_INVEPT), 0);

	/* It ran (vcpu.c flushed and cleared the flag), had memory, and went. */
	ck_assert_int_eq(space_map(&g, 0x100000, 0x5000000, SPACE_RWX), L4_OK);
	g.tlb_stale = false;
	uint64_t root = g.root;
	space_destroy(&g);
	make_guest(&h, &quota);
	ck_assert_uint_eq(h.root, root);      /* the pool hands the frame out again */
	ck_assert(h.tlb_stale);
	space_destroy(&h);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Destroying a guest space flushes its EPT pointer (one INVEPT) before its
 * root frame is freed, and frees every EPT table, in both halves. */
START_TEST(test_ept_destroy_flushes_before_the_root_goes)
{
	struct space g;

	make_guest(&g, &quota);
	ck_assert_int_eq(space_map(&g, 0x1000, 0x5000000, SPACE_RWX), L4_OK);
	ck_assert_int_eq(space_map(&g, 0x800000000000, 0x5001000, SPACE_R), L4_OK);
	ck_assert_int_eq(space_map(&g, GUEST_LIMIT - PAGE_SIZE, 0x5002000, SPACE_R | SPACE_W), L4_OK);
	ck_assert_uint_eq(shim_pages_outstanding(), 1 + 3 * 3);
	uint64_t root = g.root;
	shim_clear_events();
	space_destroy(&g);
	size_t flush = shim_find(SHIM_INVEPT, true, 0, 0), freed = shim_find(SHIM_PAGE_FREE, false, root, 0);
	ck_assert_uint_eq(shim_count(SHIM_INVEPT), 1);
	ck_assert_uint_eq(shim_events[flush].a, root | EPTP_FLAGS);
	ck_assert_uint_ne(freed, SIZE_MAX);
	ck_assert_uint_lt(flush, freed);
	ck_assert_uint_eq(shim_count(SHIM_CR3) + shim_count(SHIM_INVLPG), 0);
	ck_assert_uint_eq(g.root, 0);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	ck_assert_uint_eq(quota.used, 0);
}
END_TEST

/* No INVEPT outside VMX operation (it would be #UD), nor for host spaces. */
START_TEST(test_ept_no_invept_without_vmx_or_for_host_spaces)
{
	struct space g, a;

	make_guest(&g, &quota);
	make_space(&a, &quota);
	space_destroy(&a);
	ck_assert_uint_eq(shim_count(SHIM_INVEPT), 0);
	vmx_on = false;       /* (the shim fails an INVEPT then) */
	space_destroy(&g);
	ck_assert_uint_eq(shim_count(SHIM_INVEPT), 0);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* A changed or removed guest mapping makes the space stale (INVEPT before
 * the next entry); a new one does not; no host INVLPG for any of them. */
START_TEST(test_ept_changes_make_the_guest_stale)
{
	struct space g;
	const uint64_t gpa = 0xfee00000;

	make_guest(&g, &quota);
	g.tlb_stale = false;     /* as vcpu.c leaves it after its INVEPT */
	ck_assert_int_eq(space_map(&g, gpa, 0x6000000, SPACE_R), L4_OK);
	ck_assert(!g.tlb_stale);
	ck_assert_int_eq(space_map(&g, gpa, 0x6000000, SPACE_R | SPACE_W), L4_OK);
	ck_assert(g.tlb_stale);
	g.tlb_stale = false;
	ck_assert_int_eq(space_map(&g, gpa, 0x7000000, SPACE_R | SPACE_W), L4_OK);
	ck_assert(g.tlb_stale);
	g.tlb_stale = false;
	ck_assert_int_eq(space_map(&g, gpa, 0x7000000, SPACE_R | SPACE_W | SPACE_UC), L4_OK);
	ck_assert(g.tlb_stale);
	g.tlb_stale = false;
	ck_assert_uint_eq(space_unmap(&g, gpa), 0x7000000);
	ck_assert(g.tlb_stale);
	g.tlb_stale = false;
	ck_assert_uint_eq(space_unmap(&g, gpa), 0);
	ck_assert(!g.tlb_stale);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG) + shim_count(SHIM_CR3), 0);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* ============================================================ io */

START_TEST(test_io_allow_deny_allowed)
{
	struct space a;

	make_space(&a, &quota);
	ck_assert(!space_io_allowed(&a, 0x3f8));
	space_io_deny(&a, 0x3f8);              /* nothing to deny: no bitmap yet */
	ck_assert_ptr_null(a.io[0]);
	ck_assert_uint_eq(a.io_gen, 0);
	ck_assert_uint_eq(shim_pages_outstanding(), 1);
	ck_assert_int_eq(space_io_allow(&a, IO_PORTS), L4_EINVAL);
	ck_assert_ptr_null(a.io[0]);

	ck_assert_int_eq(space_io_allow(&a, 0x3f8), L4_OK);
	ck_assert_uint_eq(shim_pages_outstanding(), 3);
	ck_assert(space_io_allowed(&a, 0x3f8));
	ck_assert(!space_io_allowed(&a, 0x3f7));
	ck_assert(!space_io_allowed(&a, 0x3f9));
	ck_assert(!space_io_allowed(&a, IO_PORTS));
	ck_assert_uint_eq(a.io[0][0x3f8 / 8], 0xfe);      /* 1 = denied */
	ck_assert_uint_eq(a.io_len, 0x3f8 / 8 + 1);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (i != 0x3f8 / 8)
			EXPECT_MSG(a.io[0][i] == 0xff && a.io[1][i] == 0xff, "byte %u", i);

	ck_assert_int_eq(space_io_allow(&a, 0xffff), L4_OK);     /* the last bit of the second page */
	ck_assert(space_io_allowed(&a, 0xffff));
	ck_assert_uint_eq(a.io[1][PAGE_SIZE - 1], 0x7f);
	ck_assert_uint_eq(a.io_len, 8192);
	ck_assert_uint_eq(shim_pages_outstanding(), 3);

	space_io_deny(&a, 0x3f8);
	ck_assert(!space_io_allowed(&a, 0x3f8));
	ck_assert(space_io_allowed(&a, 0xffff));
	ck_assert_uint_eq(a.io[0][0x3f8 / 8], 0xff);
	space_io_deny(&a, IO_PORTS);           /* out of range: ignored */
	space_destroy(&a);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Destroying a space frees both bitmap pages, each once. */
START_TEST(test_io_destroy_frees_both_pages)
{
	struct space a;

	make_space(&a, &quota);
	ck_assert_int_eq(space_io_allow(&a, 0x60), L4_OK);
	uint64_t root = a.root, io0 = virt_to_phys(a.io[0]), io1 = virt_to_phys(a.io[1]);
	ck_assert_uint_eq(quota.used, 3 * PAGE_SIZE);
	shim_clear_events();
	space_destroy(&a);
	ck_assert_uint_eq(shim_count(SHIM_PAGE_FREE), 3);
	ck_assert_uint_ne(shim_find(SHIM_PAGE_FREE, false, root, 0), SIZE_MAX);
	ck_assert_uint_ne(shim_find(SHIM_PAGE_FREE, false, io0, 0), SIZE_MAX);
	ck_assert_msg(shim_find(SHIM_PAGE_FREE, false, io1, 0) != SIZE_MAX, "the second bitmap page leaked");
	ck_assert_ptr_null(a.io[0]);
	ck_assert_ptr_null(a.io[1]);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	ck_assert_uint_eq(quota.used, 0);
}
END_TEST

/* Without room for both pages: L4_ENOMEM, nothing kept, nothing changed. */
START_TEST(test_io_allow_without_memory)
{
	struct space a;

	quota.limit = 2 * PAGE_SIZE;           /* the root and one more */
	make_space(&a, &quota);
	ck_assert_int_eq(space_io_allow(&a, 0x60), L4_ENOMEM);
	ck_assert_ptr_null(a.io[0]);
	ck_assert_ptr_null(a.io[1]);
	ck_assert_uint_eq(a.io_gen, 0);
	ck_assert_uint_eq(quota.used, PAGE_SIZE);
	ck_assert_uint_eq(shim_pages_outstanding(), 1);
	quota.limit = PAGE_SIZE;
	ck_assert_int_eq(space_io_allow(&a, 0x60), L4_ENOMEM);
	ck_assert_uint_eq(shim_pages_outstanding(), 1);
	quota.limit = 3 * PAGE_SIZE;
	ck_assert_int_eq(space_io_allow(&a, 0x60), L4_OK);
	ck_assert(space_io_allowed(&a, 0x60));
	space_destroy(&a);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* The generations handed out so far. */
static uint64_t gens[1024];
static unsigned gen_count;

static void expect_new_gen(uint64_t gen, const char *what)
{
	EXPECT_MSG(gen != 0, "%s: generation 0", what);
	for (unsigned i = 0; i < gen_count; i++)
		EXPECT_MSG(gens[i] != gen, "%s: generation %llu was handed out before", what,
			   (unsigned long long)gen);
	ck_assert_uint_lt(gen_count, ARRAY_SIZE(gens));
	gens[gen_count++] = gen;
}

/* Every change of any bitmap gives a generation never given before, also
 * to a space made in a destroyed one's memory; others' stay as they were. */
START_TEST(test_io_generations_never_repeat)
{
	static struct space sp[2];

	make_space(&sp[0], &quota);
	make_space(&sp[1], &quota);
	rnd_seed(0x10b17);
	for (unsigned k = 0; k < 300; k++) {
		struct space *s = &sp[rnd() % 2], *other = s == &sp[0] ? &sp[1] : &sp[0];
		unsigned port = (unsigned)(rnd() % 64) * 1021 % IO_PORTS;
		uint64_t other_gen = other->io_gen;
		if (!s->io[0] || rnd() % 3)
			ck_assert_int_eq(space_io_allow(s, port), L4_OK);
		else
			space_io_deny(s, port);
		expect_new_gen(s->io_gen, "a change");
		ck_assert_uint_eq(other->io_gen, other_gen);
		if (k % 50 == 49) {
			/* The space goes; a new one is made in its memory. */
			space_destroy(s);
			make_space(s, &quota);
			ck_assert_int_eq(space_io_allow(s, port), L4_OK);
			expect_new_gen(s->io_gen, "a space in a dead one's memory");
		}
	}
	space_destroy(&sp[0]);
	space_destroy(&sp[1]);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* A switch hands the TSS the space's generation, pages and length (or
 * generation 0: no map) and the TSS then allows exactly the space's ports. */
START_TEST(test_io_switch_hands_the_tss_the_bitmap)
{
	struct space a, b, c, d;

	make_space(&a, &quota);
	make_space(&b, &quota);
	make_space(&c, &quota);
	make_space(&d, &quota);
	ck_assert_int_eq(space_io_allow(&a, 0x60), L4_OK);
	ck_assert_int_eq(space_io_allow(&a, 0x64), L4_OK);
	ck_assert_int_eq(space_io_allow(&b, 0x3f8), L4_OK);

	activate(&c);                          /* no ports, no map: nothing to tell the TSS */
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 0);

	shim_clear_events();
	activate(&a);
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 1);
	const struct shim_event *e = &shim_events[shim_find(SHIM_TSS_IO, true, 0, 0)];
	ck_assert_uint_eq(e->a, a.io_gen);
	ck_assert_uint_eq(e->b, a.io_len);
	ck_assert_uint_eq(e->c, (uintptr_t)a.io[0]);
	ck_assert_uint_eq(e->d, (uintptr_t)a.io[1]);
	ck_assert(tss_allows(0x60) && tss_allows(0x64));
	ck_assert(!tss_allows(0x61) && !tss_allows(0x3f8));

	activate(&b);
	ck_assert(tss_allows(0x3f8));
	ck_assert(!tss_allows(0x60) && !tss_allows(0x64));

	shim_clear_events();
	activate(&c);                          /* no ports: the map goes (generation 0) */
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 1);
	ck_assert_uint_eq(shim_events[shim_find(SHIM_TSS_IO, true, 0, 0)].a, 0);
	ck_assert(!tss_io_map_on());
	ck_assert(!tss_allows(0x3f8));
	activate(&d);                          /* and stays gone */
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 1);

	/* Changes while current reach the TSS at the next activation. */
	activate(&a);
	ck_assert_int_eq(space_io_allow(&a, 0x61), L4_OK);
	shim_clear_events();
	activate(&a);
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 1);
	ck_assert_uint_eq(shim_events[shim_find(SHIM_TSS_IO, true, 0, 0)].a, a.io_gen);
	ck_assert(tss_allows(0x60) && tss_allows(0x61) && tss_allows(0x64));
	space_io_deny(&a, 0x60);
	shim_clear_events();
	activate(&a);
	ck_assert_uint_eq(shim_count(SHIM_TSS_IO), 1);
	ck_assert_uint_eq(shim_events[shim_find(SHIM_TSS_IO, true, 0, 0)].a, a.io_gen);
	ck_assert(!tss_allows(0x60) && tss_allows(0x61) && tss_allows(0x64));

	space_destroy(&a);
	space_destroy(&b);
	space_destroy(&c);
	space_destroy(&d);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/*
 * Review finding 5: a task with ports runs, goes, and a task made in its
 * memory makes as many changes to its own bitmap. When it runs, the TSS must
 * hold its bitmap, not the dead task's (the TSS's copy was keyed by the space's
 * address and a per-space change count, which both matched).
 */
START_TEST(test_io_space_in_a_dead_ones_memory_gets_none_of_its_ports)
{
	static struct space slot;
	struct space other;

	make_space(&other, &quota);
	make_space(&slot, &quota);
	for (unsigned p = 0xcf8; p < 0xd00; p++)
		ck_assert_int_eq(space_io_allow(&slot, p), L4_OK);
	activate(&slot);
	ck_assert(tss_allows(0xcf8) && tss_allows(0xcff));
	uint64_t dead_gen = slot.io_gen;
	activate(&other);
	space_destroy(&slot);

	make_space(&slot, &quota);
	for (unsigned k = 0; k < 8; k++)
		ck_assert_int_eq(space_io_allow(&slot, 0x80), L4_OK);
	activate(&slot);
	ck_assert_msg(tss_allows(0x80), "the TSS does not allow the space's own port: it has another bitmap");
	for (unsigned p = 0xcf8; p < 0xd00; p++)
		ck_assert_msg(!tss_allows(p), "port %#x: the TSS still allows the dead space's port", p);
	ck_assert_uint_ne(slot.io_gen, dead_gen);

	space_destroy(&slot);
	space_destroy(&other);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* ============================================================ map */

struct rights_case {
	unsigned rights;
	uint64_t host;      /* the entry's flags (with NX) */
	uint64_t guest;     /* the EPT entry's flags */
	unsigned back;      /* what space_lookup reports */
};

static const struct rights_case rights_cases[] = {
	{ SPACE_R, PTE_P | PTE_U | PTE_NX, EPT_R | EPT_MT(MT_WB), SPACE_R },
	{ SPACE_R | SPACE_W, PTE_P | PTE_U | PTE_W | PTE_NX, EPT_R | EPT_W | EPT_MT(MT_WB), SPACE_R | SPACE_W },
	{ SPACE_R | SPACE_X, PTE_P | PTE_U, EPT_R | EPT_X | EPT_MT(MT_WB), SPACE_R | SPACE_X },
	{ SPACE_RWX, PTE_P | PTE_U | PTE_W, EPT_R | EPT_W | EPT_X | EPT_MT(MT_WB), SPACE_RWX },
	{ SPACE_W, PTE_P | PTE_U | PTE_W | PTE_NX, EPT_R | EPT_W | EPT_MT(MT_WB), SPACE_R | SPACE_W },
	{ 0, PTE_P | PTE_U | PTE_NX, EPT_R | EPT_MT(MT_WB), SPACE_R },
	{ SPACE_R | SPACE_UC, PTE_P | PTE_U | PTE_NX | PTE_PCD | PTE_PWT, EPT_R | EPT_MT(MT_UC),
	  SPACE_R | SPACE_UC },
	{ SPACE_RWX | SPACE_UC, PTE_P | PTE_U | PTE_W | PTE_PCD | PTE_PWT,
	  EPT_R | EPT_W | EPT_X | EPT_MT(MT_UC), SPACE_RWX | SPACE_UC },
	{ SPACE_R | SPACE_WT, PTE_P | PTE_U | PTE_NX | PTE_PWT, EPT_R | EPT_MT(MT_WT), SPACE_R | SPACE_WT },
	{ SPACE_R | SPACE_W | SPACE_WT, PTE_P | PTE_U | PTE_W | PTE_NX | PTE_PWT, EPT_R | EPT_W | EPT_MT(MT_WT),
	  SPACE_R | SPACE_W | SPACE_WT },
	{ SPACE_R | SPACE_UC | SPACE_WT, PTE_P | PTE_U | PTE_NX | PTE_PCD | PTE_PWT, EPT_R | EPT_MT(MT_UC),
	  SPACE_R | SPACE_UC },
};

/* Maps each case at its own page of s and checks the entry, the tables on
 * the way and what space_lookup reports; nx: whether the CPU has NX. */
static void check_rights(struct space *s, uint64_t base, bool nx)
{
	for (unsigned i = 0; i < ARRAY_SIZE(rights_cases); i++) {
		const struct rights_case *c = &rights_cases[i];
		uint64_t va = base + i * PAGE_SIZE, pa = 0x10000000 + i * PAGE_SIZE, path[3];
		ck_assert_int_eq(space_map(s, va, pa, c->rights), L4_OK);
		uint64_t e = entry_of(s, va, path), want = s->guest ? c->guest : nx ? c->host : c->host & ~PTE_NX;
		unsigned back = !s->guest && !nx ? c->back | SPACE_X : c->back, got;
		ck_assert_msg(e == (pa | want), "%s rights %#x: entry %#llx, expected %#llx",
			      s->guest ? "guest" : "host", c->rights, (unsigned long long)e,
			      (unsigned long long)(pa | want));
		for (unsigned l = 0; l < 3; l++)
			ck_assert_uint_eq(path[l] & ~PTE_ADDR, TABLE_FLAGS);
		uint64_t got_pa = 0;
		ck_assert(space_lookup(s, va, &got_pa, &got));
		ck_assert_uint_eq(got_pa, pa);
		ck_assert_msg(got == back, "rights %#x: lookup says %#x, expected %#x", c->rights, got, back);
		ck_assert(space_lookup(s, va + PAGE_SIZE - 1, &got_pa, NULL));
		ck_assert_uint_eq(got_pa, pa);
	}
}

START_TEST(test_map_host_entries)
{
	struct space a;

	make_space(&a, &quota);
	check_rights(&a, 0x400000, true);
	cpu.nx = false;                        /* no NX bit: everything is executable */
	check_rights(&a, 0x7fffff000000, false);
	space_destroy(&a);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

START_TEST(test_map_guest_entries)
{
	struct space g;

	make_guest(&g, &quota);
	check_rights(&g, 0xfec00000, true);
	cpu.nx = false;                        /* (EPT has its own X bit) */
	check_rights(&g, 0xfffffff00000, true);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Host spaces: the user half; guest spaces: 48-bit guest-physical. Refused
 * maps make no tables. */
START_TEST(test_map_range_checks)
{
	struct space a, g;
	uint64_t pa;

	make_space(&a, &quota);
	make_guest(&g, &quota);
	static const uint64_t bad_host[] = { 0x800000000000, 0xffff800000000000, 0xfffffffffffff000,
					     0x7ffffffff001, 0x1001 };
	static const uint64_t bad_guest[] = { GUEST_LIMIT, 0xffff800000000000, 0xfffffffffffff000, 0x1001 };
	for (unsigned i = 0; i < ARRAY_SIZE(bad_host); i++) {
		ck_assert_int_eq(space_map(&a, bad_host[i], 0x1000000, SPACE_R), L4_EFAULT);
		ck_assert_uint_eq(space_unmap(&a, bad_host[i]), 0);
		ck_assert(!space_lookup(&a, bad_host[i], &pa, NULL));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad_guest); i++) {
		ck_assert_int_eq(space_map(&g, bad_guest[i], 0x1000000, SPACE_R), L4_EFAULT);
		ck_assert_uint_eq(space_unmap(&g, bad_guest[i]), 0);
		ck_assert(!space_lookup(&g, bad_guest[i], &pa, NULL));
	}
	ck_assert_int_eq(space_map(&a, 0x1000, 0x1000800, SPACE_R), L4_EFAULT);    /* frame not aligned */
	ck_assert_int_eq(space_map(&g, 0x1000, 0x1000800, SPACE_R), L4_EFAULT);
	ck_assert_uint_eq(shim_pages_outstanding(), 2);

	uint64_t va = 0x800000000000;
	ck_assert(!space_next(&a, &va, ~0ull, &pa));
	ck_assert(!space_range_ok(&a, 0x1000, 0));
	ck_assert(!space_range_ok(&a, 0x7ffffffff000, PAGE_SIZE + 1));
	ck_assert(!space_range_ok(&g, 0xfffffffff000, PAGE_SIZE + 1));
	ck_assert(!space_range_ok(&g, 0x1000, UINT64_MAX));

	/* The last pages of each range. */
	ck_assert_int_eq(space_map(&a, 0x7ffffffff000, 0x1000000, SPACE_R), L4_OK);
	ck_assert_int_eq(space_map(&g, GUEST_LIMIT - PAGE_SIZE, 0x1000000, SPACE_R), L4_OK);
	ck_assert_int_eq(space_map(&g, 0x800000000000, 0x1001000, SPACE_R), L4_OK);
	ck_assert(space_lookup(&a, 0x7fffffffffff, &pa, NULL));
	ck_assert(space_lookup(&g, GUEST_LIMIT - 1, &pa, NULL));
	space_destroy(&a);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* map, lookup, next (in address order, from anywhere) and unmap. */
static void check_map_unmap_next(struct space *s, const uint64_t *vas, unsigned n)
{
	uint64_t va, pa;

	for (unsigned i = n; i-- > 0;)      /* (backwards: next must sort) */
		ck_assert_int_eq(space_map(s, vas[i], 0x20000000 + i * PAGE_SIZE, SPACE_R), L4_OK);
	va = 0;
	for (unsigned i = 0; i < n; i++, va += PAGE_SIZE) {
		ck_assert(space_next(s, &va, ~0ull, &pa));
		ck_assert_msg(va == vas[i], "next: %#llx, expected %#llx", (unsigned long long)va,
			      (unsigned long long)vas[i]);
		ck_assert_uint_eq(pa, 0x20000000 + i * PAGE_SIZE);
	}
	ck_assert(!space_next(s, &va, ~0ull, &pa));
	for (unsigned i = 0; i < n; i++) {
		va = vas[i];
		ck_assert(space_next(s, &va, ~0ull, &pa) && va == vas[i]);
		va = vas[i] + PAGE_SIZE;
		if (i + 1 < n)
			ck_assert(space_next(s, &va, ~0ull, &pa) && va == vas[i + 1]);
	}
	for (unsigned i = 0; i < n; i += 2)
		ck_assert_uint_eq(space_unmap(s, vas[i]), 0x20000000 + i * PAGE_SIZE);
	for (unsigned i = 0; i < n; i++) {
		bool mapped = space_lookup(s, vas[i], &pa, NULL);
		ck_assert(mapped == (i % 2 == 1));
		ck_assert_uint_eq(space_unmap(s, vas[i]), i % 2 ? 0x20000000 + i * PAGE_SIZE : 0);
	}
	va = 0;
	ck_assert(!space_next(s, &va, ~0ull, &pa));
}

START_TEST(test_map_unmap_lookup_next)
{
	static const uint64_t host[] = { 0, 0x1000, 0x1ff000, 0x200000, 0x3ffff000, 0x40000000,
					 0x7ffff000, 0x8000000000, 0x7f8000000000, 0x7ffffffff000 };
	static const uint64_t guest[] = { 0, 0x1ff000, 0x200000, 0x40000000, 0x8000000000,
					  0x7ffffffff000, 0x800000000000, 0xfffffffff000 };
	struct space a, g;

	make_space(&a, &quota);
	make_guest(&g, &quota);
	check_map_unmap_next(&a, host, ARRAY_SIZE(host));
	check_map_unmap_next(&g, guest, ARRAY_SIZE(guest));
	space_destroy(&a);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* A change in the current space is an INVLPG of its address at once; in
 * another space it makes that space stale. New mappings need neither. */
START_TEST(test_map_changes_invlpg_or_stale)
{
	struct space a, b;
	const uint64_t va = 0x12345000;

	make_space(&a, &quota);
	make_space(&b, &quota);
	activate(&b);                          /* (new spaces are stale until their first switch) */
	activate(&a);
	shim_clear_events();
	ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_R), L4_OK);
	ck_assert_int_eq(space_map(&b, va, 0x1000000, SPACE_R), L4_OK);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 0);
	ck_assert(!a.tlb_stale && !b.tlb_stale);

	ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_RWX), L4_OK);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 1);
	ck_assert_uint_eq(shim_events[shim_find(SHIM_INVLPG, true, 0, 0)].a, va);
	ck_assert_uint_eq(space_unmap(&a, va), 0x1000000);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 2);
	ck_assert_uint_eq(space_unmap(&a, va), 0);      /* nothing there: nothing to flush */
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 2);
	ck_assert(!a.tlb_stale);

	ck_assert_int_eq(space_map(&b, va, 0x2000000, SPACE_R), L4_OK);
	ck_assert(b.tlb_stale);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 2);
	ck_assert_uint_eq(shim_count(SHIM_CR3), 0);
	activate(&b);
	ck_assert(!b.tlb_stale);
	ck_assert_uint_eq(space_unmap(&a, va), 0);
	ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_R), L4_OK);
	ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_R | SPACE_UC), L4_OK);
	ck_assert(a.tlb_stale);
	ck_assert_uint_eq(shim_count(SHIM_INVLPG), 2);

	space_destroy(&a);
	space_destroy(&b);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* The tables mapping vas need: the root, one per PML4, PDPT and PD entry used. */
static uint64_t tables_for(const uint64_t *vas, unsigned n)
{
	uint64_t count = 1;

	for (unsigned shift = 39; shift >= 21; shift -= 9)
		for (unsigned i = 0; i < n; i++) {
			bool first = true;
			for (unsigned j = 0; j < i && first; j++)
				first = vas[j] >> shift != vas[i] >> shift;
			count += first;
		}
	return count;
}

/* Random mappings all over the space (fixed seed): as many tables as the
 * addresses need, and space_destroy frees every one, once (the pool fails the
 * test otherwise), and no frame of the kernel's half. */
static void check_destroy_frees_everything(bool guest)
{
	enum { N = 400 };
	static uint64_t vas[N];
	struct space s;

	if (guest)
		make_guest(&s, &quota);
	else
		make_space(&s, &quota);
	uint64_t limit = guest ? GUEST_LIMIT : 0x800000000000;
	for (unsigned i = 0; i < N; i++) {
		/* Clustered: some addresses share tables, most tables are few. */
		uint64_t va = rnd() % 4 ? (rnd() % 64) << 39 | (rnd() % 8) << 30 | (rnd() % 8) << 21 : rnd();
		vas[i] = ALIGN_DOWN((va | (rnd() % 512) << 12) % limit, PAGE_SIZE);
		ck_assert_int_eq(space_map(&s, vas[i], 0x30000000 + i * PAGE_SIZE, SPACE_R), L4_OK);
	}
	ck_assert_uint_eq(shim_pages_outstanding(), tables_for(vas, N));
	ck_assert_uint_eq(quota.used, shim_pages_outstanding() * PAGE_SIZE);
	if (!guest)
		ck_assert_int_eq(space_io_allow(&s, 0x1234), L4_OK);
	space_destroy(&s);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	ck_assert_uint_eq(quota.used, 0);
}

START_TEST(test_map_destroy_frees_every_table)
{
	rnd_seed(0xde57401);
	check_destroy_frees_everything(false);
	check_destroy_frees_everything(true);
}
END_TEST

/* 1 GiB and 2 MiB pages: only where the CPU has them; they map, look up,
 * split into 512 of the next size and merge back, refuse pages of another
 * size in their way, and empty tables where one goes are freed. */
static void check_large_pages(struct space *s)
{
	const uint64_t va = 0x40000000, pa = 0x80000000, g = 1ull << 30, m = 1ull << 21;
	uint64_t got, v;
	unsigned rights;

	if (s->guest)
		cpu.vmx.ept_1g = false;
	else
		cpu.pages_1g = false;
	ck_assert_int_eq(space_map_page(s, va, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_EFAULT);
	if (s->guest)
		cpu.vmx.ept_1g = true;
	else
		cpu.pages_1g = true;
	ck_assert_int_eq(space_map_page(s, va + m, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_EFAULT);
	ck_assert_int_eq(space_map_page(s, va, pa + m, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_EFAULT);

	/* Small pages where it goes: refused; gone (their empty tables too): taken. */
	ck_assert_int_eq(space_map(s, va + 0x3000, 0x1000000, SPACE_R), L4_OK);
	uint64_t before = shim_pages_outstanding();
	ck_assert_int_eq(space_map_page(s, va, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_EBUSY);
	ck_assert_uint_eq(space_unmap(s, va + 0x3000), 0x1000000);
	ck_assert_int_eq(space_map_page(s, va, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_OK);
	ck_assert_uint_eq(shim_pages_outstanding(), before - 2);      /* (a page table and a directory) */
	ck_assert_uint_eq(space_page(s, va + 0x12345678, &got, &rights), PAGE_SHIFT_1G);
	ck_assert_uint_eq(got, pa);
	ck_assert_uint_eq(rights & SPACE_RWX, (SPACE_R | SPACE_W));
	ck_assert(space_lookup(s, va + 0x12345678, &got, NULL));
	ck_assert_uint_eq(got, pa + 0x12345000);
	v = va + 0x5000;
	ck_assert(space_next(s, &v, ~0ull, &got));
	ck_assert_uint_eq(v, va + 0x5000);
	ck_assert_uint_eq(got, pa + 0x5000);
	v = 0x1000;
	ck_assert(space_next(s, &v, ~0ull, &got));
	ck_assert_uint_eq(v, va);
	v = 0x1000;
	ck_assert(!space_next(s, &v, va, &got));          /* (only below end) */
	ck_assert(space_next(s, &v, va + 1, &got));
	ck_assert_uint_eq(v, va);
	/* Smaller pages inside it: refused. */
	ck_assert_int_eq(space_map_page(s, va + m, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_2M), L4_EBUSY);
	ck_assert_int_eq(space_map(s, va + 0x7000, pa, (SPACE_R | SPACE_W)), L4_EBUSY);
	ck_assert_uint_eq(space_page(s, va + 0x7000, &got, NULL), PAGE_SHIFT_1G);

	/* Split: 512 2 MiB pages; one of those into 4 KiB ones. */
	ck_assert_int_eq(space_split(s, va + 0x777000), L4_OK);
	ck_assert_uint_eq(space_page(s, va + 5 * m + 0x1000, &got, &rights), PAGE_SHIFT_2M);
	ck_assert_uint_eq(got, pa + 5 * m);
	ck_assert_uint_eq(rights & SPACE_RWX, (SPACE_R | SPACE_W));
	ck_assert_int_eq(space_split(s, va + 5 * m), L4_OK);
	ck_assert_uint_eq(space_page(s, va + 5 * m + 0x3000, &got, NULL), PAGE_SHIFT);
	ck_assert_uint_eq(got, pa + 5 * m + 0x3000);
	ck_assert(space_small_in(s, va + 5 * m));
	ck_assert(!space_small_in(s, va + 6 * m));
	/* Merging needs pages of the next smaller size all through. */
	ck_assert_int_eq(space_merge(s, va, PAGE_SHIFT_1G), L4_EINVAL);
	ck_assert_int_eq(space_merge(s, va + 5 * m, PAGE_SHIFT_2M), L4_OK);
	ck_assert_int_eq(space_map_page(s, va + 7 * m, pa + 7 * m, SPACE_R, PAGE_SHIFT_2M), L4_OK);
	ck_assert_int_eq(space_merge(s, va, PAGE_SHIFT_1G), L4_EINVAL);   /* (other rights) */
	ck_assert_int_eq(space_map_page(s, va + 7 * m, pa + 8 * m, (SPACE_R | SPACE_W), PAGE_SHIFT_2M), L4_OK);
	ck_assert_int_eq(space_merge(s, va, PAGE_SHIFT_1G), L4_EINVAL);   /* (not contiguous) */
	ck_assert_int_eq(space_map_page(s, va + 7 * m, pa + 7 * m, (SPACE_R | SPACE_W), PAGE_SHIFT_2M), L4_OK);
	ck_assert_int_eq(space_merge(s, va + m, PAGE_SHIFT_1G), L4_EINVAL);
	ck_assert_int_eq(space_merge(s, va, PAGE_SHIFT_1G), L4_OK);
	ck_assert_uint_eq(shim_pages_outstanding(), before - 2);
	ck_assert_uint_eq(space_page(s, va + g - 1, &got, NULL), PAGE_SHIFT_1G);
	ck_assert_int_eq(space_merge(s, va, PAGE_SHIFT_1G), L4_EINVAL);   /* (one already) */
	/* A 1 GiB page replaces one; unmapped, nothing is there. */
	ck_assert_int_eq(space_map_page(s, va, pa + g, SPACE_R, PAGE_SHIFT_1G), L4_OK);
	ck_assert_uint_eq(space_page(s, va, &got, NULL), PAGE_SHIFT_1G);
	ck_assert_uint_eq(got, pa + g);
	ck_assert_uint_eq(space_unmap(s, va + 0x1234000), pa + g);
	ck_assert_uint_eq(space_page(s, va, &got, NULL), 0);
	/* Split, then destroyed: every table goes. */
	ck_assert_int_eq(space_map_page(s, va + g, pa, (SPACE_R | SPACE_W), PAGE_SHIFT_1G), L4_OK);
	ck_assert_int_eq(space_split(s, va + g), L4_OK);
	ck_assert_int_eq(space_split(s, va + g + m), L4_OK);
}

START_TEST(test_map_large_pages)
{
	struct space a, g;

	cpu.vmx.ept_2m = true;
	make_space(&a, &quota);
	make_guest(&g, &quota);
	check_large_pages(&a);
	check_large_pages(&g);
	space_destroy(&a);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	ck_assert_uint_eq(quota.used, 0);
}
END_TEST

/* A map that runs out of quota halfway is L4_ENOMEM; the tables it made stay
 * (charged) and go with the space. */
START_TEST(test_map_without_memory)
{
	struct space a;
	uint64_t pa;

	quota.limit = 2 * PAGE_SIZE;
	make_space(&a, &quota);
	ck_assert_int_eq(space_map(&a, 0x1000, 0x1000000, SPACE_R), L4_ENOMEM);
	ck_assert(!space_lookup(&a, 0x1000, &pa, NULL));
	ck_assert_uint_eq(quota.used, 2 * PAGE_SIZE);
	quota.limit = 4 * PAGE_SIZE;
	ck_assert_int_eq(space_map(&a, 0x1000, 0x1000000, SPACE_R), L4_OK);
	ck_assert(space_lookup(&a, 0x1000, &pa, NULL));
	space_destroy(&a);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
	ck_assert_uint_eq(quota.used, 0);
}
END_TEST

/* ============================================================ check */

/* Two live spaces with one tag (forged here: space.c never hands it out so),
 * a tag the allocator does not have as taken, and tag 0 are reported; the
 * shared tag, guest spaces and destroyed spaces are not. */
START_TEST(test_check_reports_a_shared_tag)
{
	struct space a, b, g, gone;
	struct space *all[] = { &a, &b, &g, &gone };

	make_space(&a, &quota);
	make_space(&b, &quota);
	make_guest(&g, &quota);
	make_space(&gone, &quota);
	space_destroy(&gone);
	ck_assert_uint_eq(run_check(all, 4, NULL), 0);
	ck_assert_uint_eq(run_check(all, 4, NULL), 0);      /* (begin forgets the last walk) */

	uint16_t tag_a = a.pcid, tag_b = b.pcid;
	b.pcid = a.pcid;
	ck_assert_uint_eq(run_check(all, 4, NULL), 1);
	ck_assert_uint_eq(shim_events[shim_find(SHIM_CHECK_FAIL, true, 0, 0)].a, L4_CHECK_TAGS);
	ck_assert_msg(strstr(shim_check_message, "tag"), "message: %s", shim_check_message);

	b.pcid = 4000;                             /* nobody's: not taken */
	ck_assert_uint_eq(run_check(all, 4, NULL), 1);
	b.pcid = 0;                                /* the kernel's */
	ck_assert_uint_eq(run_check(all, 4, NULL), 1);
	a.pcid = b.pcid = SHARED_TAG;              /* anybody's */
	ck_assert_uint_eq(run_check(all, 4, NULL), 0);
	a.pcid = tag_a;
	b.pcid = tag_b;
	ck_assert_uint_eq(run_check(all, 4, NULL), 0);

	space_destroy(&a);
	space_destroy(&b);
	space_destroy(&g);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* Without PCIDs there are no tags to check. */
START_TEST(test_check_without_pcids)
{
	struct space a, b;
	struct space *all[] = { &a, &b };

	make_space(&a, &quota);
	make_space(&b, &quota);
	ck_assert_uint_eq(a.pcid, 0);
	ck_assert_uint_eq(run_check(all, 2, NULL), 0);
	space_destroy(&a);
	space_destroy(&b);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* The bytes a space's tables hold: the root, its own tables, the bitmap;
 * what its quota was charged; 0 once destroyed. */
START_TEST(test_check_counts_table_bytes)
{
	struct quota qa = { .limit = UINT64_MAX }, qg = { .limit = UINT64_MAX };
	struct space a, g;
	static const struct { uint64_t va; unsigned pages; } steps[] = {
		{ 0x1000, 4 },           /* PDPT, PD, PT */
		{ 0x2000, 4 },
		{ 0x200000, 5 },         /* another PT */
		{ 0x40000000, 7 },       /* another PD and PT */
		{ 0x8000000000, 10 },    /* another PDPT, PD and PT */
		{ 0x7ffffffff000, 13 },
	};

	make_space(&a, &qa);
	make_guest(&g, &qg);
	ck_assert_uint_eq(arch_space_check(&a), PAGE_SIZE);
	ck_assert_uint_eq(arch_space_check(&g), PAGE_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		ck_assert_int_eq(space_map(&a, steps[i].va, 0x1000000, SPACE_R), L4_OK);
		ck_assert_int_eq(space_map(&g, steps[i].va, 0x1000000, SPACE_R), L4_OK);
		ck_assert_uint_eq(arch_space_check(&a), steps[i].pages * PAGE_SIZE);
		ck_assert_uint_eq(arch_space_check(&g), steps[i].pages * PAGE_SIZE);
	}
	ck_assert_int_eq(space_map(&g, 0x800000000000, 0x1000000, SPACE_R), L4_OK);   /* upper half */
	ck_assert_uint_eq(arch_space_check(&g), 16 * PAGE_SIZE);
	ck_assert_int_eq(space_io_allow(&a, 0x80), L4_OK);
	ck_assert_uint_eq(arch_space_check(&a), 15 * PAGE_SIZE);
	ck_assert_uint_eq(arch_space_check(&a), qa.used);
	ck_assert_uint_eq(arch_space_check(&g), qg.used);

	/* Random mappings (fixed seed), some unmapped again: still what the quota paid. */
	rnd_seed(0xc0c7);
	for (unsigned i = 0; i < 300; i++) {
		uint64_t va = ALIGN_DOWN(rnd() % 0x800000000000 >> (rnd() % 20 * 2), PAGE_SIZE);
		ck_assert_int_eq(space_map(&a, va, 0x1000000, SPACE_R), L4_OK);
		ck_assert_int_eq(space_map(&g, va << 1, 0x1000000, SPACE_R), L4_OK);
		if (i % 2)
			ck_assert_uint_eq(space_unmap(&a, va), 0x1000000);
	}
	ck_assert_uint_eq(arch_space_check(&a), qa.used);
	ck_assert_uint_eq(arch_space_check(&g), qg.used);

	space_destroy(&a);
	space_destroy(&g);
	ck_assert_uint_eq(arch_space_check(&a), 0);
	ck_assert_uint_eq(arch_space_check(&g), 0);
	ck_assert_uint_eq(shim_pages_outstanding(), 0);
}
END_TEST

/* ------------------------------------------------------------ suite */

Suite *space_suite(void)
{
	Suite *s = suite_create("space");
	TCase *tc = tcase_create("pcid");

	tcase_add_checked_fixture(tc, setup_pcid, NULL);
	tcase_add_test(tc, test_pcid_init_sets_cr4_pcide);
	tcase_add_test(tc, test_pcid_first_switch_flushes_later_ones_keep);
	tcase_add_test(tc, test_pcid_destroying_the_current_space);
	tcase_add_test(tc, test_pcid_new_space_has_the_kernel_half);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "pcid_churn", setup_pcid, NULL, test_pcid_churn_never_shares_a_live_tag);
	add_random_tcase(s, "pcid_exhaustion", setup_pcid, NULL,
			 test_pcid_all_tags_live_then_the_shared_tag_flushes);
	tc = tcase_create("pcid_off");
	tcase_add_checked_fixture(tc, setup_no_pcid, NULL);
	tcase_add_test(tc, test_pcid_off_no_tags_no_noflush);
	tcase_add_test(tc, test_check_without_pcids);
	suite_add_tcase(s, tc);

	tc = tcase_create("ept");
	tcase_add_checked_fixture(tc, setup_vmx, NULL);
	tcase_add_test(tc, test_ept_new_guest_space_is_stale);
	tcase_add_test(tc, test_ept_destroy_flushes_before_the_root_goes);
	tcase_add_test(tc, test_ept_no_invept_without_vmx_or_for_host_spaces);
	tcase_add_test(tc, test_ept_changes_make_the_guest_stale);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup_pcid, NULL);
	tcase_add_test(tc, test_io_allow_deny_allowed);
	tcase_add_test(tc, test_io_destroy_frees_both_pages);
	tcase_add_test(tc, test_io_allow_without_memory);
	tcase_add_test(tc, test_io_generations_never_repeat);
	tcase_add_test(tc, test_io_switch_hands_the_tss_the_bitmap);
	tcase_add_test(tc, test_io_space_in_a_dead_ones_memory_gets_none_of_its_ports);
	suite_add_tcase(s, tc);

	tc = tcase_create("map");
	tcase_add_checked_fixture(tc, setup_vmx, NULL);
	tcase_add_test(tc, test_map_host_entries);
	tcase_add_test(tc, test_map_guest_entries);
	tcase_add_test(tc, test_map_range_checks);
	tcase_add_test(tc, test_map_unmap_lookup_next);
	tcase_add_test(tc, test_map_changes_invlpg_or_stale);
	tcase_add_test(tc, test_map_destroy_frees_every_table);
	tcase_add_test(tc, test_map_without_memory);
	tcase_add_test(tc, test_map_large_pages);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup_vmx, NULL);
	tcase_add_test(tc, test_check_reports_a_shared_tag);
	tcase_add_test(tc, test_check_counts_table_bytes);
	suite_add_tcase(s, tc);
	return s;
}
