/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for roottask/config.c: the boot configuration parser. Every text
 * is parsed from a heap buffer of exactly its length with no terminator,
 * so AddressSanitizer reports any read past the end; every error is
 * checked for its line number and its exact message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roottask/config.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ERRS 64
#define MSG_LEN 256

/*
 * An assertion for hot paths: Check records the place of every passing
 * ck_assert (a write to its log), which would dominate the random test.
 */
#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond))                              \
			ck_abort_msg(__VA_ARGS__);        \
	} while (0)

struct errs {
	unsigned n;
	unsigned line[MAX_ERRS];
	char msg[MAX_ERRS][MSG_LEN];
};

static struct errs errs;
static struct cfg cfg;

static void collect(void *ctx, unsigned line, const char *message)
{
	struct errs *e = ctx;
	const char *end = memchr(message, '\0', MSG_LEN);

	CHECK(end && end > message, "empty or unterminated message at line %u", line);
	if (e->n < MAX_ERRS) {
		e->line[e->n] = line;
		memcpy(e->msg[e->n], message, (size_t)(end - message) + 1);
	}
	e->n++;
}

/* All collected errors as one string, for failure messages. */
static const char *dump(void)
{
	static char s[MAX_ERRS * (MSG_LEN + 16)];
	size_t o = 0;

	s[0] = '\0';
	for (unsigned i = 0; i < errs.n && i < MAX_ERRS; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "\n  %u: %s", errs.line[i], errs.msg[i]);
	return s;
}

/* Parses len bytes from an exact-size copy without a terminator. */
static unsigned parse_len(const void *text, size_t len)
{
	uint8_t *buf = alloc_copy(text, len);

	memset(&errs, 0, sizeof(errs));
	memset(&cfg, 0xa5, sizeof(cfg));   /* the parser must overwrite all of it */
	unsigned n = cfg_parse((const char *)buf, len, &cfg, collect, &errs);
	free(buf);
	CHECK(n == errs.n, "returned %u errors, reported %u", n, errs.n);
	return n;
}

static unsigned parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void parse_ok(const char *text)
{
	unsigned n = parse(text);

	ck_assert_msg(n == 0, "%u errors:%s", n, dump());
}

/* Parses text and requires exactly `count` errors. */
static void parse_errors(const char *text, unsigned count)
{
	unsigned n = parse(text);

	ck_assert_msg(n == count, "%u errors instead of %u:%s", n, count, dump());
}

#define ASSERT_ERR(i, ln, text)                                                               \
	do {                                                                                  \
		ck_assert_msg(errs.n > (i), "no error %u:%s", (unsigned)(i), dump());         \
		ck_assert_msg(errs.line[i] == (ln) && !strcmp(errs.msg[i], (text)),             \
			      "error %u is \"%u: %s\", expected \"%u: %s\"", (unsigned)(i),   \
			      errs.line[i], errs.msg[i], (unsigned)(ln), (text));             \
	} while (0)

/* Parses text and requires exactly one error: msg at line. */
static void expect_one(const char *text, unsigned line, const char *msg)
{
	parse_errors(text, 1);
	ASSERT_ERR(0, line, msg);
}

static const struct cfg_program *prog(const char *name)
{
	const struct cfg_program *p = cfg_find(&cfg, name);

	ck_assert_msg(p != NULL, "no program '%s'", name);
	return p;
}

/* A growing text for the long inputs. */
static char text[1 << 18];
static size_t text_len;

static void text_reset(void)
{
	text_len = 0;
	text[0] = '\0';
}

__attribute__((format(printf, 1, 2))) static void add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(text + text_len, sizeof(text) - text_len, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof(text) - text_len);
	text_len += (size_t)n;
}

/* The full example of docs/config.md. */
static const char example[] =
	"# A machine with a serial console driver and one Linux guest.\n"
	"cmdline console=com1 loglevel=3\n"
	"\n"
	"program serial                 # the console driver\n"
	"    file     ${BUILD}/serial.elf\n"
	"    priority 200\n"
	"    quota    32K\n"
	"    memory   0\n"
	"    ioports  0x3f8-0x3ff\n"
	"    irq      4\n"
	"    serve    console\n"
	"    input\n"
	"\n"
	"program vmm\n"
	"    file     ${BUILD}/vmm.elf\n"
	"    args     --guest linux \"console=ttyS0 quiet\" --tag \"a \\\"b\\\" \\\\c\"\n"
	"    quota    1M\n"
	"    memory   512M\n"
	"    use      console\n"
	"    vm\n"
	"    module   kernel ${ROOT}/guests/bzImage\n"
	"    module   initrd initrd.img\n"
	"\n"
	"program timer\n"
	"    file     timer.elf\n"
	"    ioports  0x40-0x43 0x61\n"
	"    irq      0 8\n"
	"    use      console\n";

/* ------------------------------------------------------------ valid files */

START_TEST(test_example_every_key)
{
	parse_ok(example);
	ck_assert_str_eq(cfg.cmdline, "console=com1 loglevel=3");
	ck_assert_uint_eq(cfg.count, 3);

	const struct cfg_program *p = prog("serial");
	ck_assert_ptr_eq(p, &cfg.programs[0]);
	ck_assert(p->valid);
	ck_assert_uint_eq(p->line, 4);
	ck_assert_str_eq(p->file, "${BUILD}/serial.elf");
	ck_assert_uint_eq(p->argc, 0);
	ck_assert_uint_eq(p->priority, 200);
	ck_assert_uint_eq(p->quota, 32 << 10);
	ck_assert_uint_eq(p->memory, 0);
	ck_assert_uint_eq(p->nports, 1);
	ck_assert_uint_eq(p->ports[0].first, 0x3f8);
	ck_assert_uint_eq(p->ports[0].last, 0x3ff);
	ck_assert_uint_eq(p->nirqs, 1);
	ck_assert_uint_eq(p->irqs[0], 4);
	ck_assert_uint_eq(p->nserve, 1);
	ck_assert_str_eq(p->serve[0], "console");
	ck_assert_uint_eq(p->nuse, 0);
	ck_assert_uint_eq(p->nmodules, 0);
	ck_assert(p->input);
	ck_assert(!p->vm);

	p = prog("vmm");
	ck_assert(p->valid);
	ck_assert_uint_eq(p->line, 14);
	ck_assert_str_eq(p->file, "${BUILD}/vmm.elf");
	ck_assert_uint_eq(p->argc, 5);
	ck_assert_str_eq(cfg_arg(p, 0), "--guest");
	ck_assert_str_eq(cfg_arg(p, 1), "linux");
	ck_assert_str_eq(cfg_arg(p, 2), "console=ttyS0 quiet");
	ck_assert_str_eq(cfg_arg(p, 3), "--tag");
	ck_assert_str_eq(cfg_arg(p, 4), "a \"b\" \\c");
	ck_assert_ptr_null(cfg_arg(p, 5));
	ck_assert_uint_eq(p->priority, CFG_PRIORITY_DEFAULT);
	ck_assert_uint_eq(p->quota, 1 << 20);
	ck_assert_uint_eq(p->memory, 512ull << 20);
	ck_assert_uint_eq(p->nuse, 1);
	ck_assert_str_eq(p->use[0], "console");
	ck_assert_uint_eq(p->use_line[0], 19);
	ck_assert(p->vm);
	ck_assert(!p->input);
	ck_assert_uint_eq(p->nmodules, 2);
	ck_assert_str_eq(p->modules[0].name, "kernel");
	ck_assert_str_eq(p->modules[0].path, "${ROOT}/guests/bzImage");
	ck_assert_str_eq(p->modules[1].name, "initrd");
	ck_assert_str_eq(p->modules[1].path, "initrd.img");
	ck_assert_str_eq(p->modules[1].args, "");

	p = prog("timer");
	ck_assert(p->valid);
	ck_assert_uint_eq(p->nports, 2);
	ck_assert_uint_eq(p->ports[0].first, 0x40);
	ck_assert_uint_eq(p->ports[0].last, 0x43);
	ck_assert_uint_eq(p->ports[1].first, 0x61);
	ck_assert_uint_eq(p->ports[1].last, 0x61);
	ck_assert_uint_eq(p->nirqs, 2);
	ck_assert_uint_eq(p->irqs[0], 0);
	ck_assert_uint_eq(p->irqs[1], 8);
}
END_TEST

START_TEST(test_defaults)
{
	parse_ok("program a\nfile a.elf\n");
	ck_assert_str_eq(cfg.cmdline, "");
	ck_assert_uint_eq(cfg.count, 1);
	const struct cfg_program *p = prog("a");
	ck_assert(p->valid);
	ck_assert_uint_eq(p->line, 1);
	ck_assert_uint_eq(p->argc, 0);
	ck_assert_ptr_null(cfg_arg(p, 0));
	ck_assert_uint_eq(p->priority, 100);
	ck_assert_uint_eq(p->quota, 256 << 10);
	ck_assert_uint_eq(p->memory, 4 << 20);
	ck_assert_uint_eq(p->nports + p->nirqs + p->nserve + p->nuse + p->nmodules, 0);
	ck_assert(!p->input && !p->vm);
}
END_TEST

START_TEST(test_empty_and_comment_only_files)
{
	static const char *const texts[] = {
		"", "\n", "\n\n\n", "# nothing\n", "   \t  \n\t\n", "# a\n  # b\n\t#c", "\r\n", "#",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(texts); i++) {
		parse_ok(texts[i]);
		ck_assert_uint_eq(cfg.count, 0);
		ck_assert_str_eq(cfg.cmdline, "");
	}
	ck_assert_uint_eq(cfg_parse(NULL, 0, &cfg, collect, &errs), 0);
	ck_assert_uint_eq(cfg.count, 0);
}
END_TEST

START_TEST(test_comments_and_whitespace)
{
	parse_ok("  # heading\n"
		 "\tcmdline\ta=1   b=2 # not=this\n"
		 "program   p#comment right after the name\n"
		 "\t file \"x#y.elf\"   # the # inside quotes is not a comment\n"
		 "args \"c # d\" e\"#\"f a#b   \t\n"
		 "   vm   \n"
		 "#input\n");
	ck_assert_str_eq(cfg.cmdline, "a=1 b=2");
	const struct cfg_program *p = prog("p");
	ck_assert_str_eq(p->file, "x#y.elf");
	ck_assert_uint_eq(p->argc, 3);
	ck_assert_str_eq(cfg_arg(p, 0), "c # d");
	ck_assert_str_eq(cfg_arg(p, 1), "e#f");
	ck_assert_str_eq(cfg_arg(p, 2), "a");   /* "#b" begins a comment */
	ck_assert(p->vm);
	ck_assert(!p->input);
}
END_TEST

START_TEST(test_args_quoting_and_escapes)
{
	/*
	 * Quotes group and may start or end inside a word; inside quotes \" and
	 * \\ are escapes and any other backslash is kept; outside quotes a
	 * backslash is an ordinary character.
	 */
	parse_ok("program p\nfile f\n"
		 "args plain \"two words\" \"q\\\"uote\" \"back\\\\slash\" \"\" 'single' \"\\n stays\" "
		 "out\\\"side mid\"dle pre\"mid\"post \"\\\\\\\"\" x\"\" \"\"y\n");
	const struct cfg_program *p = prog("p");
	static const char *const want[] = {
		"plain", "two words", "q\"uote", "back\\slash", "", "'single'", "\\n stays",
		"out\\side middle", "premidpost", "\\\"", "x", "y",
	};
	ck_assert_uint_eq(p->argc, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_str_eq(cfg_arg(p, i), want[i]);
	ck_assert_ptr_null(cfg_arg(p, ARRAY_SIZE(want)));
	ck_assert_ptr_null(cfg_arg(NULL, 0));
}
END_TEST

START_TEST(test_args_limits)
{
	text_reset();
	add("program p\nfile f\nargs");
	for (unsigned i = 0; i < 16; i++)
		add(" a%u", i);
	add("\n");
	parse_ok(text);
	ck_assert_uint_eq(prog("p")->argc, 16);
	ck_assert_str_eq(cfg_arg(prog("p"), 15), "a15");

	text_reset();
	add("program p\nfile f\nargs");
	for (unsigned i = 0; i < 17; i++)
		add(" a");
	add("\n");
	expect_one(text, 3, "args: more than 16 arguments");
	ck_assert_uint_eq(prog("p")->argc, 0);
	ck_assert(!prog("p")->valid);

	/* 255 bytes in total (15 x 17) is the most; empty args count nothing. */
	text_reset();
	add("program p\nfile f\nargs \"\"");
	for (unsigned i = 0; i < 15; i++)
		add(" %.17s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	add("\n");
	parse_ok(text);
	ck_assert_uint_eq(prog("p")->argc, 16);
	ck_assert_str_eq(cfg_arg(prog("p"), 0), "");
	ck_assert_str_eq(cfg_arg(prog("p"), 15), "bbbbbbbbbbbbbbbbb");

	text_reset();
	add("program p\nfile f\nargs x");
	for (unsigned i = 0; i < 15; i++)
		add(" %.17s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	add("\n");
	expect_one(text, 3, "args: more than 255 bytes in total");
	ck_assert_uint_eq(prog("p")->argc, 0);

	expect_one("program p\nfile f\nargs\n", 3, "args: the value is missing");
	expect_one("program p\nfile f\nargs a\nargs b\n", 4, "args: given twice (first on line 3)");
	ck_assert_str_eq(cfg_arg(prog("p"), 0), "a");
}
END_TEST

START_TEST(test_unclosed_quote)
{
	expect_one("program p\nfile f\nargs \"abc\n", 3, "a double quote is not closed");
	ck_assert(!prog("p")->valid);
	ck_assert_uint_eq(prog("p")->argc, 0);
	/* An escaped quote does not close. */
	expect_one("program p\nfile f\nargs \"abc\\\"\n", 3, "a double quote is not closed");
	/* A file that ends inside quotes. */
	expect_one("program p\nfile \"f", 2, "a double quote is not closed");
	expect_one("program p\nfile f\nargs \"x\\", 3, "a double quote is not closed");
}
END_TEST

/* ------------------------------------------------------------ each key */

START_TEST(test_cmdline)
{
	parse_ok("cmdline console=com1\n");
	ck_assert_str_eq(cfg.cmdline, "console=com1");
	parse_ok("cmdline \"a=1\"   b=\"2\"\n");
	ck_assert_str_eq(cfg.cmdline, "a=1 b=2");

	/* 255 bytes are fine, 256 are not. */
	char line[300];
	memset(line, 'x', sizeof(line));
	memcpy(line, "cmdline ", 8);
	memcpy(line + 8 + 250, " yyyy\n", 6);   /* 250 + 1 + 4 = 255 */
	parse_len(line, 8 + 250 + 6);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(strlen(cfg.cmdline), 255);
	ck_assert_str_eq(cfg.cmdline + 250, " yyyy");
	memcpy(line + 8 + 250, " yyyyy\n", 7);
	parse_len(line, 8 + 250 + 7);
	ck_assert_uint_eq(errs.n, 1);
	ASSERT_ERR(0, 1, "cmdline: longer than 255 bytes");
	ck_assert_str_eq(cfg.cmdline, "");

	expect_one("cmdline\n", 1, "cmdline: the value is missing");
	expect_one("cmdline a\ncmdline b\n", 2, "cmdline: given twice (first on line 1)");
	ck_assert_str_eq(cfg.cmdline, "a");
	expect_one("program p\nfile f\ncmdline a\n", 3,
		   "cmdline: only allowed before the first 'program' line");
	ck_assert(prog("p")->valid);   /* a global mistake, not the program's */
	ck_assert_str_eq(cfg.cmdline, "");
	expect_one("cmdline a \"b c\"\n", 1,
		   "cmdline: 'b c' contains a blank (quotes cannot group kernel words)");
	expect_one("cmdline a \"\"\n", 1, "cmdline: a word is empty");
}
END_TEST

START_TEST(test_program_names)
{
	static const char *const good[] = { "a", "z9", "vmm-linux_2", "abcdefghijklmno", "a-", "b_" };

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		text_reset();
		add("program %s\nfile f\n", good[i]);
		parse_ok(text);
		ck_assert(prog(good[i])->valid);
		ck_assert_str_eq(cfg.programs[0].name, good[i]);
	}

	static const char *const bad[] = { "A", "Vmm", "9a", "-a", "_a", "abcdefghijklmnop", "a.b",
					   "a/b", "a+b", "\"\"", "\"a b\"", "\"a\tb\"" };
	static const char *const shown[] = { "A", "Vmm", "9a", "-a", "_a", "abcdefghijklmnop", "a.b",
					     "a/b", "a+b", "", "a b", "a\tb" };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[200];
		text_reset();
		add("program %s\nfile f\n", bad[i]);
		snprintf(want, sizeof(want),
			 "program: '%s' is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)",
			 shown[i]);
		expect_one(text, 1, want);
		ck_assert_uint_eq(cfg.count, 1);
		ck_assert(!cfg.programs[0].valid);
		ck_assert_str_eq(cfg.programs[0].name, "");
		ck_assert_str_eq(cfg.programs[0].file, "f");   /* the block still takes its lines */
	}

	static const char *const reserved[] = { "config", "kernel", "sigma0", "roottask" };
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
		char want[200];
		text_reset();
		add("program %s\nfile f\n", reserved[i]);
		snprintf(want, sizeof(want), "program: '%s' is reserved (the name of another boot module)",
			 reserved[i]);
		expect_one(text, 1, want);
		ck_assert_ptr_null(cfg_find(&cfg, reserved[i]));
		ck_assert(!cfg.programs[0].valid);
	}

	expect_one("program\nfile f\n", 1, "program: the NAME is missing");
	expect_one("program a b\nfile f\n", 1, "program: takes one NAME");
	ck_assert_uint_eq(cfg.count, 1);
	ck_assert(!cfg.programs[0].valid);
}
END_TEST

START_TEST(test_duplicate_program_names)
{
	parse_errors("program a\nfile a1\n\nprogram b\nfile b\nprogram a\nfile a2\npriority 5\n", 1);
	ASSERT_ERR(0, 6, "program: 'a' is already defined on line 1");
	ck_assert_uint_eq(cfg.count, 3);
	/* cfg_find gives the first; the second is invalid, the others valid. */
	ck_assert_ptr_eq(prog("a"), &cfg.programs[0]);
	ck_assert_str_eq(prog("a")->file, "a1");
	ck_assert(prog("a")->valid);
	ck_assert(prog("b")->valid);
	ck_assert(!cfg.programs[2].valid);
	ck_assert_str_eq(cfg.programs[2].file, "a2");
	ck_assert_uint_eq(cfg.programs[2].priority, 5);
}
END_TEST

START_TEST(test_file)
{
	expect_one("program a\npriority 3\n", 1, "file: missing (every program needs one)");
	ck_assert(!prog("a")->valid);
	/* Reported at each block's own `program` line, also for the last. */
	parse_errors("program a\nprogram b\nfile b\nprogram c\n", 2);
	ASSERT_ERR(0, 1, "file: missing (every program needs one)");
	ASSERT_ERR(1, 4, "file: missing (every program needs one)");
	ck_assert(!prog("a")->valid);
	ck_assert(prog("b")->valid);
	ck_assert(!prog("c")->valid);

	expect_one("program a\nfile\n", 2, "file: the value is missing");
	expect_one("program a\nfile x y\n", 2, "file: takes one PATH");
	expect_one("program a\nfile x\nfile y\n", 3, "file: given twice (first on line 2)");
	ck_assert_str_eq(prog("a")->file, "x");
	expect_one("program a\nfile \"\"\n", 2, "file: the path is empty");
	expect_one("program a\nfile \"a\tb\"\n", 2, "file: 'a\tb' contains a tab");
	parse_ok("program a\nfile \"/my dir/a.elf\"\n");
	ck_assert_str_eq(prog("a")->file, "/my dir/a.elf");

	char path[300];
	memset(path, 'p', sizeof(path));
	path[255] = '\0';
	text_reset();
	add("program a\nfile %s\n", path);
	parse_ok(text);
	ck_assert_str_eq(prog("a")->file, path);
	path[255] = 'p';
	path[256] = '\0';
	text_reset();
	add("program a\nfile %s\n", path);
	expect_one(text, 2, "file: 'pppppppppppppppppppppppppppppppppppppppp...' is longer than 255 bytes");
	ck_assert_str_eq(prog("a")->file, "");
	ck_assert(!prog("a")->valid);
}
END_TEST

START_TEST(test_priority)
{
	static const struct {
		const char *v;
		unsigned want;
	} ok[] = { { "1", 1 }, { "254", 254 }, { "0x10", 16 }, { "0XfE", 254 }, { "007", 7 } };

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		text_reset();
		add("program a\nfile f\npriority %s\n", ok[i].v);
		parse_ok(text);
		ck_assert_uint_eq(prog("a")->priority, ok[i].want);
	}

	static const struct {
		const char *v, *msg;
	} bad[] = {
		{ "0", "priority: '0' is not in 1..254" },
		{ "255", "priority: '255' is not in 1..254" },
		{ "300", "priority: '300' is not in 1..254" },
		{ "0x100", "priority: '0x100' is not in 1..254" },
		{ "99999999999999999999999", "priority: '99999999999999999999999' is not a number" },
		{ "abc", "priority: 'abc' is not a number" },
		{ "-1", "priority: '-1' is not a number" },
		{ "+1", "priority: '+1' is not a number" },
		{ "1K", "priority: '1K' is not a number" },
		{ "0x", "priority: '0x' is not a number" },
		{ "12a", "priority: '12a' is not a number" },
		{ "\"\"", "priority: '' is not a number" },
		{ "1 2", "priority: takes one number" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		text_reset();
		add("program a\nfile f\npriority %s\n", bad[i].v);
		expect_one(text, 3, bad[i].msg);
		ck_assert_uint_eq(prog("a")->priority, 100);
		ck_assert(!prog("a")->valid);
	}
	expect_one("program a\nfile f\npriority\n", 3, "priority: the value is missing");
	expect_one("program a\nfile f\npriority 3\npriority 4\n", 4,
		   "priority: given twice (first on line 3)");
	ck_assert_uint_eq(prog("a")->priority, 3);
	/* A bad first line still counts as given. */
	parse_errors("program a\nfile f\npriority x\npriority 4\n", 2);
	ASSERT_ERR(0, 3, "priority: 'x' is not a number");
	ASSERT_ERR(1, 4, "priority: given twice (first on line 3)");
}
END_TEST

/* cpus N and cpu C...: a VM's vCPUs and their host CPUs. */
START_TEST(test_vcpus)
{
	parse_ok("program a\nfile f\nvm\n");
	ck_assert_uint_eq(prog("a")->vcpus, 1);
	ck_assert_uint_eq(prog("a")->nvcpu_host, 0);
	parse_ok("program a\nfile f\nvm\ncpus 4\ncpu 3 1\n");
	ck_assert_uint_eq(prog("a")->vcpus, 4);
	ck_assert_uint_eq(prog("a")->nvcpu_host, 2);
	ck_assert_uint_eq(prog("a")->vcpu_host[0], 3);
	ck_assert_uint_eq(prog("a")->vcpu_host[1], 1);
	parse_ok("program a\nfile f\ncpus 8\ncpu 0 1 2 3 4 5 6 255\n");
	ck_assert_uint_eq(prog("a")->vcpus, 8);
	ck_assert_uint_eq(prog("a")->vcpu_host[7], 255);

	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "cpus 0", "cpus: '0' is not in 1..8" },
		{ "cpus 9", "cpus: '9' is not in 1..8" },
		{ "cpus two", "cpus: 'two' is not a number" },
		{ "cpus 1 2", "cpus: takes one number" },
		{ "cpus", "cpus: the value is missing" },
		{ "cpu x", "cpu: 'x' is not a CPU number (0..255)" },
		{ "cpu 256", "cpu: '256' is not a CPU number (0..255)" },
		{ "cpu 0 1 2 3 4 5 6 7 8", "cpu: takes at most 8 CPU numbers (one per vCPU)" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		text_reset();
		add("program a\nfile f\nvm\n%s\n", bad[i].line);
		expect_one(text, 4, bad[i].msg);
		ck_assert(!prog("a")->valid);
	}
	expect_one("program a\nfile f\ncpus 2\ncpus 3\n", 4, "cpus: given twice (first on line 3)");
}
END_TEST

/* after NAME: starts when NAME has ended; NAME must be another program of
 * the file, and no chain of them may come back (nothing in it would start). */
START_TEST(test_after)
{
	parse_ok("program a\nfile f\nprogram b\nfile f\nafter a\nprogram c\nfile f\nafter b\n");
	ck_assert_str_eq(prog("a")->after, "");
	ck_assert_str_eq(prog("b")->after, "a");
	ck_assert_str_eq(prog("c")->after, "b");
	/* (Before its program's block, too.) */
	parse_ok("program b\nfile f\nafter a\nprogram a\nfile f\n");
	ck_assert_str_eq(prog("b")->after, "a");

	expect_one("program a\nfile f\nafter x\n", 3, "after: 'x' is no program of the file");
	ck_assert(!prog("a")->valid);
	expect_one("program a\nfile f\nafter a\n", 3, "after: 'a' is the program itself");
	expect_one("program a\nfile f\nafter a b\n", 3, "after: takes one program name");
	expect_one("program a\nfile f\nafter\n", 3, "after: the value is missing");
	expect_one("program a\nfile f\nafter A\n", 3,
		   "after: 'A' is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)");
	expect_one("program a\nfile f\nafter b\nafter b\nprogram b\nfile f\n", 4,
		   "after: given twice (first on line 3)");
	/* A cycle: each of its programs is reported; one that leads into it too. */
	parse_errors("program a\nfile f\nafter b\nprogram b\nfile f\nafter a\nprogram c\nfile f\nafter a\n"
		     "program d\nfile f\n", 3);
	ASSERT_ERR(0, 3, "after: 'b' comes back to this program (a cycle)");
	ASSERT_ERR(1, 6, "after: 'a' comes back to this program (a cycle)");
	ASSERT_ERR(2, 9, "after: 'a' leads into a cycle");
	ck_assert(!prog("a")->valid && !prog("b")->valid && !prog("c")->valid);
	ck_assert(prog("d")->valid);
}
END_TEST

START_TEST(test_quota_and_memory_sizes)
{
	static const struct {
		const char *v;
		uint64_t want;
	} quota_ok[] = {
		{ "16K", 16 << 10 }, { "16k", 16 << 10 }, { "16384", 16384 }, { "0x4000", 0x4000 },
		{ "1G", 1 << 30 }, { "1g", 1 << 30 }, { "1024M", 1 << 30 }, { "0x10K", 16 << 10 },
		{ "1073741824", 1 << 30 }, { "0x40000000", 1 << 30 }, { "3m", 3 << 20 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(quota_ok); i++) {
		text_reset();
		add("program a\nfile f\nquota %s\n", quota_ok[i].v);
		parse_ok(text);
		ck_assert_uint_eq(prog("a")->quota, quota_ok[i].want);
	}

	static const struct {
		const char *key, *v, *msg;
	} bad[] = {
		{ "quota", "15K", "quota: '15K' is not in 16K..1G" },
		{ "quota", "16383", "quota: '16383' is not in 16K..1G" },
		{ "quota", "0", "quota: '0' is not in 16K..1G" },
		{ "quota", "1073741825", "quota: '1073741825' is not in 16K..1G" },
		{ "quota", "2G", "quota: '2G' is not in 16K..1G" },
		{ "quota", "1025M", "quota: '1025M' is not in 16K..1G" },
		{ "quota", "12X", "quota: '12X' is not a size (a number with an optional K, M or G)" },
		{ "quota", "K", "quota: 'K' is not a size (a number with an optional K, M or G)" },
		{ "quota", "1KB", "quota: '1KB' is not a size (a number with an optional K, M or G)" },
		{ "quota", "1 K", "quota: takes one SIZE" },
		{ "quota", "0xG", "quota: '0xG' is not a size (a number with an optional K, M or G)" },
		{ "quota", "1.5M", "quota: '1.5M' is not a size (a number with an optional K, M or G)" },
		{ "quota", "17179869184G",
		  "quota: '17179869184G' is not a size (a number with an optional K, M or G)" },
		{ "quota", "0x10000000000000000",
		  "quota: '0x10000000000000000' is not a size (a number with an optional K, M or G)" },
		{ "memory", "65G", "memory: '65G' is not in 0..64G" },
		{ "memory", "68719476737", "memory: '68719476737' is not in 0..64G" },
		{ "memory", "4T", "memory: '4T' is not a size (a number with an optional K, M or G)" },
		{ "memory", "-1", "memory: '-1' is not a size (a number with an optional K, M or G)" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		text_reset();
		add("program a\nfile f\n%s %s\n", bad[i].key, bad[i].v);
		expect_one(text, 3, bad[i].msg);
		ck_assert_uint_eq(prog("a")->quota, 256 << 10);
		ck_assert_uint_eq(prog("a")->memory, 4 << 20);
		ck_assert(!prog("a")->valid);
	}

	parse_ok("program a\nfile f\nmemory 0\n");
	ck_assert_uint_eq(prog("a")->memory, 0);
	parse_ok("program a\nfile f\nmemory 64G\n");
	ck_assert_uint_eq(prog("a")->memory, 64ull << 30);
	parse_ok("program a\nfile f\nmemory 68719476736\n");
	ck_assert_uint_eq(prog("a")->memory, 64ull << 30);
	expect_one("program a\nfile f\nmemory\n", 3, "memory: the value is missing");
	expect_one("program a\nfile f\nquota 1M\nquota 2M\n", 4, "quota: given twice (first on line 3)");
	expect_one("program a\nfile f\nmemory 1M\n\nmemory 2M\n", 5, "memory: given twice (first on line 3)");
}
END_TEST

START_TEST(test_ioports)
{
	parse_ok("program a\nfile f\nioports 0 0xFFFF 0x60-0x64\nioports 1-2 65534\nioports 0x100-0x1ff\n");
	const struct cfg_program *p = prog("a");
	ck_assert_uint_eq(p->nports, 6);
	static const struct cfg_range want[] = {
		{ 0, 0 }, { 0xffff, 0xffff }, { 0x60, 0x64 }, { 1, 2 }, { 65534, 65534 }, { 0x100, 0x1ff },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_uint_eq(p->ports[i].first, want[i].first);
		ck_assert_uint_eq(p->ports[i].last, want[i].last);
	}
	parse_ok("program a\nfile f\nioports 0-0xffff\n");
	ck_assert_uint_eq(prog("a")->ports[0].first, 0);
	ck_assert_uint_eq(prog("a")->ports[0].last, 0xffff);

	static const struct {
		const char *v, *msg;
	} bad[] = {
		{ "0x10000", "ioports: '0x10000' is not in 0..0xFFFF" },
		{ "65536", "ioports: '65536' is not in 0..0xFFFF" },
		{ "0xfff0-0x10000", "ioports: '0xfff0-0x10000' is not in 0..0xFFFF" },
		{ "5-3", "ioports: '5-3' has FIRST > LAST" },
		{ "1-", "ioports: '1-' is not a PORT or FIRST-LAST" },
		{ "-1", "ioports: '-1' is not a PORT or FIRST-LAST" },
		{ "-", "ioports: '-' is not a PORT or FIRST-LAST" },
		{ "1-2-3", "ioports: '1-2-3' is not a PORT or FIRST-LAST" },
		{ "com1", "ioports: 'com1' is not a PORT or FIRST-LAST" },
		{ "1K", "ioports: '1K' is not a PORT or FIRST-LAST" },
		{ "1..2", "ioports: '1..2' is not a PORT or FIRST-LAST" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		text_reset();
		add("program a\nfile f\nioports 0x80 %s 0x90\n", bad[i].v);
		expect_one(text, 3, bad[i].msg);
		/* The line's good ranges are kept; the program is invalid. */
		ck_assert_uint_eq(prog("a")->nports, 2);
		ck_assert(!prog("a")->valid);
	}
	/* Several bad values: one error each. */
	parse_errors("program a\nfile f\nioports x 0x10000 3-2\n", 3);
	ASSERT_ERR(0, 3, "ioports: 'x' is not a PORT or FIRST-LAST");
	ASSERT_ERR(1, 3, "ioports: '0x10000' is not in 0..0xFFFF");
	ASSERT_ERR(2, 3, "ioports: '3-2' has FIRST > LAST");
	expect_one("program a\nfile f\nioports\n", 3, "ioports: the value is missing");
	/* Within one program, an overlap is a mistake too. */
	expect_one("program a\nfile f\nioports 0x3f8-0x3ff\nioports 0x3fa\n", 4,
		   "ioports: '0x3fa' overlaps 0x3f8-0x3ff, given before");
}
END_TEST

START_TEST(test_ioports_limit)
{
	text_reset();
	add("program a\nfile f\n");
	for (unsigned i = 0; i < 16; i++)
		add("ioports %u\n", 0x100 + i);
	parse_ok(text);
	ck_assert_uint_eq(prog("a")->nports, 16);

	add("ioports 0x200\n");
	expect_one(text, 19, "ioports: more than 16 ranges");
	ck_assert_uint_eq(prog("a")->nports, 16);
	ck_assert(!prog("a")->valid);

	/* 17 on one line: one error for the line. */
	text_reset();
	add("program a\nfile f\nioports");
	for (unsigned i = 0; i < 18; i++)
		add(" %u", 10 * i);
	add("\n");
	expect_one(text, 3, "ioports: more than 16 ranges");
}
END_TEST

START_TEST(test_ports_given_to_two_programs)
{
	static const char *const second[] = { "0x3f8", "0x3ff", "0x3f0-0x3f8", "0x3fc-0x400", "0-0xffff" };

	for (unsigned i = 0; i < ARRAY_SIZE(second); i++) {
		char want[160];
		text_reset();
		add("program serial\nfile f\nioports 0x3f8-0x3ff\n\nprogram b\nfile g\nioports 0x60 %s\n",
		    second[i]);
		snprintf(want, sizeof(want), "ioports: '%s' overlaps 0x3f8-0x3ff, given to 'serial'", second[i]);
		expect_one(text, 7, want);
		ck_assert(prog("serial")->valid);
		ck_assert(!prog("b")->valid);
		ck_assert_uint_eq(prog("b")->nports, 1);
	}
	/* Adjacent ranges do not overlap. */
	parse_ok("program a\nfile f\nioports 0x3f8-0x3ff\nprogram b\nfile g\nioports 0x3f0-0x3f7 0x400\n");
	/* A single port against a single port, and the first program of three. */
	expect_one("program a\nfile f\nioports 0x61\nprogram b\nfile g\nprogram c\nfile h\nioports 0x61\n",
		   8, "ioports: '0x61' overlaps 0x61, given to 'a'");
	ck_assert(prog("a")->valid && prog("b")->valid && !prog("c")->valid);
}
END_TEST

START_TEST(test_irq)
{
	parse_ok("program a\nfile f\nirq 0 255 0x10\nirq 9\n");
	const struct cfg_program *p = prog("a");
	ck_assert_uint_eq(p->nirqs, 4);
	ck_assert_uint_eq(p->irqs[0], 0);
	ck_assert_uint_eq(p->irqs[1], 255);
	ck_assert_uint_eq(p->irqs[2], 16);
	ck_assert_uint_eq(p->irqs[3], 9);

	expect_one("program a\nfile f\nirq 256\n", 3, "irq: '256' is not in 0..255");
	expect_one("program a\nfile f\nirq 0x100\n", 3, "irq: '0x100' is not in 0..255");
	expect_one("program a\nfile f\nirq 1 two 3\n", 3, "irq: 'two' is not a number");
	ck_assert_uint_eq(prog("a")->nirqs, 2);
	expect_one("program a\nfile f\nirq -1\n", 3, "irq: '-1' is not a number");
	expect_one("program a\nfile f\nirq\n", 3, "irq: the value is missing");
	expect_one("program a\nfile f\nirq 4\nirq 4\n", 4, "irq: '4' is given twice");

	text_reset();
	add("program a\nfile f\nirq 0 1 2 3\nirq 4 5 6 7\n");
	parse_ok(text);
	ck_assert_uint_eq(prog("a")->nirqs, 8);
	add("irq 8\n");
	expect_one(text, 5, "irq: more than 8 lines");
	ck_assert_uint_eq(prog("a")->nirqs, 8);
	ck_assert(!prog("a")->valid);

	expect_one("program serial\nfile f\nirq 4\nprogram b\nfile g\nirq 3 4\n", 6,
		   "irq: '4' is already given to 'serial'");
	ck_assert(prog("serial")->valid);
	ck_assert(!prog("b")->valid);
	ck_assert_uint_eq(prog("b")->nirqs, 1);
	ck_assert_uint_eq(prog("b")->irqs[0], 3);
}
END_TEST

START_TEST(test_serve_and_use)
{
	/* A use may come before the server's block. */
	parse_ok("program client\nfile c\nuse disk net\nprogram disk\nfile d\nserve disk\n"
		 "program net\nfile n\nserve net net2\nserve net3\nuse disk\n");
	ck_assert_uint_eq(prog("client")->nuse, 2);
	ck_assert_str_eq(prog("client")->use[1], "net");
	ck_assert_uint_eq(prog("client")->use_line[1], 3);
	ck_assert_uint_eq(prog("net")->nserve, 3);
	ck_assert_str_eq(prog("net")->serve[2], "net3");
	/* Endpoint names are separate from program names. */
	parse_ok("program a\nfile f\nserve b\nuse b\nprogram b\nfile g\nuse b\n");

	expect_one("program a\nfile f\nuse x\n", 3, "endpoint 'x' used by 'a' (line 3) is served by no program");
	ck_assert(!prog("a")->valid);
	parse_errors("program a\nfile f\nuse x y\nprogram b\nfile g\nserve y\nprogram c\nfile h\n\nuse z x\n", 3);
	ASSERT_ERR(0, 3, "endpoint 'x' used by 'a' (line 3) is served by no program");
	ASSERT_ERR(1, 10, "endpoint 'z' used by 'c' (line 10) is served by no program");
	ASSERT_ERR(2, 10, "endpoint 'x' used by 'c' (line 10) is served by no program");
	ck_assert(!prog("a")->valid);
	ck_assert(prog("b")->valid);
	ck_assert(!prog("c")->valid);

	expect_one("program a\nfile f\nserve console\nprogram b\nfile g\nserve disk console\n", 6,
		   "serve: 'console' is already served by 'a'");
	ck_assert(prog("a")->valid);
	ck_assert(!prog("b")->valid);
	ck_assert_uint_eq(prog("b")->nserve, 1);
	expect_one("program a\nfile f\nserve x\nserve x\n", 4, "serve: 'x' is given twice");
	expect_one("program a\nfile f\nserve x\nuse y y\nprogram b\nfile g\nserve y\n", 4,
		   "use: 'y' is given twice");
	expect_one("program a\nfile f\nserve Console\n", 3,
		   "serve: 'Console' is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)");
	expect_one("program a\nfile f\nserve x\nuse x.y\n", 4,
		   "use: 'x.y' is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)");
	expect_one("program a\nfile f\nserve\n", 3, "serve: the value is missing");
	expect_one("program a\nfile f\nuse\n", 3, "use: the value is missing");

	parse_ok("program a\nfile f\nserve a b c\nserve d\n");
	expect_one("program a\nfile f\nserve a b c\nserve d e\n", 4, "serve: more than 4 endpoints");
	ck_assert_uint_eq(prog("a")->nserve, 4);
	parse_ok("program a\nfile f\nserve a b c d\nuse a b c d\nuse a1 b1 c1\n"
		 "program b\nfile g\nserve a1 b1 c1 d1\nuse d1\n");
	ck_assert_uint_eq(prog("a")->nuse, 7);
	expect_one("program a\nfile f\nserve a b c d\nuse a b c d\nuse a1 b1 c1 d1 e1\n"
		   "program b\nfile g\nserve a1 b1 c1 d1\n",
		   5, "use: more than 8 endpoints");
	ck_assert_uint_eq(prog("a")->nuse, 8);
}
END_TEST

START_TEST(test_module)
{
	parse_ok("program vmm\nfile f\nmodule kernel ${ROOT}/bzImage\nmodule initrd \"my initrd.img\"\n");
	ck_assert_uint_eq(prog("vmm")->nmodules, 2);
	ck_assert_str_eq(prog("vmm")->modules[1].name, "initrd");
	ck_assert_str_eq(prog("vmm")->modules[1].path, "my initrd.img");
	ck_assert_str_eq(prog("vmm")->modules[0].args, "");
	ck_assert_str_eq(prog("vmm")->modules[1].args, "");

	expect_one("program a\nfile f\nmodule\n", 3, "module: the value is missing");
	expect_one("program a\nfile f\nmodule kernel\n", 3,
		   "module: takes a NAME, a PATH and optional arguments");
	expect_one("program a\nfile f\nmodule Kernel k\n", 3,
		   "module: 'Kernel' is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)");
	expect_one("program a\nfile f\nmodule k \"\"\n", 3, "module: the path is empty");
	expect_one("program a\nfile f\nmodule k x\nmodule k y\n", 4, "module: 'k' is given twice");
	ck_assert_str_eq(prog("a")->modules[0].path, "x");
	ck_assert_uint_eq(prog("a")->nmodules, 1);
	/* Two programs may each have a module of the same name. */
	parse_ok("program a\nfile f\nmodule k x\nprogram b\nfile g\nmodule k x\n");

	text_reset();
	add("program a\nfile f\n");
	for (unsigned i = 0; i < 4; i++)
		add("module m%u path%u\n", i, i);
	parse_ok(text);
	ck_assert_uint_eq(prog("a")->nmodules, 4);
	ck_assert_str_eq(prog("a")->modules[3].path, "path3");
	add("module m4 path4\n");
	expect_one(text, 7, "module: more than 4 modules");
	ck_assert_uint_eq(prog("a")->nmodules, 4);
}
END_TEST

/* module NAME PATH ARG...: the rest of the line, words joined by one space. */
START_TEST(test_module_args)
{
	parse_ok("program g\nfile f\n"
		 "module kernel k.elf\n"
		 "module one m1.txt first module\t  string   # a comment\n"
		 "module two m2.bin \"a  b\" c\"#\"d \"\\\"q\\\"\"\n"
		 "module three m3 x\n");
	const struct cfg_program *p = prog("g");
	ck_assert_uint_eq(p->nmodules, 4);
	ck_assert_str_eq(p->modules[0].name, "kernel");
	ck_assert_str_eq(p->modules[0].args, "");
	ck_assert_str_eq(p->modules[1].name, "one");
	ck_assert_str_eq(p->modules[1].path, "m1.txt");
	ck_assert_str_eq(p->modules[1].args, "first module string");
	ck_assert_str_eq(p->modules[2].name, "two");
	ck_assert_str_eq(p->modules[2].path, "m2.bin");
	ck_assert_str_eq(p->modules[2].args, "a  b c#d \"q\"");
	ck_assert_str_eq(p->modules[3].args, "x");

	/* Exactly CFG_MODULE_ARGS_MAX bytes fit, one more does not. */
	char arg[CFG_MODULE_ARGS_MAX + 2];
	memset(arg, 'a', sizeof(arg));
	arg[CFG_MODULE_ARGS_MAX] = '\0';
	text_reset();
	add("program g\nfile f\nmodule m path %s\n", arg);
	parse_ok(text);
	ck_assert_uint_eq(strlen(prog("g")->modules[0].args), CFG_MODULE_ARGS_MAX);
	ck_assert_str_eq(prog("g")->modules[0].args, arg);
	text_reset();
	add("program g\nfile f\nmodule m path %.*s b\n", CFG_MODULE_ARGS_MAX - 2, arg);
	parse_ok(text);
	ck_assert_uint_eq(strlen(prog("g")->modules[0].args), CFG_MODULE_ARGS_MAX);

	arg[CFG_MODULE_ARGS_MAX] = 'a';
	arg[CFG_MODULE_ARGS_MAX + 1] = '\0';
	text_reset();
	add("program g\nfile f\nmodule m path %s\nmodule n path2\n", arg);
	expect_one(text, 3, "module: 'm' has arguments longer than 127 bytes");
	ck_assert(!prog("g")->valid);
	ck_assert_uint_eq(prog("g")->nmodules, 1);   /* the bad one is not kept */
	ck_assert_str_eq(prog("g")->modules[0].name, "n");
	/* The joining space counts. */
	text_reset();
	add("program g\nfile f\nmodule m path %.*s b\n", CFG_MODULE_ARGS_MAX - 1, arg);
	expect_one(text, 3, "module: 'm' has arguments longer than 127 bytes");
	/* Many words, each short: the total counts. */
	text_reset();
	add("program g\nfile f\nmodule m path");
	for (unsigned i = 0; i < 100; i++)
		add(" w%u", i);
	add("\n");
	expect_one(text, 3, "module: 'm' has arguments longer than 127 bytes");
	/* A line of arguments near the line's limit (511 bytes). */
	text_reset();
	add("program g\nfile f\nmodule m path");
	while (text_len < 2 * 9 + 500)
		add(" x");
	add("\n");
	expect_one(text, 3, "module: 'm' has arguments longer than 127 bytes");

	expect_one("program a\nfile f\nmodule m path a \"\" b\n", 3,
		   "module: 'm' has an empty argument");
	expect_one("program a\nfile f\nmodule m path \"unclosed\n", 3,
		   "a double quote is not closed");
	ck_assert_uint_eq(prog("a")->nmodules, 0);
}
END_TEST

START_TEST(test_input_and_vm)
{
	parse_ok("program a\nfile f\ninput\nvm\n");
	ck_assert(prog("a")->input && prog("a")->vm);
	expect_one("program a\nfile f\ninput yes\n", 3, "input: 'yes' is not allowed: the key takes no value");
	ck_assert(!prog("a")->input);
	expect_one("program a\nfile f\nvm 1\n", 3, "vm: '1' is not allowed: the key takes no value");
	ck_assert(!prog("a")->vm);
	expect_one("program a\nfile f\nvm\nvm\n", 4, "vm: given twice (first on line 3)");
	expect_one("program a\nfile f\ninput\ninput\n", 4, "input: given twice (first on line 3)");
	expect_one("program a\nfile f\ninput\nprogram b\nfile g\ninput\n", 6, "input: already given to 'a'");
	ck_assert(prog("a")->input && prog("a")->valid);
	ck_assert(!prog("b")->input && !prog("b")->valid);
	/* vm is not exclusive. */
	parse_ok("program a\nfile f\nvm\nprogram b\nfile g\nvm\n");
	/* debug: a flag of its own, off unless given. */
	parse_ok("program a\nfile f\ndebug\nprogram b\nfile g\n");
	ck_assert(prog("a")->debug && !prog("a")->vm && !prog("a")->input);
	ck_assert(!prog("b")->debug);
	expect_one("program a\nfile f\ndebug on\n", 3, "debug: 'on' is not allowed: the key takes no value");
	ck_assert(!prog("a")->debug);
	expect_one("program a\nfile f\ndebug\ndebug\n", 4, "debug: given twice (first on line 3)");
}
END_TEST

START_TEST(test_unknown_and_misplaced_keys)
{
	expect_one("program a\nfile f\nprio 3\n", 3, "unknown key 'prio'");
	ck_assert(!prog("a")->valid);
	expect_one("program a\nfile f\nFile g\n", 3, "unknown key 'File'");
	expect_one("frob x\nprogram a\nfile f\n", 1, "unknown key 'frob'");
	ck_assert(prog("a")->valid);
	expect_one("\"\" x\nprogram a\nfile f\n", 1, "unknown key ''");
	expect_one("priority 3\nprogram a\nfile f\n", 1,
		   "priority: only allowed in a program block (after a 'program' line)");
	ck_assert_uint_eq(prog("a")->priority, 100);
	expect_one("file x\nprogram a\nfile f\n", 1,
		   "file: only allowed in a program block (after a 'program' line)");
	expect_one("vm\n", 1, "vm: only allowed in a program block (after a 'program' line)");
	expect_one("program a\nfile f\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1\n", 3,
		   "unknown key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
}
END_TEST

/* ------------------------------------------------------------ the text */

START_TEST(test_crlf_line_endings)
{
	char crlf[sizeof(example) * 2];
	size_t n = 0;

	for (size_t i = 0; example[i]; i++) {
		if (example[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = example[i];
	}
	ck_assert_uint_eq(parse_len(crlf, n), 0);
	ck_assert_str_eq(cfg.cmdline, "console=com1 loglevel=3");
	ck_assert_uint_eq(cfg.count, 3);
	ck_assert_str_eq(prog("serial")->file, "${BUILD}/serial.elf");
	ck_assert(prog("serial")->input);
	ck_assert_str_eq(prog("vmm")->modules[1].path, "initrd.img");
	ck_assert_str_eq(cfg_arg(prog("vmm"), 4), "a \"b\" \\c");
	ck_assert_uint_eq(prog("timer")->line, 24);
	ck_assert_uint_eq(prog("timer")->irqs[1], 8);

	/* A CR without LF is a control character; at the very end it ends the line. */
	parse_ok("program a\r\nfile f\r\nvm\r");
	ck_assert(prog("a")->vm);
	expect_one("program a\nfile f\nargs x\ry\n", 3, "the line contains the control character 0xd");
	expect_one("program a\nfile f\nvm\r\r\n", 3, "the line contains the control character 0xd");
}
END_TEST

START_TEST(test_text_not_terminated)
{
	/* The last byte of the buffer ends a word: nothing may be read after it. */
	static const char t1[] = { 'p', 'r', 'o', 'g', 'r', 'a', 'm', ' ', 'a', '\n',
				   'f', 'i', 'l', 'e', ' ', 'x' };
	ck_assert_uint_eq(parse_len(t1, sizeof(t1)), 0);
	ck_assert_str_eq(prog("a")->file, "x");

	static const char t2[] = { 'p', 'r', 'o', 'g', 'r', 'a', 'm', ' ', 'a', '\n', 'f', 'i',
				   'l', 'e', ' ', 'x', '\n', 'a', 'r', 'g', 's', ' ', '"', '\\' };
	ck_assert_uint_eq(parse_len(t2, sizeof(t2)), 1);
	ASSERT_ERR(0, 3, "a double quote is not closed");

	static const char t3[] = { 'p', 'r', 'o', 'g', 'r', 'a', 'm' };
	ck_assert_uint_eq(parse_len(t3, sizeof(t3)), 2);
	ASSERT_ERR(0, 1, "program: the NAME is missing");
	ASSERT_ERR(1, 1, "file: missing (every program needs one)");

	/* Every prefix of the example parses without reading past its end. */
	for (size_t n = 0; n <= strlen(example); n++) {
		unsigned e = parse_len(example, n);
		ck_assert_uint_le(cfg.count, 3);
		ck_assert_uint_eq(e, errs.n);
	}
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char t[] = "program a\nfile f\nargs x\0y\npriority 7\nprogram b\nfile g\n";

	ck_assert_uint_eq(parse_len(t, sizeof(t) - 1), 1);
	ASSERT_ERR(0, 3, "the line contains a NUL byte");
	ck_assert(!prog("a")->valid);
	ck_assert_uint_eq(prog("a")->argc, 0);
	ck_assert_uint_eq(prog("a")->priority, 7);
	ck_assert(prog("b")->valid);

	/* A broken `program` line still starts its block: b stays valid. */
	static const char t2[] = "program b\nfile g\nprogram c\0\nfile h\npriority 3\n";
	ck_assert_uint_eq(parse_len(t2, sizeof(t2) - 1), 1);
	ASSERT_ERR(0, 3, "the line contains a NUL byte");
	ck_assert_uint_eq(cfg.count, 2);
	ck_assert(prog("b")->valid);
	ck_assert_uint_eq(prog("b")->priority, 100);
	ck_assert(!cfg.programs[1].valid);
	ck_assert_str_eq(cfg.programs[1].name, "");
	ck_assert_str_eq(cfg.programs[1].file, "h");
	ck_assert_ptr_null(cfg_find(&cfg, "c"));

	/* A NUL in a comment or on a line by itself counts too. */
	static const char t3[] = "# x\0y\n\0\nprogram a\nfile f\n";
	ck_assert_uint_eq(parse_len(t3, sizeof(t3) - 1), 2);
	ASSERT_ERR(0, 1, "the line contains a NUL byte");
	ASSERT_ERR(1, 2, "the line contains a NUL byte");
	ck_assert(prog("a")->valid);
}
END_TEST

START_TEST(test_non_ascii_and_control_bytes)
{
	expect_one("program a\nfile f\n# caf\xc3\xa9\n", 3, "the line contains the non-ASCII byte 0xc3");
	ck_assert(!prog("a")->valid);
	expect_one("program a\nfile f\nvm \x80\n", 3, "the line contains the non-ASCII byte 0x80");
	expect_one("program a\nfile f\nargs \xff\n", 3, "the line contains the non-ASCII byte 0xff");
	expect_one("program a\nfile f\nargs a\x1b[0m\n", 3, "the line contains the control character 0x1b");
	expect_one("program a\nfile f\nargs a\x7f\n", 3, "the line contains the control character 0x7f");
	expect_one("program a\nfile f\n\f\n", 3, "the line contains the control character 0xc");
	expect_one("cmdline \x01\nprogram a\nfile f\n", 1, "the line contains the control character 0x1");
	ck_assert(prog("a")->valid);
	ck_assert_str_eq(cfg.cmdline, "");
	/* A non-ASCII `program` line still starts its block. */
	expect_one("program a\nfile f\nprogram \xe2\x82\xac\nfile g\n", 3,
		   "the line contains the non-ASCII byte 0xe2");
	ck_assert(prog("a")->valid);
	ck_assert_str_eq(prog("a")->file, "f");
	ck_assert_uint_eq(cfg.count, 2);
}
END_TEST

START_TEST(test_long_lines)
{
	/* 511 bytes are a line; 512 are too many (the line ending not counted). */
	char *buf = malloc(200000);
	ck_assert_ptr_nonnull(buf);
	size_t n = (size_t)sprintf(buf, "program a\nfile f\nargs x #");
	size_t start = 17;
	memset(buf + n, 'c', 511 - (n - start));
	n = start + 511;
	memcpy(buf + n, "\r\nvm\n", 5);
	ck_assert_uint_eq(parse_len(buf, n + 5), 0);
	ck_assert_str_eq(cfg_arg(prog("a"), 0), "x");
	ck_assert(prog("a")->vm);

	buf[n] = 'c';   /* now 512 bytes, then "\nvm\n" */
	memcpy(buf + n + 1, "\nvm\n", 4);
	ck_assert_uint_eq(parse_len(buf, n + 5), 1);
	ASSERT_ERR(0, 3, "the line is longer than 511 bytes");
	ck_assert_uint_eq(prog("a")->argc, 0);
	ck_assert(!prog("a")->valid);
	ck_assert(prog("a")->vm);   /* the next line is read as usual */

	/* A very long line, last in the file and unterminated. */
	n = (size_t)sprintf(buf, "program a\nfile f\n\nargs ");
	memset(buf + n, 'z', 150000);
	ck_assert_uint_eq(parse_len(buf, n + 150000), 1);
	ASSERT_ERR(0, 4, "the line is longer than 511 bytes");

	/* The most words a line can have: 256 one-letter words in 511 bytes. */
	n = (size_t)sprintf(buf, "program a\nfile f\na");
	start = 17;
	while (n - start + 2 <= 511)
		n += (size_t)sprintf(buf + n, " a");
	ck_assert_uint_eq(n - start, 511);
	ck_assert_uint_eq(parse_len(buf, n), 1);
	ASSERT_ERR(0, 3, "unknown key 'a'");
	n = (size_t)sprintf(buf, "program a\nfile f\nargs");
	while (n - start + 3 <= 511)
		n += (size_t)sprintf(buf + n, " \"\"");
	ck_assert_uint_eq(parse_len(buf, n), 1);
	ASSERT_ERR(0, 3, "args: more than 16 arguments");
	free(buf);
}
END_TEST

START_TEST(test_program_limit)
{
	text_reset();
	for (unsigned i = 0; i < 32; i++)
		add("program p%u\nfile f%u\n", i, i);
	parse_ok(text);
	ck_assert_uint_eq(cfg.count, 32);
	ck_assert_str_eq(prog("p31")->file, "f31");

	/* The 33rd block is reported once; its lines are not checked. */
	add("program p32\nfile f32\npriority 999\n# ...\nprogram p33\nbogus\n");
	parse_errors(text, 2);
	ASSERT_ERR(0, 65, "program: more than 32 programs");
	ASSERT_ERR(1, 69, "program: more than 32 programs");
	ck_assert_uint_eq(cfg.count, 32);
	ck_assert_ptr_null(cfg_find(&cfg, "p32"));
	for (unsigned i = 0; i < 32; i++)
		ck_assert(cfg.programs[i].valid);
}
END_TEST

START_TEST(test_bad_program_stays_invalid_others_valid)
{
	parse_errors("cmdline x\n"
		     "program good1\nfile a\nirq 1\n"
		     "program bad\nfile b\npriority 0\nirq 2\nserve s\n"
		     "program good2\nfile c\nuse s\nirq 3\n",
		     1);
	ASSERT_ERR(0, 7, "priority: '0' is not in 1..254");
	ck_assert(prog("good1")->valid);
	ck_assert(!prog("bad")->valid);
	ck_assert(prog("good2")->valid);
	/* The rest of the bad block is still parsed and checked. */
	ck_assert_uint_eq(prog("bad")->irqs[0], 2);
	ck_assert_str_eq(prog("bad")->serve[0], "s");

	/* Errors in several blocks, each counted. */
	parse_errors("program a\nfile a\nquota 1\nprogram b\nfile b\nprogram c\nfile c\nmemory 1T\nirq 300\n", 3);
	ASSERT_ERR(0, 3, "quota: '1' is not in 16K..1G");
	ASSERT_ERR(1, 8, "memory: '1T' is not a size (a number with an optional K, M or G)");
	ASSERT_ERR(2, 9, "irq: '300' is not in 0..255");
	ck_assert(!prog("a")->valid);
	ck_assert(prog("b")->valid);
	ck_assert(!prog("c")->valid);
}
END_TEST

static void count_only(void *ctx, unsigned line, const char *message)
{
	(void)line;
	(void)message;
	++*(unsigned *)ctx;
}

START_TEST(test_api_edges)
{
	unsigned calls = 0;

	/* No report function: the errors are still counted. */
	ck_assert_uint_eq(cfg_parse("x\ny\n", 4, &cfg, NULL, NULL), 2);
	ck_assert_uint_eq(cfg_parse("x\ny\n", 4, &cfg, count_only, &calls), 2);
	ck_assert_uint_eq(calls, 2);
	ck_assert_uint_eq(cfg_parse("program a\n", 10, NULL, count_only, &calls), 1);
	ck_assert_uint_eq(calls, 2);

	parse_ok("program a\nfile f\nprogram abcdefghijklmno\nfile g\n");
	ck_assert_ptr_eq(cfg_find(&cfg, "a"), &cfg.programs[0]);
	ck_assert_ptr_eq(cfg_find(&cfg, "abcdefghijklmno"), &cfg.programs[1]);
	ck_assert_ptr_null(cfg_find(&cfg, "abcdefghijklmnop"));
	ck_assert_ptr_null(cfg_find(&cfg, "abcdefghijklmn"));
	ck_assert_ptr_null(cfg_find(&cfg, "b"));
	ck_assert_ptr_null(cfg_find(&cfg, "A"));
	ck_assert_ptr_null(cfg_find(&cfg, ""));
	ck_assert_ptr_null(cfg_find(&cfg, NULL));
	ck_assert_ptr_null(cfg_find(NULL, "a"));

	/* A parse overwrites everything a previous one left. */
	parse_ok("cmdline a\nprogram a\nfile f\nvm\n");
	parse_ok("program b\nfile g\n");
	ck_assert_str_eq(cfg.cmdline, "");
	ck_assert_uint_eq(cfg.count, 1);
	ck_assert_ptr_null(cfg_find(&cfg, "a"));
}
END_TEST

/* ------------------------------------------------------------ random mutations */

/* Whether the size-byte array s holds a NUL. */
static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* The invariants of any parse result. */
static void check_result(unsigned iter, unsigned errors, size_t lines)
{
	CHECK(cfg.count <= CFG_MAX_PROGRAMS, "iteration %u: %u programs", iter, cfg.count);
	CHECK(terminated(cfg.cmdline, sizeof(cfg.cmdline)), "iteration %u: cmdline", iter);
	for (unsigned i = 0; i < errs.n && i < MAX_ERRS; i++)
		CHECK(errs.line[i] >= 1 && errs.line[i] <= lines, "iteration %u: error at line %u of %zu",
		      iter, errs.line[i], lines);
	for (unsigned i = 0; i < cfg.count; i++) {
		const struct cfg_program *p = &cfg.programs[i];
		CHECK(terminated(p->name, sizeof(p->name)) && terminated(p->file, sizeof(p->file)),
		      "iteration %u: program %u: name or file", iter, i);
		CHECK(p->argc <= CFG_MAX_ARGS && p->nports <= CFG_MAX_PORT_RANGES &&
			      p->nirqs <= CFG_MAX_IRQS && p->nserve <= CFG_MAX_SERVE &&
			      p->nuse <= CFG_MAX_USE && p->nmodules <= CFG_MAX_MODULES,
		      "iteration %u: program %u: a count beyond its array", iter, i);
		CHECK(p->line >= 1 && p->line <= lines, "iteration %u: program %u at line %u", iter, i,
		      p->line);
		size_t total = 0;
		for (unsigned a = 0; a < p->argc; a++) {
			const char *arg = cfg_arg(p, a);
			CHECK(arg && terminated(arg, sizeof(p->argbuf) - (size_t)(arg - p->argbuf)),
			      "iteration %u: program %u: arg %u", iter, i, a);
			total += strlen(arg);
		}
		CHECK(total <= CFG_ARGS_BYTES, "iteration %u: %zu bytes of args", iter, total);
		for (unsigned k = 0; k < p->nmodules; k++)
			CHECK(terminated(p->modules[k].name, sizeof(p->modules[k].name)) &&
				      terminated(p->modules[k].path, sizeof(p->modules[k].path)) &&
				      terminated(p->modules[k].args, sizeof(p->modules[k].args)),
			      "iteration %u: program %u: module %u", iter, i, k);
		for (unsigned k = 0; k < p->nports; k++)
			CHECK(p->ports[k].first <= p->ports[k].last, "iteration %u: ports", iter);
		CHECK(p->valid || errors > 0, "iteration %u: program %u invalid without an error", iter, i);
		if (errors)
			continue;
		CHECK(p->name[0] && p->file[0] && p->priority >= 1 && p->priority <= 254 &&
			      p->quota >= CFG_QUOTA_MIN && p->quota <= CFG_QUOTA_MAX &&
			      p->memory <= CFG_MEMORY_MAX && cfg_find(&cfg, p->name) == p,
		      "iteration %u: program %u accepted with bad values", iter, i);
	}
}

START_TEST(test_random_mutations_never_crash)
{
	static const char pieces[][12] = {
		"\"", "\\", "#", " ", "\t", "\n", "\r\n", "-", "0x", "K", "G", "\0", "\xc3", "program ",
		"ioports ", "irq ", "use ", "serve ", "file ", "args ", "module ", "0xffff", "999999",
		"console", "input", "vm\n", "\"\\\"", "cmdline ",
	};
	static char m[8192];
	unsigned clean = 0;

	rnd_seed(0x9e3779b97f4a7c15ull);
	for (unsigned iter = 0; iter < 100000; iter++) {
		size_t len = strlen(example);

		memcpy(m, example, len);
		for (unsigned k = 1 + rnd() % 4; k; k--) {
			size_t at = len ? rnd() % len : 0;
			switch (rnd() % 7) {
			case 0:   /* flip a bit */
				if (len)
					flip_bit((uint8_t *)m, len);
				break;
			case 1:   /* replace a byte */
				if (len)
					replace_byte((uint8_t *)m, len);
				break;
			case 2:   /* insert a piece */
			case 3: {
				const char *piece = pieces[rnd() % ARRAY_SIZE(pieces)];
				size_t n = piece[0] ? strlen(piece) : 1;
				if (len + n > sizeof(m))
					break;
				memmove(m + at + n, m + at, len - at);
				memcpy(m + at, piece, n);
				len += n;
				break;
			}
			case 4: { /* delete a run */
				size_t n = rnd() % 16;
				if (n > len - at)
					n = len - at;
				memmove(m + at, m + at + n, len - at - n);
				len -= n;
				break;
			}
			case 5: { /* repeat a run (more programs, longer lines) */
				size_t n = 1 + rnd() % 300;
				if (n > len - at)
					n = len - at;
				if (len + n > sizeof(m))
					break;
				memmove(m + at + n, m + at, len - at);
				len += n;
				break;
			}
			default:  /* cut the file short */
				len = rnd() % (len + 1);
				break;
			}
		}
		size_t lines = 0;
		for (size_t i = 0; i < len; i++)
			lines += m[i] == '\n';
		lines += len && m[len - 1] != '\n';
		unsigned errors = parse_len(m, len);
		clean += errors == 0;
		check_result(iter, errors, lines);
	}
	/* The mutations must be neither all harmless nor all fatal. */
	ck_assert_uint_gt(clean, 1000);
	ck_assert_uint_lt(clean, 90000);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("valid");

	tcase_add_test(tc, test_example_every_key);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_and_comment_only_files);
	tcase_add_test(tc, test_comments_and_whitespace);
	tcase_add_test(tc, test_args_quoting_and_escapes);
	tcase_add_test(tc, test_crlf_line_endings);
	tcase_add_test(tc, test_text_not_terminated);
	tcase_add_test(tc, test_api_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_cmdline);
	tcase_add_test(tc, test_program_names);
	tcase_add_test(tc, test_duplicate_program_names);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_args_limits);
	tcase_add_test(tc, test_unclosed_quote);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_quota_and_memory_sizes);
	tcase_add_test(tc, test_ioports);
	tcase_add_test(tc, test_ioports_limit);
	tcase_add_test(tc, test_ports_given_to_two_programs);
	tcase_add_test(tc, test_irq);
	tcase_add_test(tc, test_serve_and_use);
	tcase_add_test(tc, test_module);
	tcase_add_test(tc, test_module_args);
	tcase_add_test(tc, test_input_and_vm);
	tcase_add_test(tc, test_vcpus);
	tcase_add_test(tc, test_after);
	tcase_add_test(tc, test_unknown_and_misplaced_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_non_ascii_and_control_bytes);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_program_limit);
	tcase_add_test(tc, test_bad_program_stays_invalid_others_valid);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", NULL, NULL, test_random_mutations_never_crash);
	return s;
}
