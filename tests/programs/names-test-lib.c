/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the name service's test programs (tests/boot/names.cfg) share.
 * Each program #includes this file, so it is one translation unit and the
 * helpers can stay static.
 *
 * Every check prints one line, "WHAT -> RESULT: ok", or with "FAIL" instead
 * of "ok" (which tests/boot/names.expect does not accept), and finish()
 * prints "all N checks passed" only if none failed.
 */
#include "l4lib.h"
#include <l4/names.h>
#include "checks.h"

#define RETRY_US 10000          /* between attempts of a bounded wait */

/* Blocks for good (programs that hold names until the machine ends). */
static UNUSED _Noreturn void idle(void)
{
	for (;;)
		l4_sleep_us(1000000);
}

/* ---- the name service's messages */

/* The reply to a request: error is the kernel's (the call failed), label
 * the server's answer. */
struct reply {
	l4_word_t error, label;
	unsigned words, items;
	l4_word_t mr[3];
};

/* "0 (OK)", "error 14 (ENOENT)" or "kernel error 10 (EMSG)". */
static UNUSED const char *outcome(struct reply r)
{
	static char text[40];

	if (r.error)
		l4_snprintf(text, sizeof(text), "kernel error %lu (%s)", (unsigned long)r.error,
			    error_name(r.error));
	else if (r.label)
		l4_snprintf(text, sizeof(text), "error %lu (%s)", (unsigned long)r.label,
			    error_name(r.label));
	else
		l4_snprintf(text, sizeof(text), "0 (OK)");
	return text;
}

/* A check that the server answered with `want` (0 or an error code). */
static UNUSED bool expect(struct reply r, l4_word_t want, const char *what)
{
	return check(!r.error && r.label == want, "%s -> %s", what, outcome(r));
}

/* n bytes of s (NULs included) as the two name words, NUL-padded. */
static UNUSED void pack(const char *s, unsigned n, l4_word_t w[2])
{
	w[0] = w[1] = 0;
	for (unsigned i = 0; i < n && i < 16; i++)
		w[i / 8] |= (l4_word_t)(unsigned char)s[i] << (8 * (i % 8));
}

static UNUSED unsigned str_len(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	return n;
}

/* Empties one of our slots (no error if it is empty already). */
static UNUSED void slot_clear(l4_cap_t slot)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, slot);
}

/*
 * A request: `words` words from mr, then `items` typed items (two words
 * each) from item, with our capability window at slot `window` (emptied
 * first) or none (L4_CAP_NONE).
 */
static UNUSED struct reply request(l4_cap_t names, l4_word_t label, unsigned words, const l4_word_t *mr,
				   unsigned items, const l4_word_t *item, l4_cap_t window)
{
	struct l4_utcb *u = l4_utcb();
	struct reply r = { 0 };

	if (window != L4_CAP_NONE)
		slot_clear(window);
	u->br[L4_BR_CAP_WINDOW] = window != L4_CAP_NONE ? l4_fpage_cap(window, 0, 0) : 0;
	for (unsigned i = 0; i < words; i++)
		u->mr[i] = mr[i];
	for (unsigned i = 0; i < 2 * items; i++)
		u->mr[words + i] = item[i];
	struct l4_result res = l4_call(names, l4_tag(label, words, items), L4_TIMEOUT_NEVER);
	u->br[L4_BR_CAP_WINDOW] = 0;
	r.error = res.error;
	r.label = l4_tag_label(res.tag);
	r.words = l4_tag_words(res.tag);
	r.items = l4_tag_items(res.tag);
	for (unsigned i = 0; i < 3 && i < r.words; i++)
		r.mr[i] = u->mr[i];
	return r;
}

/* REGISTER name with our capability `cap` (rights as given). */
static UNUSED struct reply name_register(l4_cap_t names, const char *name, l4_cap_t cap, unsigned rights)
{
	l4_word_t w[2], item[2] = { L4_ITEM_MAP, l4_fpage_cap(cap, 0, rights) };

	pack(name, str_len(name), w);
	return request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE);
}

/* LOOKUP name; the capability lands in slot. */
static UNUSED struct reply name_lookup(l4_cap_t names, const char *name, l4_cap_t slot)
{
	l4_word_t w[2];

	pack(name, str_len(name), w);
	return request(names, L4_NAMES_LOOKUP, 2, w, 0, NULL, slot);
}

static UNUSED struct reply name_unregister(l4_cap_t names, const char *name)
{
	l4_word_t w[2];

	pack(name, str_len(name), w);
	return request(names, L4_NAMES_UNREGISTER, 2, w, 0, NULL, L4_CAP_NONE);
}

static UNUSED struct reply name_list(l4_cap_t names, l4_word_t index)
{
	return request(names, L4_NAMES_LIST, 1, &index, 0, NULL, L4_CAP_NONE);
}

/* The number of names the service holds (LIST answers it with any index). */
static UNUSED l4_word_t name_count(l4_cap_t names)
{
	struct reply r = name_list(names, ~0ull);

	return r.error || r.words < 3 ? ~0ull : r.mr[2];
}

/* Looks name up until it is there (into slot), at most `tries` times. */
static UNUSED bool wait_for_name(l4_cap_t names, const char *name, l4_cap_t slot, unsigned tries)
{
	for (unsigned i = 0; i < tries; i++) {
		struct reply r = name_lookup(names, name, slot);
		if (!r.error && !r.label)
			return true;
		l4_sleep_us(RETRY_US);
	}
	return false;
}

/* Looks name up until the service says ENOENT, at most `tries` times. */
static UNUSED struct reply wait_for_no_name(l4_cap_t names, const char *name, l4_cap_t slot, unsigned tries)
{
	struct reply r = { 0 };

	for (unsigned i = 0; i < tries; i++) {
		r = name_lookup(names, name, slot);
		if (!r.error && r.label == L4_ENOENT)
			break;
		l4_sleep_us(RETRY_US);
	}
	return r;
}

/* Type, rights and badge of the capability in slot; false if empty. */
static UNUSED bool cap_info(l4_cap_t slot, l4_word_t *type, l4_word_t *rights, l4_word_t *badge)
{
	struct l4_result r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, slot);

	if (r.error)
		return false;
	*type = l4_utcb()->mr[0];
	*rights = l4_utcb()->mr[1];
	*badge = l4_utcb()->mr[2];
	return true;
}

/* The names service's endpoint; says why not if the program has none. */
static UNUSED l4_cap_t names_endpoint(void)
{
	l4_cap_t names = l4_env_cap("names");

	if (names == L4_CAP_NONE)
		check(false, "no \"names\" endpoint (add `use names` to the configuration)");
	return names;
}

/* ---- the echo protocol of names-test-echo: label ECHO, up to 8 words;
 * the reply has the words back and then the badge the echo server saw. */
#define ECHO 1
#define ECHO_BADGE 0xec0
