/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hello server: a native L4 server in one file. It receives on the
 * endpoint the boot configuration lets it serve ("hello"), answers each
 * call with a greeting for the caller, and tells callers apart by the
 * badge the root task gave each of them. See README.md for how to build,
 * configure and boot it.
 */
#include "l4lib.h"

#define HELLO_GREET 1          /* MR0..: the caller's name, NUL-padded; reply: the greeting */

int main(int argc, char **argv)
{
	l4_cap_t ep = l4_env_cap("hello");
	const char *greeting = argc > 1 ? argv[1] : "hello";

	if (ep == L4_CAP_NONE) {
		l4_printf("no \"hello\" endpoint (add `serve hello` to the configuration)\n");
		return 1;
	}
	l4_printf("serving, greeting with \"%s\"\n", greeting);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (unsigned served = 1;; served++) {
		struct l4_utcb *u = l4_utcb();
		l4_word_t reply;
		if (r.error) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		if (l4_tag_label(r.tag) != HELLO_GREET || l4_tag_words(r.tag) < 1 || l4_tag_words(r.tag) > 4) {
			reply = l4_tag(L4_ENOSYS, 0, 0);      /* unknown request or bad length */
		} else {
			char name[33] = { 0 };
			for (unsigned i = 0; i < 32 && i < 8 * l4_tag_words(r.tag); i++)
				name[i] = (char)(u->mr[i / 8] >> (8 * (i % 8)));
			l4_printf("call %u from client %lu (%s)\n", served, (unsigned long)r.badge,
				  name);
			/* The reply: "GREETING, NAME!" packed into message registers. */
			char text[64];
			unsigned n = 0;
			for (const char *s = greeting; *s && n < 40; s++)
				text[n++] = *s;
			text[n++] = ',';
			text[n++] = ' ';
			for (unsigned i = 0; name[i] && n < 62; i++)
				text[n++] = name[i];
			text[n++] = '!';
			while (n % 8)
				text[n++] = 0;
			for (unsigned i = 0; i < n; i++)
				u->mr[i / 8] = (i % 8 ? u->mr[i / 8] : 0) | (l4_word_t)(unsigned char)text[i] << (8 * (i % 8));
			reply = l4_tag(0, n / 8, 0);
		}
		r = l4_reply_wait(ep, reply, L4_TIMEOUT_NEVER);
	}
}
