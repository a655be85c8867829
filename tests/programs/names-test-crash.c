/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A program that registers names and then dies of a page fault: its own
 * endpoint as "crashy" and the echo server's (which it looked up) as
 * "crashy-echo". It answers one call on its endpoint first, so that
 * names-test-client has seen both names before it crashes. Afterwards the
 * root task tells the name service it ended, and both names must go.
 */
#include "names-test-lib.c"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t names = names_endpoint(), ep = l4_make(L4_FACTORY_ENDPOINT), echo = l4_slot_alloc();

	if (names == L4_CAP_NONE)
		return 1;
	if (check(wait_for_name(names, "echo", echo, 500), "lookup of echo (waiting for it)"))
		expect(name_register(names, "crashy-echo", echo, L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT), 0,
		       "register echo's endpoint as crashy-echo");
	expect(name_register(names, "crashy", ep, L4_CAP_RIGHTS_ALL), 0, "register crashy");
	finish();
	struct l4_result r = l4_recv(ep, 5000000);
	if (!r.error)
		l4_reply(l4_tag(0, 0, 0));
	l4_printf("%s; touching unmapped memory now\n", r.error ? "nobody called (FAIL)" : "answered a call");
	*(volatile long *)0x50000000 = 1;
	l4_printf("still alive (FAIL)\n");
	return 0;
}
