/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A server that finds its clients through the name service: it creates an
 * endpoint, registers a badged copy of it as "echo" and "echo.v1", and
 * answers the echo protocol on it (names-test-lib.c). Clients that looked
 * "echo" up reach it with the badge ECHO_BADGE, which proves the
 * capability they got is the one registered here. Before that it checks
 * the plain cycle on a name of its own: register, look up, unregister.
 */
#include "names-test-lib.c"

static _Noreturn void serve(l4_cap_t ep)
{
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);

	for (unsigned calls = 1;; calls++) {
		struct l4_utcb *u = l4_utcb();
		l4_word_t reply, label = l4_tag_label(r.tag);
		unsigned words = l4_tag_words(r.tag);
		if (r.error) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		if (label != ECHO || words > 8 || l4_tag_items(r.tag)) {
			reply = l4_tag(L4_ENOSYS, 0, 0);
		} else {
			u->mr[words] = r.badge;      /* the words stay where they are */
			reply = l4_tag(0, words + 1, 0);
		}
		l4_printf("call %u: label %lu, %u words, badge %#lx\n", calls, (unsigned long)label, words,
			  (unsigned long)r.badge);
		r = l4_reply_wait(ep, reply, L4_TIMEOUT_NEVER);
	}
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t names = names_endpoint(), ep = l4_make(L4_FACTORY_ENDPOINT), badged = l4_slot_alloc();
	l4_cap_t got = l4_slot_alloc();
	l4_word_t type = 0, rights = 0, badge = 0;

	if (names == L4_CAP_NONE)
		return 1;
	/* The registered copy keeps every right, receiving too: the service
	 * must hand clients only WRITE|GRANT. */
	if (!check(ep != L4_CAP_NONE && !L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ep, badged,
						   L4_CAP_RIGHTS_ALL, ECHO_BADGE).error,
		   "endpoint and badged copy made"))
		return 1;

	expect(name_register(names, "echo-tmp", badged, L4_CAP_RIGHTS_ALL), 0, "register echo-tmp");
	struct reply r = name_lookup(names, "echo-tmp", got);
	expect(r, 0, "lookup of echo-tmp");
	bool have = cap_info(got, &type, &rights, &badge);
	check(have && r.items == 1 && type == L4_OBJ_ENDPOINT &&
	      rights == (L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT) && badge == ECHO_BADGE,
	      "lookup of echo-tmp -> %u item, endpoint %s (type %lu), rights %#lx, badge %#lx", r.items,
	      have ? "capability" : "slot empty", (unsigned long)type, (unsigned long)rights,
	      (unsigned long)badge);
	expect(name_unregister(names, "echo-tmp"), 0, "unregister echo-tmp");
	expect(name_lookup(names, "echo-tmp", got), L4_ENOENT, "lookup of echo-tmp after unregistering it");
	expect(name_unregister(names, "echo-tmp"), L4_ENOENT, "unregister echo-tmp again");
	/* An error answer carries no capability (request() emptied the slot). */
	check(cap_info(got, &type, &rights, &badge) == false,
	      "the failed lookup left the receive slot empty");

	expect(name_register(names, "echo", badged, L4_CAP_RIGHTS_ALL), 0, "register echo");
	expect(name_register(names, "echo.v1", badged, L4_CAP_RIGHTS_ALL), 0,
	       "register the same endpoint as echo.v1");

	/* LIST walks every name; both of ours must be among them. */
	unsigned found = 0;
	l4_word_t count = name_count(names), want[2][2];
	pack("echo", 4, want[0]);
	pack("echo.v1", 7, want[1]);
	for (l4_word_t i = 0; i < count && i < L4_NAMES_MAX; i++) {
		r = name_list(names, i);
		if (r.error || r.label || r.words < 3)
			break;
		for (unsigned k = 0; k < 2; k++)
			found += r.mr[0] == want[k][0] && r.mr[1] == want[k][1];
	}
	check(count >= 2 && count <= L4_NAMES_MAX && found == 2, "LIST of %lu names shows echo and echo.v1",
	      (unsigned long)count);
	finish();
	serve(ep);
}
