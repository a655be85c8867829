/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The memory server: the protocol of include/l4/mem.h on the endpoint
 * "mem". Programs that `use mem` allocate regions of their address space
 * here and have this server as their threads' pager: a page of a region
 * is taken from sigma0 (through the capability "sigma0" the root task
 * gives the program serving "mem") when the program first touches it,
 * zeroed, and mapped read/write, as long as the program stays within its
 * `memory` quota (which the root task tells us: L4_ROOT_INFO). A fault
 * outside the program's regions, over its quota or when no memory is left
 * is not answered: the root task ends the program (L4_ROOT_FAULT), and
 * when a program ends (L4_SERVER_CLIENT_GONE) its pages go back to sigma0.
 *
 * Policy choices the header leaves open:
 * - ALLOC refuses a single region larger than the quota (L4_EINVAL), but
 *   regions may add up to more than it: the quota bounds the pages the
 *   program touches, so sparse use of large regions costs only what is
 *   used. A page fault that would pass the quota ends the program.
 * - Regions are placed first-fit from L4_MEM_BASE with one unmapped guard
 *   page after each, so running off the end of a region faults instead of
 *   landing in the next one. Region memory is data: read/write, never
 *   executable (an execute fault in a region ends the program).
 * - FREE takes the exact address ALLOC returned.
 *
 * Argument: argv[1], optional, a size (N, NK, NM, NG): the most memory the
 * server holds for all programs together (default and at most
 * MAX_PAGES pages, the size of its page table). Its mappings cost kernel
 * memory: the server's `quota` needs about 80 bytes a page of that (3M
 * for the default), and each client's about 80 bytes a page it touches;
 * a client whose quota cannot map its page any more is ended too (the
 * kernel gives that fault to its exception handler, the root task).
 *
 * All state is in fixed arrays: 32 programs (badges 1..32, the root task's
 * numbering), L4_MEM_REGIONS regions each, MAX_PAGES pages in all.
 */
#include "l4lib.h"
#include <l4/mem.h>

#define PAGE 4096ull
#define MAX_CLIENTS 32                          /* the root task's program limit */
#define MAX_PAGES 32768u                        /* 128 MiB in all */
#define HASH_SIZE (2 * MAX_PAGES)               /* at most half full: short probes */
#define VIEW_BASE 0x0000300000000000ull         /* page slot i is ours at VIEW_BASE + i * PAGE */
#define GUARD PAGE                              /* unmapped gap after each region */
#define NONE 0xffffffffu

struct region {
	l4_word_t base, size;                   /* size 0: unused entry */
};

struct client {
	bool known;                             /* the root task told us its quota */
	char name[16];
	l4_word_t quota;                        /* its `memory` in bytes */
	l4_word_t touched;                      /* pages it holds */
	l4_word_t region_bytes;
	uint32_t pages;                         /* its first page slot, NONE if none */
	struct region regions[L4_MEM_REGIONS];
};

struct page {
	uint32_t pfn;                           /* physical address / PAGE */
	uint32_t vpn;                           /* (its address - L4_MEM_BASE) / PAGE */
	uint32_t next;                          /* next of its client's, or of the free list */
	uint8_t client;                         /* badge, 0 while free */
};

static struct client clients[MAX_CLIENTS];
static struct page pages[MAX_PAGES];
static uint32_t hash[HASH_SIZE];                /* page slot + 1, 0 empty */
static uint32_t free_slots = NONE, slots_made;  /* slots below slots_made are in use or free */
static uint32_t pool_pages = MAX_PAGES, pages_used;
static l4_cap_t ep, sigma0;

/* ---- the page table: (client, page) -> slot */

static uint32_t hash_of(unsigned client, uint32_t vpn)
{
	uint64_t key = (uint64_t)client << 32 | vpn;

	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (HASH_SIZE - 1);
}

static uint32_t page_find(unsigned client, uint32_t vpn)
{
	for (uint32_t h = hash_of(client, vpn);; h = (h + 1) & (HASH_SIZE - 1)) {
		if (!hash[h])
			return NONE;
		struct page *p = &pages[hash[h] - 1];
		if (p->client == client && p->vpn == vpn)
			return hash[h] - 1;
	}
}

static void hash_insert(uint32_t slot)
{
	uint32_t h = hash_of(pages[slot].client, pages[slot].vpn);

	while (hash[h])
		h = (h + 1) & (HASH_SIZE - 1);
	hash[h] = slot + 1;
}

/* Linear probing without tombstones: later entries of the run move up. */
static void hash_remove(uint32_t slot)
{
	uint32_t h = hash_of(pages[slot].client, pages[slot].vpn);

	while (hash[h] != slot + 1)
		h = (h + 1) & (HASH_SIZE - 1);
	hash[h] = 0;
	for (uint32_t j = (h + 1) & (HASH_SIZE - 1); hash[j]; j = (j + 1) & (HASH_SIZE - 1)) {
		struct page *p = &pages[hash[j] - 1];
		uint32_t home = hash_of(p->client, p->vpn);
		/* Entry j may fill the hole h if its home is not in (h, j]. */
		if (((j - home) & (HASH_SIZE - 1)) >= ((j - h) & (HASH_SIZE - 1))) {
			hash[h] = hash[j];
			hash[j] = 0;
			h = j;
		}
	}
}

static l4_word_t view_of(uint32_t slot)
{
	return VIEW_BASE + (l4_word_t)slot * PAGE;
}

/* ---- talking to the root task */

static void copy_name(char *dst, const l4_word_t *words)
{
	for (unsigned i = 0; i < 15; i++)
		dst[i] = (char)(words[i / 8] >> (8 * (i % 8)));
	dst[15] = 0;
	if (!dst[0])
		dst[0] = '?';
}

/*
 * When a program ends, the root task tells us with a call that gives up
 * after 200 ms (L4_SERVER_CLIENT_GONE). While we are blocked calling the
 * root task ourselves, that call cannot come through and the notice is
 * lost. So we call it as little as possible, and never while it is ending
 * a program of ours:
 * - every program's quota is asked for once at start-up (the root task
 *   answers once it has started them all), not when a client first comes
 *   (that would be at any time, also while the root task ends another);
 * - after L4_ROOT_FAULT for one program the root task is busy ending it
 *   until that program's notice comes: programs to end meanwhile wait in
 *   a queue (their faulting threads stay unanswered);
 * - when memory runs short, every client is checked with the root task
 *   (sweep), so the pages of one whose notice was lost come back anyway.
 */
#define ENDING_PATIENCE_MS 3000ull              /* then we stop waiting for a notice */

static l4_word_t ending;                        /* L4_ROOT_FAULT sent, its notice not yet in */
static unsigned long long ending_since;
static struct {
	l4_word_t b, addr, ip;
} to_end[MAX_CLIENTS];
static unsigned to_end_count;

static unsigned long long now_ms(void)
{
	return l4_rdtsc() / (l4_env->tsc_khz ? l4_env->tsc_khz : 1);
}

/* Asks the root task about program b; false if no such program runs. */
static bool ask_root(l4_word_t b)
{
	struct client *c = &clients[b - 1];
	struct l4_result r = L4_INVOKE(L4_CAP_PAGER, L4_ROOT_INFO, b);

	if (r.error || l4_tag_label(r.tag) || l4_tag_words(r.tag) < 3)
		return false;
	*c = (struct client){ .known = true, .quota = l4_utcb()->mr[2], .pages = NONE };
	copy_name(c->name, l4_utcb()->mr);
	return true;
}

/* The client of badge b (1..MAX_CLIENTS); NULL if the root task knows no
 * such program. (The root task is asked here only about a program that
 * was not running at start-up.) */
static struct client *client_of(l4_word_t b)
{
	if (!b || b > MAX_CLIENTS)
		return NULL;
	return clients[b - 1].known || ask_root(b) ? &clients[b - 1] : NULL;
}

static void free_pages_of(unsigned b, l4_word_t from, l4_word_t to);

/* Program b has ended: everything it had goes back. */
static void forget(l4_word_t b, const char *how)
{
	if (!b || b > MAX_CLIENTS || !clients[b - 1].known)
		return;
	struct client *c = &clients[b - 1];
	l4_word_t kib = c->touched * PAGE >> 10;
	free_pages_of((unsigned)b, 0, ~0ull);
	l4_printf("%s %s; %lu KiB returned\n", c->name, how, (unsigned long)kib);
	c->known = false;
}

static void sweep(void)
{
	for (unsigned b = 1; b <= MAX_CLIENTS && !ending; b++) {
		if (!clients[b - 1].known)
			continue;
		struct l4_result r = L4_INVOKE(L4_CAP_PAGER, L4_ROOT_INFO, b);
		if (!r.error && l4_tag_label(r.tag) == L4_ENOENT)
			forget(b, "has ended unannounced");
	}
}

/* L4_ROOT_FAULT for program b: the root task ends it, then tells us. */
static void send_end(l4_word_t b, l4_word_t addr, l4_word_t ip)
{
	struct l4_result r = L4_INVOKE(L4_CAP_PAGER, L4_ROOT_FAULT, b, addr, ip);

	if (!r.error && !l4_tag_label(r.tag)) {
		ending = b;
		ending_since = now_ms();
	} else if (!r.error && l4_tag_label(r.tag) == L4_ENOENT) {
		forget(b, "had ended already");         /* the root task answers between programs */
	} else {
		l4_printf("the root task did not end program %lu (error %lu, label %lu)\n",
			  (unsigned long)b, (unsigned long)r.error, (unsigned long)l4_tag_label(r.tag));
	}
}

/* The programs waiting to be ended, while the root task is not busy. */
static void end_next(void)
{
	while (!ending && to_end_count) {
		l4_word_t b = to_end[0].b, addr = to_end[0].addr, ip = to_end[0].ip;
		for (unsigned i = 1; i < to_end_count; i++)
			to_end[i - 1] = to_end[i];
		to_end_count--;
		send_end(b, addr, ip);
	}
}

/* Leaves the faulting thread unanswered and has the root task end program b. */
static void end_client(l4_word_t b, l4_word_t addr, l4_word_t ip)
{
	if (b == ending)
		return;
	for (unsigned i = 0; i < to_end_count; i++)
		if (to_end[i].b == b)
			return;
	if (to_end_count < MAX_CLIENTS) {
		to_end[to_end_count].b = b;
		to_end[to_end_count].addr = addr;
		to_end[to_end_count++].ip = ip;
	}
	end_next();
}

/* The root task's notice that program b ended. */
static void client_gone(l4_word_t b)
{
	forget(b, "gone");
	for (unsigned i = 0; i < to_end_count; i++)
		if (to_end[i].b == b) {
			for (unsigned k = i + 1; k < to_end_count; k++)
				to_end[k - 1] = to_end[k];
			to_end_count--;
			break;
		}
	if (b == ending) {
		ending = 0;
		end_next();
	}
}

/* A notice that does not come (the program was not ours after all, or
 * it was lost) must not hold up the others for ever. */
static void ending_check(void)
{
	if (ending && now_ms() - ending_since > ENDING_PATIENCE_MS) {
		l4_printf("no notice that program %lu ended; going on\n", (unsigned long)ending);
		ending = 0;
		end_next();
	}
}

/* ---- pages */

/* A zeroed page from sigma0 in a free slot of ours; NONE if there is none. */
static uint32_t page_take(void)
{
	if (pages_used >= pool_pages)
		return NONE;
	uint32_t slot = free_slots;
	if (slot == NONE) {
		if (slots_made == MAX_PAGES)
			return NONE;
		slot = slots_made;
	}
	struct l4_utcb *u = l4_utcb();
	l4_word_t view = view_of(slot);
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(view, 12, 0);
	u->mr[0] = L4_SIGMA0_ANY;
	u->mr[1] = 12;
	struct l4_result r = l4_call(sigma0, l4_tag(L4_SIGMA0_ALLOC, 2, 0), L4_TIMEOUT_NEVER);
	/* Closed again: nobody else may map pages into us. */
	u->br[L4_BR_MEM_WINDOW] = 0;
	l4_word_t phys = u->mr[0];
	if (r.error && !l4_tag_label(r.tag) && l4_tag_words(r.tag) == 1 && l4_tag_items(r.tag) == 1) {
		/* sigma0 gave the page but the mapping failed (our kernel quota is
		 * spent): it counts as ours, so it goes back. */
		L4_INVOKE(sigma0, L4_SIGMA0_FREE, phys, 12);
		return NONE;
	}
	if (r.error || l4_tag_label(r.tag) || l4_tag_words(r.tag) < 1)
		return NONE;
	if (phys / PAGE > 0xffffffffull) {      /* beyond what a slot records */
		L4_INVOKE(sigma0, L4_SIGMA0_FREE, phys, 12);
		return NONE;
	}
	if (slot == free_slots)
		free_slots = pages[slot].next;
	else
		slots_made++;
	/* sigma0 hands out pages as the last holder left them. */
	for (l4_word_t *w = (l4_word_t *)view; w < (l4_word_t *)(view + PAGE); w++)
		*w = 0;
	pages[slot].pfn = (uint32_t)(phys / PAGE);
	pages_used++;
	return slot;
}

/* Back to sigma0, which revokes every mapping of it: ours and the client's. */
static void page_release(uint32_t slot)
{
	struct page *p = &pages[slot];
	struct l4_result r = L4_INVOKE(sigma0, L4_SIGMA0_FREE, (l4_word_t)p->pfn * PAGE, 12);

	pages_used--;
	p->client = 0;
	if (r.error || l4_tag_label(r.tag)) {
		/* Still mapped here: the slot cannot take another page. */
		l4_printf("sigma0 did not take back page %#lx (error %lu, label %lu)\n",
			  (unsigned long)(p->pfn * PAGE), (unsigned long)r.error, (unsigned long)l4_tag_label(r.tag));
		return;
	}
	p->next = free_slots;
	free_slots = slot;
}

/* Frees client b's pages whose addresses are in [from, to). */
static void free_pages_of(unsigned b, l4_word_t from, l4_word_t to)
{
	struct client *c = &clients[b - 1];

	for (uint32_t *link = &c->pages; *link != NONE;) {
		uint32_t slot = *link;
		l4_word_t va = L4_MEM_BASE + (l4_word_t)pages[slot].vpn * PAGE;
		if (va < from || va >= to) {
			link = &pages[slot].next;
			continue;
		}
		*link = pages[slot].next;
		hash_remove(slot);
		c->touched--;
		page_release(slot);
	}
}

/* ---- requests */

static struct region *region_at(struct client *c, l4_word_t addr)
{
	for (unsigned i = 0; i < L4_MEM_REGIONS; i++) {
		struct region *r = &c->regions[i];
		if (r->size && addr >= r->base && addr - r->base < r->size)
			return r;
	}
	return NULL;
}

static l4_word_t mem_alloc(struct client *c, l4_word_t bytes)
{
	l4_word_t *mr = l4_utcb()->mr;

	/* Compared before rounding up, so no size can wrap around. */
	if (!bytes || bytes > c->quota)
		return l4_tag(L4_EINVAL, 0, 0);
	l4_word_t size = (bytes + PAGE - 1) & ~(PAGE - 1);
	if (size > c->quota)
		return l4_tag(L4_EINVAL, 0, 0);
	struct region *slot = NULL;
	for (unsigned i = 0; i < L4_MEM_REGIONS && !slot; i++)
		if (!c->regions[i].size)
			slot = &c->regions[i];
	if (!slot)
		return l4_tag(L4_ENOMEM, 0, 0);
	/* First fit: each step moves past a region in the way, so it ends. */
	l4_word_t at = L4_MEM_BASE;
	for (bool moved = true; moved;) {
		moved = false;
		for (unsigned i = 0; i < L4_MEM_REGIONS; i++) {
			const struct region *r = &c->regions[i];
			if (r->size && at < r->base + r->size + GUARD && r->base < at + size + GUARD) {
				at = r->base + r->size + GUARD;
				moved = true;
			}
		}
	}
	if (at + size > L4_MEM_BASE + L4_MEM_SPACE)
		return l4_tag(L4_ENOMEM, 0, 0);
	*slot = (struct region){ at, size };
	c->region_bytes += size;
	mr[0] = at;
	return l4_tag(0, 1, 0);
}

static l4_word_t mem_free(unsigned b, struct client *c, l4_word_t addr)
{
	for (unsigned i = 0; i < L4_MEM_REGIONS; i++) {
		struct region *r = &c->regions[i];
		if (r->size && r->base == addr) {
			free_pages_of(b, r->base, r->base + r->size);
			c->region_bytes -= r->size;
			r->size = 0;
			return l4_tag(0, 0, 0);
		}
	}
	return l4_tag(L4_ENOENT, 0, 0);
}

/*
 * A page fault of client b: the map item of the page as the reply (true),
 * or false when the fault is not ours to resolve (the program is ended).
 */
static bool mem_fault(unsigned b, l4_word_t addr, l4_word_t ip, l4_word_t access, l4_word_t *tag)
{
	struct client *c = client_of(b);
	l4_word_t *mr = l4_utcb()->mr;

	if (!c) {
		/* Only a program already on its way out: nothing to end. */
		l4_printf("page fault at %#lx from unknown program %u; not answered\n",
			  (unsigned long)addr, b);
		return false;
	}
	if (!region_at(c, addr)) {
		l4_printf("%s: page fault at %#lx (ip %#lx) outside its regions; ending it\n", c->name,
			  (unsigned long)addr, (unsigned long)ip);
		end_client(b, addr, ip);
		return false;
	}
	if (access & L4_FAULT_EXEC) {
		l4_printf("%s: execute fault at %#lx in a data region; ending it\n", c->name,
			  (unsigned long)addr);
		end_client(b, addr, ip);
		return false;
	}
	uint32_t vpn = (uint32_t)((addr - L4_MEM_BASE) / PAGE);
	uint32_t slot = page_find(b, vpn);
	if (slot == NONE) {
		if (c->touched + 1 > c->quota / PAGE) {
			l4_printf("%s: page fault at %#lx would exceed its quota of %lu KiB; ending it\n",
				  c->name, (unsigned long)addr, (unsigned long)(c->quota >> 10));
			end_client(b, addr, ip);
			return false;
		}
		if ((slot = page_take()) == NONE) {
			sweep();
			if (!c->known || (slot = page_take()) == NONE) {
				l4_printf("%s: no memory left for the page at %#lx; ending it\n", c->name,
					  (unsigned long)addr);
				if (c->known)
					end_client(b, addr, ip);
				return false;
			}
		}
		pages[slot].client = (uint8_t)b;
		pages[slot].vpn = vpn;
		pages[slot].next = c->pages;
		c->pages = slot;
		c->touched++;
		hash_insert(slot);
	}
	/* (A page it has already: another thread's fault at the same page gets
	 * it again. A mapping the kernel refuses, such as when the program's
	 * kernel quota is spent, goes to its exception handler, the root task.) */
	mr[0] = L4_ITEM_MAP | (addr & ~(PAGE - 1));
	mr[1] = l4_fpage_mem(view_of(slot), 12, L4_FP_RW);
	*tag = l4_tag(0, 0, 1);
	return true;
}

/* The reply to message r (true), or false for none. */
static bool handle(struct l4_result r, l4_word_t *tag)
{
	const l4_word_t *mr = l4_utcb()->mr;
	l4_word_t label = l4_tag_label(r.tag), b = r.badge;
	unsigned words = l4_tag_words(r.tag), items = l4_tag_items(r.tag);
	l4_word_t mr0 = mr[0], mr1 = mr[1], mr2 = mr[2];

	*tag = l4_tag(L4_ENOSYS, 0, 0);
	if (b == 0) {                   /* the root task's own capability */
		if (label != L4_SERVER_CLIENT_GONE)
			return true;
		if (words < 1 || items) {
			*tag = l4_tag(L4_EMSG, 0, 0);
			return true;
		}
		/* Answered first: the root task waits for it while ending the program. */
		l4_reply(l4_tag(0, 0, 0));
		client_gone(mr0);
		return false;
	}
	if (label == L4_LABEL_PAGE_FAULT) {
		if (words < 3 || items) {
			*tag = l4_tag(L4_EMSG, 0, 0);
			return true;
		}
		if (b > MAX_CLIENTS) {
			l4_printf("page fault from badge %lu, beyond %u programs; not answered\n",
				  (unsigned long)b, MAX_CLIENTS);
			return false;
		}
		return mem_fault((unsigned)b, mr0, mr1, mr2, tag);
	}
	if (label == L4_LABEL_EXCEPTION || label == L4_LABEL_VMEXIT) {
		/* A thread whose exception handler is its pager, us: an empty reply
		 * would only repeat the exception, so the program is ended. */
		l4_word_t ip = label == L4_LABEL_EXCEPTION && words > L4_EXC_REGS + L4_REG_RIP ?
				       mr[L4_EXC_REGS + L4_REG_RIP] : 0;
		struct client *c = client_of(b);      /* (overwrites the message registers) */
		l4_printf("%s: %s at ip %#lx; ending it\n", c ? c->name : "?",
			  label == L4_LABEL_EXCEPTION ? "exception" : "VM exit", (unsigned long)ip);
		if (c)
			end_client(b, 0, ip);
		return false;
	}
	if (label != L4_MEM_ALLOC && label != L4_MEM_FREE && label != L4_MEM_INFO)
		return true;
	if (items || words < (label == L4_MEM_INFO ? 0u : 1u)) {
		*tag = l4_tag(L4_EMSG, 0, 0);
		return true;
	}
	struct client *c = client_of(b);
	if (!c) {
		*tag = l4_tag(L4_ENOENT, 0, 0);
		return true;
	}
	if (label == L4_MEM_ALLOC) {
		*tag = mem_alloc(c, mr0);
	} else if (label == L4_MEM_FREE) {
		*tag = mem_free((unsigned)b, c, mr0);
	} else {
		l4_word_t *out = l4_utcb()->mr;
		out[0] = c->quota;
		out[1] = c->touched * PAGE;
		out[2] = c->region_bytes;
		*tag = l4_tag(0, 3, 0);
	}
	return true;
}

/* "N", "NK", "NM" or "NG" in bytes; false if it is not one. */
static bool parse_size(const char *s, l4_word_t *out)
{
	l4_word_t v = 0;
	unsigned digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (v > (~0ull - 9) / 10)
			return false;
		v = v * 10 + (l4_word_t)(*s - '0');
	}
	unsigned shift = *s == 'K' || *s == 'k' ? 10 : *s == 'M' || *s == 'm' ? 20 : *s == 'G' || *s == 'g' ? 30 : 0;
	if (shift)
		s++;
	if (!digits || *s || v > (~0ull >> shift))
		return false;
	*out = v << shift;
	return true;
}

int main(int argc, char **argv)
{
	ep = l4_env_cap("mem");
	sigma0 = l4_env_cap("sigma0");
	if (ep == L4_CAP_NONE || sigma0 == L4_CAP_NONE) {
		l4_printf("no \"%s\" capability (the program needs `serve mem`)\n",
			  ep == L4_CAP_NONE ? "mem" : "sigma0");
		return 1;
	}
	if (argc > 1) {
		l4_word_t bytes;
		if (!parse_size(argv[1], &bytes) || bytes < PAGE)
			l4_printf("pool size '%s' is not a size of at least 4K; using %u KiB\n", argv[1],
				  (unsigned)(MAX_PAGES * PAGE >> 10));
		else if (bytes / PAGE < MAX_PAGES)
			pool_pages = (uint32_t)(bytes / PAGE);
	}
	l4_utcb()->br[L4_BR_MEM_WINDOW] = 0;
	l4_utcb()->br[L4_BR_CAP_WINDOW] = 0;
	unsigned programs = l4_env->program_count && l4_env->program_count < MAX_CLIENTS ?
				    (unsigned)l4_env->program_count : MAX_CLIENTS, known = 0;
	for (unsigned b = 1; b <= programs; b++)
		known += ask_root(b);
	l4_printf("serving, %lu KiB for all programs (%u running)\n", (unsigned long)(pool_pages * PAGE >> 10),
		  known);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;) {
		l4_word_t tag;
		bool reply = !r.error && handle(r, &tag);
		ending_check();
		/* While a notice is due, wake up now and then to give up on it. */
		l4_word_t timeout = ending ? 100000 : L4_TIMEOUT_NEVER;
		r = reply ? l4_reply_wait(ep, tag, timeout) : l4_recv(ep, timeout);
	}
}
