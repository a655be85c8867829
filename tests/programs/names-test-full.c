/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The service-wide limit, L4_NAMES_MAX: once the other tests are over
 * ("bad-done" and "client-done" are registered), this program registers
 * "full-token", which lets the fillers (names-test-fill, eight programs of
 * up to L4_NAMES_PER_CLIENT names each) fill the service. With 64 names in
 * it, a REGISTER of ours (we hold only the token) must fail with ENOMEM.
 * Then it unregisters the token, the fillers end, and their names must go
 * with them (the root task's client-gone notices after a normal exit; the
 * fillers register the token's endpoint, which lives on, so nothing else
 * can have removed them).
 */
#include "names-test-lib.c"

#define WAIT_TRIES 1000         /* bounded waits: 1000 * 10 ms */

/* Polls the service's name count until it is `want`; the last count. */
static l4_word_t wait_for_count(l4_cap_t names, l4_word_t want)
{
	l4_word_t count = 0;

	for (unsigned i = 0; i < WAIT_TRIES; i++) {
		if ((count = name_count(names)) == want)
			break;
		l4_sleep_us(RETRY_US);
	}
	return count;
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t names = names_endpoint(), slot = l4_slot_alloc();
	l4_cap_t token = l4_make(L4_FACTORY_ENDPOINT), extra = l4_make(L4_FACTORY_ENDPOINT);

	if (names == L4_CAP_NONE)
		return 1;
	check(wait_for_name(names, "bad-done", slot, WAIT_TRIES) &&
	      wait_for_name(names, "client-done", slot, WAIT_TRIES),
	      "lookup of bad-done and client-done (waiting for the other tests)");
	l4_word_t base = name_count(names);
	expect(name_register(names, "full-token", token, L4_CAP_RIGHTS_ALL), 0, "register full-token");
	l4_word_t count = wait_for_count(names, L4_NAMES_MAX);
	check(count == L4_NAMES_MAX, "names in the service once the fillers are done: %lu", (unsigned long)count);
	expect(name_register(names, "full-extra", extra, L4_CAP_RIGHTS_ALL), L4_ENOMEM,
	       "register a 2nd name of ours with the service full");
	struct reply r = name_list(names, L4_NAMES_MAX - 1);
	check(!r.error && !r.label && r.words == 3 && r.mr[0] && r.mr[2] == L4_NAMES_MAX,
	      "LIST of the last index, %u -> %s, count %lu", L4_NAMES_MAX - 1, outcome(r),
	      (unsigned long)r.mr[2]);
	expect(name_unregister(names, "full-token"), 0, "unregister full-token (the fillers end now)");
	count = wait_for_count(names, base);
	check(count == base, "names in the service after the fillers ended: %lu (%lu before them)",
	      (unsigned long)count, (unsigned long)base);
	expect(name_register(names, "full-extra", extra, L4_CAP_RIGHTS_ALL), 0,
	       "register full-extra after the fillers ended");
	finish();
	return 0;
}
