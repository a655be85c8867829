/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client that sends the name service every kind of bad request and
 * checks each answer (include/l4/names.h), then that the service still
 * works: unknown labels, short messages, REGISTER without exactly one
 * usable endpoint capability, bad names, a taken name, unknown names,
 * UNREGISTER of another client's name, a forged client-gone notice, the
 * per-client limit, LIST out of range, and capabilities where none belong.
 * Last it registers "bad-done", which tells names-test-full it is over.
 */
#include "names-test-lib.c"

static l4_cap_t names, ep, window;

/* REGISTER name (n bytes, NULs included) with our endpoint. */
static struct reply register_raw(const char *name, unsigned n)
{
	l4_word_t w[2], item[2] = { L4_ITEM_MAP, l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL) };

	pack(name, n, w);
	return request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE);
}

/* The program number (the badge the service sees) of the program called
 * name, from the root task; 0 if none runs. */
static l4_word_t program_number(const char *name)
{
	l4_word_t want[2];

	pack(name, str_len(name), want);
	for (l4_word_t id = 1; id <= 32; id++) {
		struct l4_result r = L4_INVOKE(L4_CAP_PAGER, L4_ROOT_INFO, id);
		if (!r.error && !l4_tag_label(r.tag) && l4_utcb()->mr[0] == want[0] && l4_utcb()->mr[1] == want[1])
			return id;
	}
	return 0;
}

static void short_messages(void)
{
	l4_word_t w[2], item[2] = { L4_ITEM_MAP, l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL) };

	pack("echo", 4, w);
	expect(request(names, 99, 2, w, 0, NULL, L4_CAP_NONE), L4_ENOSYS, "unknown label 99");
	expect(request(names, 0, 0, NULL, 0, NULL, L4_CAP_NONE), L4_ENOSYS, "label 0, no words");
	expect(request(names, L4_NAMES_LOOKUP, 1, w, 0, NULL, window), L4_EMSG, "LOOKUP with 1 word");
	expect(request(names, L4_NAMES_LOOKUP, 0, NULL, 0, NULL, window), L4_EMSG, "LOOKUP with no words");
	expect(request(names, L4_NAMES_UNREGISTER, 1, w, 0, NULL, L4_CAP_NONE), L4_EMSG,
	       "UNREGISTER with 1 word");
	expect(request(names, L4_NAMES_LIST, 0, NULL, 0, NULL, L4_CAP_NONE), L4_EMSG, "LIST with no words");
	pack("bad-short", 9, w);
	expect(request(names, L4_NAMES_REGISTER, 1, w, 1, item, L4_CAP_NONE), L4_EMSG,
	       "REGISTER with 1 word and a capability item");
	expect(name_lookup(names, "bad-short", window), L4_ENOENT, "lookup of bad-short (nothing registered)");
}

static void bad_items(void)
{
	l4_word_t w[2];
	l4_cap_t empty = l4_slot_alloc(), note = l4_make(L4_FACTORY_NOTIFICATION);

	pack("bad-item", 8, w);
	expect(request(names, L4_NAMES_REGISTER, 2, w, 0, NULL, L4_CAP_NONE), L4_EMSG,
	       "REGISTER without a capability item");
	l4_word_t item[4] = { L4_ITEM_MAP, l4_fpage_cap(empty, 0, L4_CAP_RIGHTS_ALL) };
	expect(request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE), L4_EMSG,
	       "REGISTER with a capability item of an empty slot");
	/* A memory item instead of a capability: the service takes no memory,
	 * so the kernel refuses the message and the call fails. */
	item[0] = L4_ITEM_MAP;
	item[1] = l4_fpage_mem((l4_word_t)&w & ~0xfffull, 12, L4_FP_R);
	struct reply r = request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE);
	check(r.error != 0, "REGISTER with a memory item instead -> %s (refused)", outcome(r));
	/* Two capabilities: the second finds the service's window taken, so
	 * the kernel fails the call; the first must not stay in the window. */
	item[0] = item[2] = L4_ITEM_MAP;
	item[1] = l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL);
	item[3] = l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL);
	r = request(names, L4_NAMES_REGISTER, 2, w, 2, item, L4_CAP_NONE);
	check(r.error != 0, "REGISTER with two capability items -> %s (refused)", outcome(r));
	expect(name_lookup(names, "bad-item", window), L4_ENOENT, "lookup of bad-item (nothing registered)");
	item[1] = l4_fpage_cap(note, 0, L4_CAP_RIGHTS_ALL);
	expect(request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE), L4_ETYPE,
	       "REGISTER with a notification instead of an endpoint");
	item[1] = l4_fpage_cap(ep, 0, L4_CAP_RIGHT_READ);
	expect(request(names, L4_NAMES_REGISTER, 2, w, 1, item, L4_CAP_NONE), L4_ERIGHTS,
	       "REGISTER with an endpoint capability without the write right");
	/* After all that the service's window must be empty again. */
	expect(register_raw("bad-item", 8), 0, "register bad-item after the refused ones");
	expect(name_unregister(names, "bad-item"), 0, "unregister bad-item");
}

static void bad_names(void)
{
	static const struct { const char *name; unsigned n; const char *why; } bad[] = {
		{ "", 0, "an empty name" },
		{ "Echo", 4, "an upper-case letter" },
		{ "a/b", 3, "a '/'" },
		{ "a b", 3, "a blank" },
		{ "sixteen-chars-xy", 16, "16 characters" },
		{ "ab\0cd", 5, "characters after the NUL" },
		{ "caf\xc3\xa9", 5, "a non-ASCII byte" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[80];
		l4_snprintf(what, sizeof(what), "REGISTER of a name with %s", bad[i].why);
		expect(register_raw(bad[i].name, bad[i].n), L4_EINVAL, what);
	}
	expect(name_lookup(names, "Echo", window), L4_EINVAL, "LOOKUP of a name with an upper-case letter");
	expect(name_unregister(names, ""), L4_EINVAL, "UNREGISTER of an empty name");
	expect(register_raw("abcdefghij.-_09", 15), 0, "register a 15-character name of every kind of character");
	expect(name_lookup(names, "abcdefghij.-_09", window), 0, "lookup of the 15-character name");
	expect(name_unregister(names, "abcdefghij.-_09"), 0, "unregister the 15-character name");
}

static void others_names(void)
{
	l4_word_t id = program_number("echo");

	expect(register_raw("echo", 4), L4_EEXIST, "REGISTER of echo (taken)");
	expect(name_lookup(names, "no-such-name", window), L4_ENOENT, "lookup of an unknown name");
	expect(name_unregister(names, "no-such-name"), L4_ENOENT, "UNREGISTER of an unknown name");
	expect(name_unregister(names, "echo"), L4_ERIGHTS, "UNREGISTER of echo (another client's name)");
	if (check(id != 0, "echo's program number from the root task: %lu",
		  (unsigned long)id))
		expect(request(names, L4_SERVER_CLIENT_GONE, 1, &id, 0, NULL, L4_CAP_NONE), L4_ERIGHTS,
		       "a client-gone notice for echo from a client");
	expect(name_lookup(names, "echo", window), 0, "lookup of echo after both");
}

static void limits(void)
{
	char name[8] = "bad0";
	unsigned ok = 0, gone = 0;

	for (unsigned i = 0; i < L4_NAMES_PER_CLIENT; i++) {
		name[3] = (char)('0' + i);
		struct reply r = register_raw(name, 4);
		ok += !r.error && !r.label;
	}
	check(ok == L4_NAMES_PER_CLIENT, "register %u names bad0..bad%u -> %u accepted", L4_NAMES_PER_CLIENT,
	      L4_NAMES_PER_CLIENT - 1, ok);
	expect(register_raw("bad8", 4), L4_ENOMEM, "register a 9th name (bad8)");
	expect(name_unregister(names, "bad3"), 0, "unregister bad3");
	expect(register_raw("bad8", 4), 0, "register bad8 after that");
	for (unsigned i = 0; i <= L4_NAMES_PER_CLIENT; i++) {
		name[3] = (char)('0' + i);
		struct reply r = name_unregister(names, name);
		ok = !r.error && r.label == (i == 3 ? L4_ENOENT : L4_OK);
		r = name_lookup(names, name, window);
		gone += ok && !r.error && r.label == L4_ENOENT;
	}
	check(gone == L4_NAMES_PER_CLIENT + 1, "unregister bad0..bad8 -> %u of %u gone", gone,
	      L4_NAMES_PER_CLIENT + 1);
	/* Other programs register meanwhile: the count is only known roughly. */
	struct reply r = name_list(names, L4_NAMES_MAX);
	check(!r.error && r.label == L4_ENOENT && r.words == 3 && r.mr[2] >= 2 && r.mr[2] < L4_NAMES_MAX,
	      "LIST of index %u -> %s, count %lu", L4_NAMES_MAX, outcome(r), (unsigned long)r.mr[2]);
	r = name_list(names, 0);
	check(!r.error && !r.label && r.words == 3 && r.mr[0] != 0, "LIST of index 0 -> %s, a name", outcome(r));
}

static void stray_capabilities(void)
{
	l4_word_t w[2], item[2] = { L4_ITEM_MAP, l4_fpage_cap(ep, 0, L4_CAP_RIGHTS_ALL) };

	/* The answer's capability item has nowhere to land: the call fails. */
	struct reply r = name_lookup(names, "echo", L4_CAP_NONE);
	check(r.error == L4_EMSG, "lookup of echo without a capability window -> %s", outcome(r));
	/* A capability sent with a request that takes none is dropped. */
	pack("echo", 4, w);
	expect(request(names, L4_NAMES_LOOKUP, 2, w, 1, item, window), 0,
	       "lookup of echo with a capability item attached");
	expect(register_raw("bad-stray", 9), 0, "register bad-stray after that");
	expect(name_unregister(names, "bad-stray"), 0, "unregister bad-stray");
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	names = names_endpoint();
	ep = l4_make(L4_FACTORY_ENDPOINT);
	window = l4_slot_alloc();
	if (names == L4_CAP_NONE)
		return 1;
	/* Some checks need echo's names (they run before us: higher priority). */
	check(wait_for_name(names, "echo", window, 500), "lookup of echo (waiting for it)");
	short_messages();
	bad_items();
	bad_names();
	others_names();
	limits();
	stray_capabilities();
	expect(register_raw("bad-done", 8), 0, "register bad-done");
	finish();
	idle();         /* keeps bad-done registered */
}
