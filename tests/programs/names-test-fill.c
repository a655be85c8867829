/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A filler for names-test-full: once "full-token" is registered it
 * registers PROGRAM-0..PROGRAM-7 (its per-client limit) or until the
 * service is full (ENOMEM); when the token is gone it ends, and the name
 * service must drop its names. They name the token's endpoint, which
 * outlives the filler, so only the service's clean-up for an ended client
 * can remove them.
 */
#include "names-test-lib.c"

#define WAIT_TRIES 1000         /* bounded waits: 1000 * 10 ms */

int main(int argc, char **argv)
{
	(void)argc;
	l4_cap_t names = names_endpoint(), token = l4_slot_alloc(), slot = l4_slot_alloc();
	char name[L4_ENV_NAME_LEN + 4];
	unsigned n = 0;
	struct reply r = { 0 };

	if (names == L4_CAP_NONE)
		return 1;
	if (!check(wait_for_name(names, "full-token", token, WAIT_TRIES), "lookup of full-token (waiting for it)"))
		return 1;
	for (; n < L4_NAMES_PER_CLIENT; n++) {
		l4_snprintf(name, sizeof(name), "%.13s-%u", argv[0], n);
		r = name_register(names, name, token, L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT);
		if (r.error || r.label)
			break;
	}
	check(n == L4_NAMES_PER_CLIENT || (!r.error && r.label == L4_ENOMEM), "registered %u names%s%s", n,
	      n < L4_NAMES_PER_CLIENT ? ", then " : "", n < L4_NAMES_PER_CLIENT ? outcome(r) : "");
	r = wait_for_no_name(names, "full-token", slot, WAIT_TRIES);
	check(!r.error && r.label == L4_ENOENT, "full-token is gone: ending");
	finish();
	return 0;
}
