/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exercises the console server's protocol (include/l4/console.h) and
 * prints one result line per check: "console-test: NAME: ok" or
 * "... FAIL (...)". argv[1] "input" if this program is the input program.
 */
#include "l4lib.h"
#include <l4/console.h>

static l4_word_t call(l4_cap_t log, l4_word_t label, unsigned words)
{
	struct l4_result r = l4_call(log, l4_tag(label, words, 0), 2000000);

	return r.error ? 1000 + r.error : l4_tag_label(r.tag);
}

static void check(const char *name, l4_word_t got, l4_word_t want)
{
	if (got == want)
		l4_printf("%s: ok\n", name);
	else
		l4_printf("%s: FAIL (got %lu, expected %lu)\n", name, (unsigned long)got, (unsigned long)want);
}

/* Puts text into MR1.. and its length into MR0; returns the word count. */
static unsigned put_text(const char *s)
{
	l4_word_t *mr = l4_utcb()->mr;
	unsigned n = 0;

	for (; s[n]; n++)
		mr[1 + n / 8] = (n % 8 ? mr[1 + n / 8] : 0) | (l4_word_t)(unsigned char)s[n] << (8 * (n % 8));
	mr[0] = n;
	return 1 + (n + 7) / 8;
}

int main(int argc, char **argv)
{
	l4_cap_t log = l4_env_cap("log");
	bool input = argc > 1 && argv[1][0] == 'i';
	l4_word_t *mr = l4_utcb()->mr;

	if (log == L4_CAP_NONE) {
		l4_printf("no log endpoint: FAIL\n");
		return 1;
	}
	/* A line in two writes comes out as one. */
	l4_word_t first = call(log, L4_CONSOLE_WRITE, put_text("first half, "));
	l4_word_t rest = call(log, L4_CONSOLE_WRITE, put_text("second half\n"));
	check("write-part", first, L4_OK);
	check("write-rest", rest, L4_OK);
	mr[0] = 100;                                      /* 100 bytes claimed, 1 word sent */
	check("write-longer-than-message", call(log, L4_CONSOLE_WRITE, 2), L4_EMSG);
	mr[0] = L4_CONSOLE_MAX + 1;
	check("write-over-limit", call(log, L4_CONSOLE_WRITE, 62), L4_EMSG);
	check("write-without-words", call(log, L4_CONSOLE_WRITE, 0), L4_EMSG);
	check("unknown-label", call(log, 77, 0), L4_ENOSYS);
	mr[0] = 16;
	l4_word_t read = call(log, L4_CONSOLE_READ, 1), count = mr[0];   /* (printing uses the MRs) */
	if (input) {
		check("read-as-input-program", read, L4_OK);
		check("read-nothing-typed", count, 0);
		/* A prompt without a line end shows at once (the test types only
		 * when it sees it), then what is typed, echoed after it. */
		l4_printf("type a line> ");
		l4_flush();
		char typed[64];
		unsigned got = 0;
		for (unsigned tries = 0; tries < 100 && (got == 0 || typed[got - 1] != '\r'); tries++) {
			mr[0] = sizeof(typed) - 1 - got;
			if (call(log, L4_CONSOLE_READ, 1) != L4_OK)
				break;
			unsigned n = (unsigned)mr[0];
			for (unsigned i = 0; i < n && got < sizeof(typed) - 1; i++)
				typed[got++] = (char)(mr[1 + i / 8] >> (8 * (i % 8)));
			if (!n)
				l4_sleep_us(100000);
		}
		while (got && (typed[got - 1] == '\r' || typed[got - 1] == '\n'))
			got--;
		typed[got] = 0;
		l4_printf("%s\n", typed);
		l4_printf("typed: \"%s\"\n", typed);
	} else {
		check("read-by-other-program", read, L4_ERIGHTS);
	}
	return 0;
}
