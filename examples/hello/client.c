/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hello client: calls the hello server (the endpoint the boot
 * configuration lets it `use`) with its name and prints the answer.
 */
#include "l4lib.h"

#define HELLO_GREET 1

int main(int argc, char **argv)
{
	l4_cap_t server = l4_env_cap("hello");
	const char *me = argc > 1 ? argv[1] : argv[0];

	if (server == L4_CAP_NONE) {
		l4_printf("no \"hello\" endpoint (add `use hello` to the configuration)\n");
		return 1;
	}
	struct l4_utcb *u = l4_utcb();
	unsigned n = 0;
	for (; me[n] && n < 32; n++)
		u->mr[n / 8] = (n % 8 ? u->mr[n / 8] : 0) | (l4_word_t)(unsigned char)me[n] << (8 * (n % 8));
	if (n % 8 == 0)
		u->mr[n / 8] = 0;
	struct l4_result r = l4_call(server, l4_tag(HELLO_GREET, n / 8 + 1, 0), L4_TIMEOUT_NEVER);
	if (r.error || l4_tag_label(r.tag)) {
		l4_printf("call failed (error %lu, label %lu)\n", (unsigned long)r.error,
			  (unsigned long)l4_tag_label(r.tag));
		return 1;
	}
	char answer[65] = { 0 };
	for (unsigned i = 0; i < 8 * l4_tag_words(r.tag) && i < 64; i++)
		answer[i] = (char)(u->mr[i / 8] >> (8 * (i % 8)));
	l4_printf("the server says \"%s\"\n", answer);
	/* A bad request gets an error, not a crash. */
	r = l4_call(server, l4_tag(99, 0, 0), L4_TIMEOUT_NEVER);
	l4_printf("unknown request answered with label %lu\n", (unsigned long)l4_tag_label(r.tag));
	return 0;
}
