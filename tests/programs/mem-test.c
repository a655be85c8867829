/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clients of the memory server (servers/mem) for the boot test
 * tests/boot/mem.cfg. argv[1] picks the role:
 *
 *   quota  the whole protocol: INFO, every bad request, ALLOC, touching
 *          and checking pages, FREE and its accounting, the region limit;
 *          then it touches pages up to its quota and one more, which must
 *          end it (it tells the peer first).
 *   peer   holds pages of its own, serves the endpoint "memsync", and once
 *          the quota client has ended checks that it still works; then
 *          lets the reuse client go.
 *   reuse  waits for the peer, then touches as many pages as the server's
 *          pool has only if the quota client's pages came back.
 *   stray  touches a region it has freed, which must end it.
 *   kquota touches more pages than its kernel quota can map: the kernel
 *          gives the fault its pager could not resolve to the exception
 *          handler (the root task), which ends it; it never faults for ever.
 *   trap   a thread with the server as its pager (and no exception
 *          handler) runs into an exception, which must end the program.
 *
 * Every check prints one line, "NAME: WHAT: ok" or "NAME: WHAT: FAIL ...";
 * tests/boot/mem.expect wants the ok lines.
 */
#include "l4lib.h"
#include <l4/mem.h>

#define PAGE 4096ull
#define SYNC_DYING 1            /* memsync: the quota client is about to be ended */
#define SYNC_GO 2               /* memsync: may the reuse client go? MR0 1 if so */

static l4_cap_t mem;
static unsigned failures;

static bool check(bool ok, const char *what, const char *detail)
{
	if (ok)
		l4_printf("%s: ok\n", what);
	else
		l4_printf("%s: FAIL (%s)\n", what, detail);
	failures += !ok;
	return ok;
}

static const char *err_name(l4_word_t e)
{
	static const char *const names[] = {
		"OK", "EINVAL", "ECAP", "ETYPE", "ERIGHTS", "ENOMEM", "ETIMEOUT", "ECANCELED",
		"EBUSY", "ENOSYS", "EMSG", "ENOREPLY", "EFAULT", "EDEADLK", "ENOENT", "EEXIST",
		"EIO", "ENODEV",
	};
	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* A request to the server: label, then `words` of args. */
static struct l4_result request(l4_word_t label, unsigned words, l4_word_t a0)
{
	l4_utcb()->mr[0] = a0;
	return l4_call(mem, l4_tag(label, words, 0), L4_TIMEOUT_NEVER);
}

/* The reply's error code (the system call's if it failed). */
static l4_word_t code(struct l4_result r)
{
	return r.error ? r.error : l4_tag_label(r.tag);
}

/* Checks that the request is answered with error `want`. */
static void expect_error(const char *what, struct l4_result r, l4_word_t want)
{
	char text[160], detail[80];

	l4_snprintf(text, sizeof(text), "%s -> error %lu (%s)", what, (unsigned long)want, err_name(want));
	l4_snprintf(detail, sizeof(detail), "system call error %lu, label %lu", (unsigned long)r.error,
		     (unsigned long)l4_tag_label(r.tag));
	check(!r.error && l4_tag_label(r.tag) == want, text, detail);
}

/* A new region's address, or 0 (with a FAIL line naming what). */
static l4_word_t alloc(l4_word_t bytes, const char *what)
{
	struct l4_result r = request(L4_MEM_ALLOC, 1, bytes);
	if (code(r) || l4_tag_words(r.tag) < 1) {
		char detail[80];
		l4_snprintf(detail, sizeof(detail), "ALLOC %lu: error %lu", (unsigned long)bytes,
			     (unsigned long)code(r));
		check(false, what, detail);
		return 0;
	}
	return l4_utcb()->mr[0];
}

struct info {
	l4_word_t quota, touched, regions;
};

static struct info info(void)
{
	struct l4_result r = request(L4_MEM_INFO, 0, 0);
	l4_word_t *mr = l4_utcb()->mr;
	if (code(r) || l4_tag_words(r.tag) < 3)
		return (struct info){ ~0ull, ~0ull, ~0ull };
	return (struct info){ mr[0], mr[1], mr[2] };
}

/* Checks INFO: quota, bytes touched, bytes in regions. */
static void expect_info(const char *what, l4_word_t quota, l4_word_t touched, l4_word_t regions)
{
	struct info i = info();
	char text[200], detail[120];

	l4_snprintf(text, sizeof(text), "%s: INFO quota %lu, touched %lu, in regions %lu", what,
		     (unsigned long)quota, (unsigned long)touched, (unsigned long)regions);
	l4_snprintf(detail, sizeof(detail), "got quota %lu, touched %lu, in regions %lu",
		     (unsigned long)i.quota, (unsigned long)i.touched, (unsigned long)i.regions);
	check(i.quota == quota && i.touched == touched && i.regions == regions, text, detail);
}

/* Reads each page of [base, base + pages * PAGE) as zero, then writes
 * `seed + page` all over it; false (and where) at the first wrong word. */
static bool fill(l4_word_t base, unsigned pages, l4_word_t seed, char *detail, unsigned size)
{
	for (unsigned p = 0; p < pages; p++) {
		volatile l4_word_t *w = (volatile l4_word_t *)(base + p * PAGE);
		for (unsigned i = 0; i < PAGE / 8; i++)
			if (w[i]) {
				l4_snprintf(detail, size, "fresh page %#lx reads %#lx at offset %u",
					     (unsigned long)(base + p * PAGE), (unsigned long)w[i], i * 8);
				return false;
			}
		for (unsigned i = 0; i < PAGE / 8; i++)
			w[i] = seed + p + ((l4_word_t)i << 32);
	}
	return true;
}

/* Checks what fill wrote. */
static bool verify(l4_word_t base, unsigned pages, l4_word_t seed, char *detail, unsigned size)
{
	for (unsigned p = 0; p < pages; p++) {
		volatile l4_word_t *w = (volatile l4_word_t *)(base + p * PAGE);
		for (unsigned i = 0; i < PAGE / 8; i++)
			if (w[i] != seed + p + ((l4_word_t)i << 32)) {
				l4_snprintf(detail, size, "page %#lx reads %#lx at offset %u",
					     (unsigned long)(base + p * PAGE), (unsigned long)w[i], i * 8);
				return false;
			}
	}
	return true;
}

/* ---- quota: the protocol, then beyond the quota */

static void bad_requests(l4_word_t quota)
{
	expect_error("unknown label 99", request(99, 0, 0), L4_ENOSYS);
	expect_error("ALLOC without its size word", request(L4_MEM_ALLOC, 0, 0), L4_EMSG);
	expect_error("FREE without its address word", request(L4_MEM_FREE, 0, 0), L4_EMSG);
	expect_error("page-fault message with 1 of 3 words", request(L4_LABEL_PAGE_FAULT, 1, 0), L4_EMSG);
	expect_error("ALLOC of 0 bytes", request(L4_MEM_ALLOC, 1, 0), L4_EINVAL);
	expect_error("ALLOC of quota + 1 bytes", request(L4_MEM_ALLOC, 1, quota + 1), L4_EINVAL);
	expect_error("ALLOC of 2^64 - 1 bytes", request(L4_MEM_ALLOC, 1, ~0ull), L4_EINVAL);
	expect_error("FREE of an address that is no region", request(L4_MEM_FREE, 1, L4_MEM_BASE + 0x1000),
		     L4_ENOENT);
	expect_error("FREE of address 0", request(L4_MEM_FREE, 1, 0), L4_ENOENT);
	/* Only the root task may say that a program is gone. */
	expect_error("client-gone notice from a client", request(L4_SERVER_CLIENT_GONE, 1, l4_env->id), L4_ENOSYS);
	expect_info("after the bad requests", quota, 0, 0);
}

static int role_quota(void)
{
	l4_word_t quota = l4_env->memory;
	char detail[120] = "";

	if (!check(quota == 128 * 1024, "configured with memory 128K", "wrong test configuration"))
		return 1;
	expect_info("a new client", quota, 0, 0);
	bad_requests(quota);

	/* Regions: a size rounds up to pages; the first is at L4_MEM_BASE. */
	l4_word_t r1 = alloc(5000, "ALLOC of 5000 bytes");
	check(r1 == L4_MEM_BASE, "the first region is at L4_MEM_BASE", "elsewhere");
	expect_info("5000 bytes allocated", quota, 0, 2 * PAGE);
	check(r1 && fill(r1, 2, 0x1100, detail, sizeof(detail)), "2 pages of a region read zero when first touched",
	      detail);
	check(r1 && verify(r1, 2, 0x1100, detail, sizeof(detail)), "2 pages of a region keep what was written", detail);
	expect_info("2 pages touched", quota, 2 * PAGE, 2 * PAGE);

	l4_word_t r2 = alloc(quota, "ALLOC of the whole quota");
	check(r2 >= r1 + 2 * PAGE + PAGE, "a second region lies after the first and its guard page", "overlaps");
	check(r2 && fill(r2, 1, 0x2200, detail, sizeof(detail)) && verify(r1, 2, 0x1100, detail, sizeof(detail)),
	      "a second region's page is separate from the first's", detail);
	expect_info("two regions", quota, 3 * PAGE, 2 * PAGE + quota);

	/* FREE: pages and region bytes go back; the address is no region then. */
	expect_error("FREE of the first region", request(L4_MEM_FREE, 1, r1), L4_OK);
	expect_info("the first region freed", quota, 1 * PAGE, quota);
	expect_error("FREE of the freed region again", request(L4_MEM_FREE, 1, r1), L4_ENOENT);
	expect_error("FREE of an address inside a region, not its start", request(L4_MEM_FREE, 1, r2 + PAGE),
		     L4_ENOENT);
	l4_word_t r3 = alloc(PAGE, "ALLOC of one page after a FREE");
	check(r3 == r1, "a new region takes the freed place", "elsewhere");
	check(r3 && fill(r3, 1, 0x3300, detail, sizeof(detail)),
	      "a page in the freed place reads zero, not the old data", detail);
	expect_info("one page in a third region", quota, 2 * PAGE, quota + PAGE);

	/* At most L4_MEM_REGIONS regions: two are held. */
	l4_word_t extra[L4_MEM_REGIONS];
	unsigned n = 0;
	struct l4_result r;
	while (n < L4_MEM_REGIONS && !code(r = request(L4_MEM_ALLOC, 1, PAGE)))
		extra[n++] = l4_utcb()->mr[0];
	l4_snprintf(detail, sizeof(detail), "%u more regions, then error %lu", n, (unsigned long)code(r));
	check(n == L4_MEM_REGIONS - 2 && code(r) == L4_ENOMEM,
	      "62 more regions are allowed, the 65th is refused -> error 5 (ENOMEM)", detail);
	unsigned freed = 0;
	for (unsigned i = 0; i < n; i++)
		freed += !code(request(L4_MEM_FREE, 1, extra[i]));
	check(freed == n, "the 62 extra regions freed", "a FREE failed");
	expect_info("the extra regions freed", quota, 2 * PAGE, quota + PAGE);

	/* A page sent to the server is refused: its receive window is shut. */
	l4_utcb()->mr[0] = L4_ITEM_MAP;
	l4_utcb()->mr[1] = l4_fpage_mem(r3, 12, L4_FP_RW);
	r = l4_call(mem, l4_tag(L4_MEM_INFO, 0, 1), L4_TIMEOUT_NEVER);
	l4_snprintf(detail, sizeof(detail), "system call error %lu, label %lu", (unsigned long)r.error,
		     (unsigned long)l4_tag_label(r.tag));
	check(r.error == L4_EMSG, "a map item sent to the server -> error 10 (EMSG)", detail);
	check(verify(r2, 1, 0x2200, detail, sizeof(detail)), "the region's data after the bad requests", detail);

	/* Up to the quota within the quota-sized region: 2 pages held + 30. */
	bool ok = fill(r2 + PAGE, 30, 0x4400, detail, sizeof(detail)) &&
		  verify(r2 + PAGE, 30, 0x4400, detail, sizeof(detail)) &&
		  verify(r2, 1, 0x2200, detail, sizeof(detail)) && verify(r3, 1, 0x3300, detail, sizeof(detail));
	check(ok, "pages touched up to the quota (32 of 32) keep their data", detail);
	expect_info("at the quota", quota, quota, quota + PAGE);

	/* The next page is one too many: the server has the root task end us. */
	l4_cap_t sync = l4_env_cap("memsync");
	if (sync != L4_CAP_NONE)
		l4_call(sync, l4_tag(SYNC_DYING, 0, 0), 1000000);
	l4_printf("touching page 33 of a quota of 32 pages at %#lx\n", (unsigned long)(r2 + 31 * PAGE));
	*(volatile l4_word_t *)(r2 + 31 * PAGE) = 1;
	check(false, "ended by the page fault beyond the quota", "still running");
	return 1;
}

/* ---- peer: goes on after the quota client has ended */

static bool program_gone(l4_word_t id)
{
	struct l4_result r = L4_INVOKE(L4_CAP_PAGER, L4_ROOT_INFO, id);
	return !r.error && l4_tag_label(r.tag) == L4_ENOENT;
}

static int role_peer(void)
{
	l4_cap_t sync = l4_env_cap("memsync");
	char detail[120] = "";

	if (!check(sync != L4_CAP_NONE && l4_env->memory == 64 * 1024, "configured with memory 64K and memsync",
		   "wrong test configuration"))
		return 1;
	l4_word_t region = alloc(l4_env->memory, "ALLOC of the whole quota");
	if (!region)
		return 1;
	check(fill(region, 8, 0xb000, detail, sizeof(detail)), "8 pages touched before the quota client ends",
	      detail);
	l4_word_t dying = 0;
	bool done = false;
	unsigned long long deadline = l4_rdtsc() + 5000ull * l4_env->tsc_khz;    /* 5 s */
	for (;;) {
		struct l4_result r = l4_recv(sync, 10000);
		if (!r.error) {
			l4_word_t label = l4_tag_label(r.tag), reply = 0, words = 0;
			if (label == SYNC_DYING && r.badge)
				dying = r.badge;
			else if (label == SYNC_GO && r.badge)
				l4_utcb()->mr[0] = done, words = 1;
			else if (label != L4_SERVER_CLIENT_GONE || r.badge)
				reply = L4_ENOSYS;
			l4_reply(l4_tag(reply, (unsigned)words, 0));
		}
		if (dying && !done && program_gone(dying)) {
			done = true;
			check(verify(region, 8, 0xb000, detail, sizeof(detail)),
			      "its pages kept their data after the quota client was ended", detail);
			check(fill(region + 8 * PAGE, 8, 0xb100, detail, sizeof(detail)) &&
				      verify(region + 8 * PAGE, 8, 0xb100, detail, sizeof(detail)),
			      "8 more pages work after the quota client was ended", detail);
			expect_info("after the quota client was ended", l4_env->memory, l4_env->memory,
				    l4_env->memory);
		}
		if (!done && l4_rdtsc() > deadline) {
			check(false, "the quota client was ended", dying ? "it still runs" : "it never said it would exceed");
			done = true;
		}
	}
}

/* ---- reuse: needs the quota client's pages */

static int role_reuse(void)
{
	l4_cap_t sync = l4_env_cap("memsync");
	char detail[120] = "";
	l4_word_t quota = l4_env->memory;

	if (!check(sync != L4_CAP_NONE && quota == 128 * 1024, "configured with memory 128K and memsync",
		   "wrong test configuration"))
		return 1;
	unsigned round = 0;
	for (; round < 500; round++) {
		struct l4_result r = l4_call(sync, l4_tag(SYNC_GO, 0, 0), L4_TIMEOUT_NEVER);
		if (!code(r) && l4_tag_words(r.tag) == 1 && l4_utcb()->mr[0])
			break;
		l4_sleep_us(10000);
	}
	if (!check(round < 500, "the peer let us go", "it never did"))
		return 1;
	l4_word_t region = alloc(quota, "ALLOC of the whole quota");
	if (!region)
		return 1;
	check(fill(region, 32, 0xc000, detail, sizeof(detail)) && verify(region, 32, 0xc000, detail, sizeof(detail)),
	      "32 pages, which the pool has only with the quota client's back", detail);
	expect_info("32 pages", quota, quota, quota);
	expect_error("FREE of the region", request(L4_MEM_FREE, 1, region), L4_OK);
	expect_info("freed", quota, 0, 0);
	/* Again: the freed pages went back to sigma0 and come from there anew.
	 * These we keep: they go back when we end. */
	region = alloc(quota, "ALLOC of the whole quota again");
	if (!region)
		return 1;
	check(fill(region, 32, 0xc100, detail, sizeof(detail)) && verify(region, 32, 0xc100, detail, sizeof(detail)),
	      "32 pages again after freeing them", detail);
	expect_info("32 pages again", quota, quota, quota);
	l4_printf("ending with 32 pages in a region\n");
	return failures ? 1 : 0;
}

/* ---- stray: a freed region is gone */

static int role_stray(void)
{
	l4_word_t region = alloc(PAGE, "ALLOC of one page");

	if (!region)
		return 1;
	*(volatile l4_word_t *)region = 0x5a5a;
	check(*(volatile l4_word_t *)region == 0x5a5a, "a region page works", "wrong data");
	expect_error("FREE of the region", request(L4_MEM_FREE, 1, region), L4_OK);
	l4_printf("touching the freed region at %#lx\n", (unsigned long)region);
	(void)*(volatile l4_word_t *)region;
	check(false, "ended by the page fault in a freed region", "still running");
	return 1;
}

/* ---- kquota: more pages than its kernel quota can hold mappings of
 * (the kernel refuses the server's map: exception 14 to the root task). */

static int role_kquota(void)
{
	l4_word_t pages = l4_env->memory / PAGE;
	l4_word_t region = alloc(l4_env->memory, "ALLOC of the whole quota");

	if (!region)
		return 1;
	l4_printf("touching %lu pages with a kernel quota of %lu KiB\n", (unsigned long)pages,
		  (unsigned long)(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO).error ? 0 : l4_utcb()->mr[0] >> 10));
	for (l4_word_t p = 0; p < pages; p++)
		*(volatile l4_word_t *)(region + p * PAGE) = p;
	check(false, "ended when its kernel quota could not map more pages", "touched them all");
	return 1;
}

/* ---- trap: an exception of a thread whose only handler is the server */

static long trapper(long arg)
{
	(void)arg;
	__asm__ volatile("ud2");
	return 0;
}

static int role_trap(void)
{
	/* A thread of ours starts without a pager or exception handler; with the
	 * memory server as its pager, its exceptions go there too. Below our
	 * priority, it runs only once that is done and we wait. */
	l4_cap_t t = l4_thread_start(trapper, 0, (unsigned)l4_env->priority - 1);
	if (!check(t != L4_CAP_NONE, "a second thread started", "no thread"))
		return 1;
	l4_word_t err = L4_INVOKE(t, L4_THREAD_SET_PAGER, mem).error;
	if (!check(!err, "its pager is the memory server", "SET_PAGER failed"))
		return 1;
	l4_printf("its thread runs into an invalid opcode\n");
	l4_thread_join(t);
	l4_sleep_us(2000000);
	check(false, "ended for the exception its pager cannot resolve", "still running");
	return 1;
}

int main(int argc, char **argv)
{
	mem = l4_env_cap("mem");
	const char *role = argc > 1 ? argv[1] : "";

	if (mem == L4_CAP_NONE) {
		l4_printf("no \"mem\" endpoint (add `use mem`): FAIL\n");
		return 1;
	}
	if (role[0] == 'q')
		return role_quota();
	if (role[0] == 'p')
		return role_peer();
	if (role[0] == 'r')
		return role_reuse();
	if (role[0] == 's')
		return role_stray();
	if (role[0] == 'k')
		return role_kquota();
	if (role[0] == 't')
		return role_trap();
	l4_printf("unknown role '%s' (quota, peer, reuse, stray, kquota or trap): FAIL\n", role);
	return 1;
}
