/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client of the name service: it looks "echo" up and calls the echo
 * server through the capability it got; then it calls the crasher
 * (names-test-crash), which ends by a fault after answering, and checks
 * that both of the crasher's names went with it while the service and
 * the echo server go on. Last it registers "client-done", which tells
 * names-test-full that this part is over.
 */
#include "names-test-lib.c"

#define WAIT_TRIES 500          /* bounded waits: 500 * 10 ms */

/* Calls the echo server through slot with three words; true if they came
 * back with the badge ECHO_BADGE. */
static bool call_echo(l4_cap_t slot, const char *how)
{
	struct l4_utcb *u = l4_utcb();
	static const l4_word_t words[3] = { 0x1234, 0xfeedface, 42 };

	for (unsigned i = 0; i < 3; i++)
		u->mr[i] = words[i];
	struct l4_result r = l4_call(slot, l4_tag(ECHO, 3, 0), 2000000);
	bool ok = !r.error && !l4_tag_label(r.tag) && l4_tag_words(r.tag) == 4 && u->mr[0] == words[0] &&
		  u->mr[1] == words[1] && u->mr[2] == words[2] && u->mr[3] == ECHO_BADGE;
	return check(ok, "echo call %s -> error %lu, label %lu, %u words, badge %#lx", how,
		     (unsigned long)r.error, (unsigned long)l4_tag_label(r.tag), l4_tag_words(r.tag),
		     (unsigned long)(l4_tag_words(r.tag) == 4 ? u->mr[3] : 0));
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t names = names_endpoint(), echo = l4_slot_alloc(), crashy = l4_slot_alloc();
	l4_cap_t crashy_echo = l4_slot_alloc(), probe = l4_slot_alloc();
	l4_word_t type = 0, rights = 0, badge = 0;

	if (names == L4_CAP_NONE)
		return 1;
	if (check(wait_for_name(names, "echo", echo, WAIT_TRIES), "lookup of echo (waiting for it)")) {
		bool have = cap_info(echo, &type, &rights, &badge);
		check(have && type == L4_OBJ_ENDPOINT && rights == (L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT) &&
		      badge == ECHO_BADGE,
		      "lookup of echo -> endpoint %s, rights %#lx, badge %#lx", have ? "capability" : "missing",
		      (unsigned long)rights, (unsigned long)badge);
		call_echo(echo, "through the looked-up capability");
	}

	/* The crasher: its own endpoint as "crashy", echo's as "crashy-echo". */
	check(wait_for_name(names, "crashy", crashy, WAIT_TRIES), "lookup of crashy (waiting for it)");
	check(wait_for_name(names, "crashy-echo", crashy_echo, WAIT_TRIES),
	      "lookup of crashy-echo (waiting for it)");
	struct l4_result r = l4_call(crashy, l4_tag(1, 0, 0), 2000000);
	check(!r.error && !l4_tag_label(r.tag), "call to crashy -> error %lu, label %lu (it crashes next)",
	      (unsigned long)r.error, (unsigned long)l4_tag_label(r.tag));
	expect(wait_for_no_name(names, "crashy", probe, WAIT_TRIES), L4_ENOENT,
	       "lookup of crashy after the crasher crashed");
	/* Its other name is for echo's endpoint, which lives on: only the
	 * service's clean-up for the ended client can have dropped it. */
	expect(name_lookup(names, "crashy-echo", probe), L4_ENOENT,
	       "lookup of crashy-echo (a live endpoint, registered by the crasher) after the crash");
	call_echo(crashy_echo, "through the copy of crashy-echo looked up before the crash");

	/* The service and the echo server go on. */
	expect(name_lookup(names, "echo", echo), 0, "lookup of echo after the crash");
	call_echo(echo, "after the crash");

	l4_cap_t done = l4_make(L4_FACTORY_ENDPOINT);
	expect(name_register(names, "client-done", done, L4_CAP_RIGHTS_ALL), 0, "register client-done");
	finish();
	idle();         /* keeps client-done registered */
}
