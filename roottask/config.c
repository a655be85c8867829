/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The boot configuration parser (format: docs/config.md).
 *
 * One pass over the lines: each line is checked byte by byte, split into
 * words (double quotes group, `#` outside quotes ends the line), and its
 * key applied to the current program block. Checks that need the whole
 * file (a `use` without a server, a block without `file`) run when their
 * block or the file ends. An error never stops the parse: it is reported,
 * counted, and makes the program it concerns invalid.
 */
#include "config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MSG_MAX 192              /* bytes of one error message, NUL included */
#define MSG_VALUE_MAX 40         /* characters of a quoted value in a message */
#define LINE_WORDS ((CFG_LINE_MAX + 1) / 2)   /* words need a separator each */
#define LINE_BUF (CFG_LINE_MAX + LINE_WORDS + 1)   /* the words' bytes and NULs */

#define ASCII_FIRST_PRINTABLE 0x20   /* space; below are the C0 control characters */
#define ASCII_DEL 0x7f               /* the one control character above them */
#define ASCII_END 0x80               /* bytes from here on are not ASCII */

/* ------------------------------------------------------------ messages */

/* A bounded message builder: appends truncate, the text stays terminated. */
struct msg {
	char buf[MSG_MAX];
	size_t len;
};

static void msg_char(struct msg *m, char c)
{
	if (m->len < MSG_MAX - 1)
		m->buf[m->len++] = c;
	m->buf[m->len] = '\0';
}

static void msg_str(struct msg *m, const char *s)
{
	for (size_t i = 0; s[i] && i < MSG_MAX; i++)
		msg_char(m, s[i]);
}

/* v in decimal, or in hex with 0x when hex is set. */
static void msg_uint(struct msg *m, uint64_t v, bool hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned base = hex ? 16 : 10;
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v && n < sizeof(tmp));
	if (hex)
		msg_str(m, "0x");
	while (n)
		msg_char(m, tmp[--n]);
}

/* 'value', cut to MSG_VALUE_MAX characters followed by ... */
static void msg_quoted(struct msg *m, const char *s)
{
	size_t i = 0;

	msg_char(m, '\'');
	for (; s[i] && i < MSG_VALUE_MAX; i++)
		msg_char(m, s[i]);
	if (s[i])
		msg_str(m, "...");
	msg_char(m, '\'');
}

/* Starts "KEY: " or, with a value, "KEY: 'VALUE' ". */
static void msg_begin(struct msg *m, const char *key, const char *value)
{
	m->len = 0;
	m->buf[0] = '\0';
	msg_str(m, key);
	msg_str(m, ": ");
	if (value) {
		msg_quoted(m, value);
		msg_char(m, ' ');
	}
}

/* ------------------------------------------------------------ parser state */

enum key {
	KEY_CMDLINE,
	KEY_PROGRAM,
	KEY_FILE,
	KEY_ARGS,
	KEY_PRIORITY,
	KEY_QUOTA,
	KEY_MEMORY,
	KEY_IOPORTS,
	KEY_IRQ,
	KEY_SERVE,
	KEY_USE,
	KEY_MODULE,
	KEY_INPUT,
	KEY_VM,
	KEY_DEBUG,
	KEY_CPUS,
	KEY_CPU,
	KEY_AFTER,
	KEY_COUNT,
};

static const struct {
	const char *name;
	bool repeatable;
} keys[KEY_COUNT] = {
	[KEY_CMDLINE] = { "cmdline", false },
	[KEY_PROGRAM] = { "program", true },
	[KEY_FILE] = { "file", false },
	[KEY_ARGS] = { "args", false },
	[KEY_PRIORITY] = { "priority", false },
	[KEY_QUOTA] = { "quota", false },
	[KEY_MEMORY] = { "memory", false },
	[KEY_IOPORTS] = { "ioports", true },
	[KEY_IRQ] = { "irq", true },
	[KEY_SERVE] = { "serve", true },
	[KEY_USE] = { "use", true },
	[KEY_MODULE] = { "module", true },
	[KEY_INPUT] = { "input", false },
	[KEY_VM] = { "vm", false },
	[KEY_DEBUG] = { "debug", false },
	[KEY_CPUS] = { "cpus", false },
	[KEY_CPU] = { "cpu", false },
	[KEY_AFTER] = { "after", false },
};

/* Program names that would collide with the other boot modules. */
static const char *const reserved_names[] = { "config", "kernel", "sigma0", "roottask" };

/* One line split into words: word i is the NUL-terminated buf + off[i]. */
struct words {
	char buf[LINE_BUF];
	uint16_t off[LINE_WORDS];
	unsigned count;
};

struct parser {
	struct cfg *out;
	cfg_report_fn report;
	void *ctx;
	unsigned errors;
	unsigned line;                 /* the current line, 1-based */
	struct cfg_program *prog;      /* the current block; NULL before the first */
	bool in_blocks;                /* a `program` line has been seen */
	bool skipping;                 /* in a block beyond CFG_MAX_PROGRAMS */
	unsigned key_line[KEY_COUNT];  /* where each key appeared in the current block */
	unsigned cmdline_line;
	const struct cfg_program *input;   /* the program that has `input` */
	struct words w;
	struct msg m;
};

/* ------------------------------------------------------------ small helpers */

static bool str_eq(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	return a[i] == b[i];
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Copies s into dst of size bytes; the caller has checked that it fits. */
static void str_copy(char *dst, const char *s, size_t size)
{
	size_t i = 0;

	for (; s[i] && i + 1 < size; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *word(const struct parser *ps, unsigned i)
{
	return ps->w.buf + ps->w.off[i];
}

/* Reports the message in ps->m at line, against prog (may be NULL). */
static void report_at(struct parser *ps, unsigned line, struct cfg_program *prog)
{
	ps->errors++;
	if (prog)
		prog->valid = false;
	if (ps->report)
		ps->report(ps->ctx, line, ps->m.buf);
}

/* Reports the message in ps->m at the current line and block. */
static void report(struct parser *ps)
{
	report_at(ps, ps->line, ps->prog);
}

/* Reports "KEY: 'VALUE' WHY" (or "KEY: WHY" when value is NULL). */
static void fail(struct parser *ps, const char *key, const char *value, const char *why)
{
	msg_begin(&ps->m, key, value);
	msg_str(&ps->m, why);
	report(ps);
}

/* A program, endpoint or module name: 1-15 of [a-z0-9_-], a letter first. */
static bool name_ok(const char *s)
{
	size_t n = 0;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= CFG_NAME_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Checks a name word; reports and returns false if it is no name. */
static bool check_name(struct parser *ps, const char *key, const char *s)
{
	if (name_ok(s))
		return true;
	fail(ps, key, s, "is not a name (1-15 characters a-z 0-9 _ -, starting with a letter)");
	return false;
}

/* Checks a path word; reports and returns false if it cannot be one. */
static bool check_path(struct parser *ps, const char *key, const char *s)
{
	size_t n = str_len(s);

	if (n == 0) {
		fail(ps, key, NULL, "the path is empty");
		return false;
	}
	if (n > CFG_PATH_MAX) {
		fail(ps, key, s, "is longer than 255 bytes");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		/* cfgtool prints paths tab-separated. */
		if (s[i] == '\t') {
			fail(ps, key, s, "contains a tab");
			return false;
		}
	}
	return true;
}

/*
 * Parses the n characters at s as a number: decimal, or hex after 0x; with
 * suffix set, optionally followed by K, M or G (binary units, either case).
 * False on junk or overflow.
 */
static bool parse_number(const char *s, size_t n, bool suffix, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (suffix && n > i + 1) {
		switch (s[n - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: break;
		}
		if (shift)
			n--;
	}
	if (i >= n)
		return false;
	for (; i < n; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (v > UINT64_MAX >> shift)
		return false;
	*out = v << shift;
	return true;
}

/* ------------------------------------------------------------ the line */

/*
 * Checks the n bytes of a line (line ending removed). Returns NULL if it
 * may be split into words, else why not (possibly built in *m).
 */
static const char *check_bytes(struct msg *m, const char *s, size_t n)
{
	if (n > CFG_LINE_MAX)
		return "the line is longer than 511 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *what;
		if (c == 0)
			return "the line contains a NUL byte";
		if (c >= ASCII_END)
			what = "the line contains the non-ASCII byte ";
		else if ((c < ASCII_FIRST_PRINTABLE && c != '\t') || c == ASCII_DEL)
			what = "the line contains the control character ";
		else
			continue;
		m->len = 0;
		msg_str(m, what);
		msg_uint(m, c, true);
		return m->buf;
	}
	return NULL;
}

/*
 * Splits the n checked bytes at s into ps->w. Returns NULL or why the
 * line cannot be split.
 */
static const char *split_words(struct parser *ps, const char *s, size_t n)
{
	struct words *w = &ps->w;
	size_t i = 0, o = 0;

	w->count = 0;
	while (i < n) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n || s[i] == '#')
			break;
		/* Cannot trigger for a checked line (see LINE_WORDS, LINE_BUF). */
		if (w->count >= LINE_WORDS || o + (n - i) + 1 > LINE_BUF)
			return "the line has too many words";
		w->off[w->count++] = (uint16_t)o;
		bool quoted = false;
		while (i < n) {
			char c = s[i];
			if (!quoted && (is_blank(c) || c == '#'))
				break;
			if (c == '"') {
				quoted = !quoted;
				i++;
			} else if (quoted && c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
				w->buf[o++] = s[i + 1];
				i += 2;
			} else {
				w->buf[o++] = c;
				i++;
			}
		}
		if (quoted)
			return "a double quote is not closed";
		w->buf[o++] = '\0';
	}
	return NULL;
}

/* The key a raw line (n bytes) begins with, KEY_COUNT if none. */
static enum key first_key(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	for (unsigned k = 0; k < KEY_COUNT; k++) {
		const char *name = keys[k].name;
		size_t j = 0;
		while (name[j] && i + j < n && s[i + j] == name[j])
			j++;
		if (!name[j] && (i + j == n || is_blank(s[i + j]) || s[i + j] == '#'))
			return (enum key)k;
	}
	return KEY_COUNT;
}

/* ------------------------------------------------------------ blocks */

/* The checks a block needs once it is complete. */
static void end_block(struct parser *ps)
{
	struct cfg_program *p = ps->prog;

	if (!p || ps->key_line[KEY_FILE])
		return;   /* a bad `file` line was already reported */
	msg_begin(&ps->m, "file", NULL);
	msg_str(&ps->m, "missing (every program needs one)");
	report_at(ps, p->line, p);
}

/*
 * Starts a block at a `program` line. name is NULL when the line is
 * broken: the block then exists (it takes the lines up to the next
 * `program`) but is invalid; its error is reported by the caller.
 */
static void start_block(struct parser *ps, const char *name, unsigned nwords)
{
	struct cfg *out = ps->out;

	end_block(ps);
	ps->in_blocks = true;
	ps->prog = NULL;
	__builtin_memset(ps->key_line, 0, sizeof(ps->key_line));
	if (out->count >= CFG_MAX_PROGRAMS) {
		ps->skipping = true;
		fail(ps, "program", NULL, "more than 32 programs");
		return;
	}
	ps->skipping = false;

	struct cfg_program *p = &out->programs[out->count++];
	__builtin_memset(p, 0, sizeof(*p));
	p->priority = CFG_PRIORITY_DEFAULT;
	p->quota = CFG_QUOTA_DEFAULT;
	p->memory = CFG_MEMORY_DEFAULT;
	p->vcpus = 1;
	p->line = ps->line;
	p->valid = true;
	ps->prog = p;
	if (!name)
		return;
	if (nwords != 1) {
		fail(ps, "program", NULL, nwords ? "takes one NAME" : "the NAME is missing");
		return;
	}
	if (!check_name(ps, "program", name))
		return;
	for (unsigned i = 0; i < ARRAY_LEN(reserved_names); i++) {
		if (str_eq(name, reserved_names[i])) {
			fail(ps, "program", name, "is reserved (the name of another boot module)");
			return;
		}
	}
	str_copy(p->name, name, sizeof(p->name));
	for (unsigned i = 0; i + 1 < out->count; i++) {
		if (str_eq(out->programs[i].name, name)) {
			msg_begin(&ps->m, "program", name);
			msg_str(&ps->m, "is already defined on line ");
			msg_uint(&ps->m, out->programs[i].line, false);
			report(ps);
			return;
		}
	}
}

/* ------------------------------------------------------------ keys */

static void key_cmdline(struct parser *ps, unsigned nvals)
{
	char *dst = ps->out->cmdline;
	size_t len = 0;

	if (ps->in_blocks) {
		/* A global key: the block it landed in is not to blame. */
		msg_begin(&ps->m, "cmdline", NULL);
		msg_str(&ps->m, "only allowed before the first 'program' line");
		report_at(ps, ps->line, NULL);
		return;
	}
	if (ps->cmdline_line) {
		msg_begin(&ps->m, "cmdline", NULL);
		msg_str(&ps->m, "given twice (first on line ");
		msg_uint(&ps->m, ps->cmdline_line, false);
		msg_char(&ps->m, ')');
		report(ps);
		return;
	}
	ps->cmdline_line = ps->line;
	if (nvals == 0) {
		fail(ps, "cmdline", NULL, "the value is missing");
		return;
	}
	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);
		size_t n = str_len(v);
		for (size_t k = 0; k < n; k++) {
			/* The kernel splits its command line at blanks: no word has one. */
			if (is_blank(v[k])) {
				fail(ps, "cmdline", v, "contains a blank (quotes cannot group kernel words)");
				return;
			}
		}
		if (n == 0) {
			fail(ps, "cmdline", NULL, "a word is empty");
			return;
		}
		if (len + (len ? 1 : 0) + n > CFG_CMDLINE_MAX) {
			fail(ps, "cmdline", NULL, "longer than 255 bytes");
			dst[0] = '\0';
			return;
		}
		if (len)
			dst[len++] = ' ';
		__builtin_memcpy(dst + len, v, n);
		len += n;
		dst[len] = '\0';
	}
}

static void key_file(struct parser *ps, unsigned nvals)
{
	if (nvals != 1) {
		fail(ps, "file", NULL, "takes one PATH");
		return;
	}
	if (check_path(ps, "file", word(ps, 1)))
		str_copy(ps->prog->file, word(ps, 1), sizeof(ps->prog->file));
}

static void key_args(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;
	size_t total = 0, o = 0;

	if (nvals > CFG_MAX_ARGS) {
		fail(ps, "args", NULL, "more than 16 arguments");
		return;
	}
	for (unsigned i = 1; i <= nvals; i++)
		total += str_len(word(ps, i));
	if (total > CFG_ARGS_BYTES) {
		fail(ps, "args", NULL, "more than 255 bytes in total");
		return;
	}
	for (unsigned i = 1; i <= nvals; i++) {
		size_t n = str_len(word(ps, i)) + 1;
		p->argv[i - 1] = (uint16_t)o;
		__builtin_memcpy(p->argbuf + o, word(ps, i), n);
		o += n;
	}
	p->argc = nvals;
}

static void key_priority(struct parser *ps, unsigned nvals)
{
	const char *v = word(ps, 1);
	uint64_t n;

	if (nvals != 1)
		fail(ps, "priority", NULL, "takes one number");
	else if (!parse_number(v, str_len(v), false, &n))
		fail(ps, "priority", v, "is not a number");
	else if (n < CFG_PRIORITY_MIN || n > CFG_PRIORITY_MAX)
		fail(ps, "priority", v, "is not in 1..254");
	else
		ps->prog->priority = (unsigned)n;
}

/* after NAME: the program starts when program NAME has ended. */
static void key_after(struct parser *ps, unsigned nvals)
{
	const char *v = word(ps, 1);

	if (nvals != 1)
		fail(ps, "after", NULL, "takes one program name");
	else if (check_name(ps, "after", v)) {
		__builtin_memcpy(ps->prog->after, v, str_len(v) + 1);
		ps->prog->after_line = ps->line;
	}
}

/* cpus N: the VM's vCPUs. */
static void key_cpus(struct parser *ps, unsigned nvals)
{
	const char *v = word(ps, 1);
	uint64_t n;

	if (nvals != 1)
		fail(ps, "cpus", NULL, "takes one number");
	else if (!parse_number(v, str_len(v), false, &n))
		fail(ps, "cpus", v, "is not a number");
	else if (n < 1 || n > CFG_MAX_VCPUS)
		fail(ps, "cpus", v, "is not in 1..8");
	else
		ps->prog->vcpus = (unsigned)n;
}

/* cpu C0 C1 ...: the host CPU of each vCPU in turn. */
static void key_cpu(struct parser *ps, unsigned nvals)
{
	if (nvals > CFG_MAX_VCPUS) {
		fail(ps, "cpu", NULL, "takes at most 8 CPU numbers (one per vCPU)");
		return;
	}
	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);
		uint64_t n;
		if (!parse_number(v, str_len(v), false, &n) || n > CFG_HOST_CPU_MAX) {
			fail(ps, "cpu", v, "is not a CPU number (0..255)");
			return;
		}
		ps->prog->vcpu_host[i - 1] = (uint8_t)n;
	}
	ps->prog->nvcpu_host = nvals;
}

/* quota and memory: a SIZE within [min, max] (range as text for messages). */
static void key_size(struct parser *ps, unsigned nvals, const char *key, uint64_t min,
		     uint64_t max, const char *range, uint64_t *dst)
{
	const char *v = word(ps, 1);
	uint64_t n;

	if (nvals != 1) {
		fail(ps, key, NULL, "takes one SIZE");
	} else if (!parse_number(v, str_len(v), true, &n)) {
		fail(ps, key, v, "is not a size (a number with an optional K, M or G)");
	} else if (n < min || n > max) {
		msg_begin(&ps->m, key, v);
		msg_str(&ps->m, "is not in ");
		msg_str(&ps->m, range);
		report(ps);
	} else {
		*dst = n;
	}
}

/* The program other than ps->prog that already has a port in [first, last]. */
static const struct cfg_program *port_owner(const struct parser *ps, unsigned first, unsigned last,
					    const struct cfg_range **hit)
{
	for (unsigned i = 0; i < ps->out->count; i++) {
		const struct cfg_program *p = &ps->out->programs[i];
		for (unsigned k = 0; k < p->nports; k++) {
			if (p->ports[k].first <= last && first <= p->ports[k].last) {
				*hit = &p->ports[k];
				return p;
			}
		}
	}
	return NULL;
}

static void key_ioports(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;

	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);
		size_t n = str_len(v), dash = 0;
		uint64_t first = 0, last = 0;

		while (dash < n && v[dash] != '-')
			dash++;
		bool ok = parse_number(v, dash, false, &first);
		if (ok && dash < n)
			ok = parse_number(v + dash + 1, n - dash - 1, false, &last);
		else
			last = first;
		if (!ok) {
			fail(ps, "ioports", v, "is not a PORT or FIRST-LAST");
			continue;
		}
		if (first > CFG_PORT_LAST || last > CFG_PORT_LAST) {
			fail(ps, "ioports", v, "is not in 0..0xFFFF");
			continue;
		}
		if (first > last) {
			fail(ps, "ioports", v, "has FIRST > LAST");
			continue;
		}
		const struct cfg_range *hit = NULL;
		const struct cfg_program *owner = port_owner(ps, (unsigned)first, (unsigned)last, &hit);
		if (owner) {
			msg_begin(&ps->m, "ioports", v);
			msg_str(&ps->m, "overlaps ");
			msg_uint(&ps->m, hit->first, true);
			if (hit->last != hit->first) {
				msg_char(&ps->m, '-');
				msg_uint(&ps->m, hit->last, true);
			}
			if (owner == p) {
				msg_str(&ps->m, ", given before");
			} else {
				msg_str(&ps->m, ", given to ");
				msg_quoted(&ps->m, owner->name);
			}
			report(ps);
			continue;
		}
		if (p->nports >= CFG_MAX_PORT_RANGES) {
			fail(ps, "ioports", NULL, "more than 16 ranges");
			return;
		}
		p->ports[p->nports].first = (uint16_t)first;
		p->ports[p->nports].last = (uint16_t)last;
		p->nports++;
	}
}

static void key_irq(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;

	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);
		uint64_t n;

		if (!parse_number(v, str_len(v), false, &n)) {
			fail(ps, "irq", v, "is not a number");
			continue;
		}
		if (n > CFG_IRQ_LAST) {
			fail(ps, "irq", v, "is not in 0..255");
			continue;
		}
		const struct cfg_program *owner = NULL;
		for (unsigned k = 0; k < ps->out->count && !owner; k++) {
			const struct cfg_program *q = &ps->out->programs[k];
			for (unsigned j = 0; j < q->nirqs; j++) {
				if (q->irqs[j] == n)
					owner = q;
			}
		}
		if (owner) {
			msg_begin(&ps->m, "irq", v);
			if (owner == p) {
				msg_str(&ps->m, "is given twice");
			} else {
				msg_str(&ps->m, "is already given to ");
				msg_quoted(&ps->m, owner->name);
			}
			report(ps);
			continue;
		}
		if (p->nirqs >= CFG_MAX_IRQS) {
			fail(ps, "irq", NULL, "more than 8 lines");
			return;
		}
		p->irqs[p->nirqs++] = (uint8_t)n;
	}
}

/* Whether name is among the n names of list. */
static bool name_in(const char (*list)[CFG_NAME_MAX + 1], unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++) {
		if (str_eq(list[i], name))
			return true;
	}
	return false;
}

static void key_serve(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;

	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);
		const struct cfg_program *owner = NULL;

		if (!check_name(ps, "serve", v))
			continue;
		for (unsigned k = 0; k < ps->out->count && !owner; k++) {
			const struct cfg_program *q = &ps->out->programs[k];
			if (name_in(q->serve, q->nserve, v))
				owner = q;
		}
		if (owner) {
			msg_begin(&ps->m, "serve", v);
			if (owner == p) {
				msg_str(&ps->m, "is given twice");
			} else {
				msg_str(&ps->m, "is already served by ");
				msg_quoted(&ps->m, owner->name);
			}
			report(ps);
			continue;
		}
		if (p->nserve >= CFG_MAX_SERVE) {
			fail(ps, "serve", NULL, "more than 4 endpoints");
			return;
		}
		str_copy(p->serve[p->nserve++], v, CFG_NAME_MAX + 1);
	}
}

static void key_use(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;

	for (unsigned i = 1; i <= nvals; i++) {
		const char *v = word(ps, i);

		if (!check_name(ps, "use", v))
			continue;
		if (name_in(p->use, p->nuse, v)) {
			fail(ps, "use", v, "is given twice");
			continue;
		}
		if (p->nuse >= CFG_MAX_USE) {
			fail(ps, "use", NULL, "more than 8 endpoints");
			return;
		}
		p->use_line[p->nuse] = ps->line;
		str_copy(p->use[p->nuse++], v, CFG_NAME_MAX + 1);
	}
}

/*
 * module NAME PATH [ARG...]: the ARGs (words as anywhere: quotes group)
 * are kept joined by single spaces, for a VMM to pass on with the module
 * (a multiboot guest gets "NAME ARG...").
 */
static void key_module(struct parser *ps, unsigned nvals)
{
	struct cfg_program *p = ps->prog;
	const char *name = word(ps, 1), *path = word(ps, 2);
	char args[CFG_MODULE_ARGS_MAX + 1];
	size_t len = 0;

	if (nvals < 2) {
		fail(ps, "module", NULL, "takes a NAME, a PATH and optional arguments");
		return;
	}
	if (!check_name(ps, "module", name) || !check_path(ps, "module", path))
		return;
	for (unsigned i = 0; i < p->nmodules; i++) {
		if (str_eq(p->modules[i].name, name)) {
			fail(ps, "module", name, "is given twice");
			return;
		}
	}
	if (p->nmodules >= CFG_MAX_MODULES) {
		fail(ps, "module", NULL, "more than 4 modules");
		return;
	}
	args[0] = '\0';
	for (unsigned i = 3; i <= nvals; i++) {
		const char *v = word(ps, i);
		size_t n = str_len(v);
		if (n == 0) {
			fail(ps, "module", name, "has an empty argument");
			return;
		}
		if (len + (len ? 1 : 0) + n > CFG_MODULE_ARGS_MAX) {
			fail(ps, "module", name, "has arguments longer than 127 bytes");
			return;
		}
		if (len)
			args[len++] = ' ';
		__builtin_memcpy(args + len, v, n);
		len += n;
		args[len] = '\0';
	}
	struct cfg_module *m = &p->modules[p->nmodules++];
	str_copy(m->name, name, CFG_NAME_MAX + 1);
	str_copy(m->path, path, CFG_PATH_MAX + 1);
	str_copy(m->args, args, CFG_MODULE_ARGS_MAX + 1);
}

/* input, vm and debug: flags without a value. */
static void key_flag(struct parser *ps, unsigned nvals, enum key k)
{
	if (nvals) {
		fail(ps, keys[k].name, word(ps, 1), "is not allowed: the key takes no value");
		return;
	}
	if (k == KEY_VM || k == KEY_DEBUG) {
		*(k == KEY_VM ? &ps->prog->vm : &ps->prog->debug) = true;
		return;
	}
	if (ps->input) {
		msg_begin(&ps->m, "input", NULL);
		msg_str(&ps->m, "already given to ");
		msg_quoted(&ps->m, ps->input->name);
		report(ps);
		return;
	}
	ps->prog->input = true;
	ps->input = ps->prog;
}

/* Applies the split line in ps->w. */
static void apply_line(struct parser *ps)
{
	const char *name = word(ps, 0);
	unsigned nvals = ps->w.count - 1;
	enum key k = KEY_COUNT;

	for (unsigned i = 0; i < KEY_COUNT; i++) {
		if (str_eq(name, keys[i].name))
			k = (enum key)i;
	}
	if (k == KEY_PROGRAM) {
		start_block(ps, nvals ? word(ps, 1) : "", nvals);
		return;
	}
	if (ps->skipping)
		return;   /* the block beyond the limit was reported at its start */
	if (k == KEY_COUNT) {
		ps->m.len = 0;
		msg_str(&ps->m, "unknown key ");
		msg_quoted(&ps->m, name);
		report(ps);
		return;
	}
	if (k == KEY_CMDLINE) {
		key_cmdline(ps, nvals);
		return;
	}
	if (!ps->prog) {
		fail(ps, keys[k].name, NULL, "only allowed in a program block (after a 'program' line)");
		return;
	}
	if (!keys[k].repeatable && ps->key_line[k]) {
		msg_begin(&ps->m, keys[k].name, NULL);
		msg_str(&ps->m, "given twice (first on line ");
		msg_uint(&ps->m, ps->key_line[k], false);
		msg_char(&ps->m, ')');
		report(ps);
		return;
	}
	ps->key_line[k] = ps->line;
	if (nvals == 0 && k != KEY_INPUT && k != KEY_VM && k != KEY_DEBUG) {
		fail(ps, keys[k].name, NULL, "the value is missing");
		return;
	}
	switch (k) {
	case KEY_FILE: key_file(ps, nvals); break;
	case KEY_ARGS: key_args(ps, nvals); break;
	case KEY_PRIORITY: key_priority(ps, nvals); break;
	case KEY_QUOTA:
		key_size(ps, nvals, "quota", CFG_QUOTA_MIN, CFG_QUOTA_MAX, "16K..1G", &ps->prog->quota);
		break;
	case KEY_MEMORY:
		key_size(ps, nvals, "memory", 0, CFG_MEMORY_MAX, "0..64G", &ps->prog->memory);
		break;
	case KEY_IOPORTS: key_ioports(ps, nvals); break;
	case KEY_IRQ: key_irq(ps, nvals); break;
	case KEY_SERVE: key_serve(ps, nvals); break;
	case KEY_USE: key_use(ps, nvals); break;
	case KEY_MODULE: key_module(ps, nvals); break;
	case KEY_CPUS: key_cpus(ps, nvals); break;
	case KEY_CPU: key_cpu(ps, nvals); break;
	case KEY_AFTER: key_after(ps, nvals); break;
	case KEY_INPUT:
	case KEY_VM:
	case KEY_DEBUG: key_flag(ps, nvals, k); break;
	default: break;   /* cmdline and program were handled above */
	}
}

/* Checks, splits and applies one line (its line ending removed). */
static void parse_line(struct parser *ps, const char *s, size_t n)
{
	struct msg bad;
	const char *why = check_bytes(&bad, s, n);

	if (!why)
		why = split_words(ps, s, n);
	if (why) {
		/*
		 * Keep the block structure: a broken `program` line still starts
		 * a block (invalid), so the lines after it do not land in the
		 * block before. A broken line of another key counts as given,
		 * so that `file` is not also reported missing.
		 */
		enum key k = first_key(s, n);
		if (k == KEY_PROGRAM)
			start_block(ps, NULL, 0);
		if (ps->skipping)
			return;
		if (k != KEY_COUNT && ps->prog && !ps->key_line[k])
			ps->key_line[k] = ps->line;
		ps->m.len = 0;
		msg_str(&ps->m, why);
		report(ps);
		return;
	}
	if (ps->w.count)
		apply_line(ps);
}

/* After the whole file: every used endpoint must have a server. */
static void check_endpoints(struct parser *ps)
{
	struct cfg *out = ps->out;

	for (unsigned i = 0; i < out->count; i++) {
		struct cfg_program *p = &out->programs[i];
		for (unsigned u = 0; u < p->nuse; u++) {
			bool served = false;
			for (unsigned k = 0; k < out->count && !served; k++)
				served = name_in(out->programs[k].serve, out->programs[k].nserve, p->use[u]);
			if (served)
				continue;
			ps->m.len = 0;
			msg_str(&ps->m, "endpoint ");
			msg_quoted(&ps->m, p->use[u]);
			msg_str(&ps->m, " used by ");
			msg_quoted(&ps->m, p->name);
			msg_str(&ps->m, " (line ");
			msg_uint(&ps->m, p->use_line[u], false);
			msg_str(&ps->m, ") is served by no program");
			report_at(ps, p->use_line[u], p);
		}
	}
}

/* After the whole file: every `after` names another program, and no
 * chain of them comes back to where it began (nothing in it would ever
 * start). */
static void check_after(struct parser *ps)
{
	struct cfg *out = ps->out;

	for (unsigned i = 0; i < out->count; i++) {
		struct cfg_program *p = &out->programs[i];
		if (!p->after[0])
			continue;
		const struct cfg_program *q = cfg_find(out, p->after);
		unsigned steps = 0;
		while (q && q != p && q->after[0] && steps++ < out->count)
			q = cfg_find(out, q->after);
		bool missing = !cfg_find(out, p->after);
		if (!missing && q != p && steps <= out->count)
			continue;       /* (a bad `after` further on is reported at its own line) */
		ps->m.len = 0;
		msg_begin(&ps->m, "after", p->after);
		msg_str(&ps->m, missing ? "is no program of the file" : cfg_find(out, p->after) == p ? "is the program itself" :
			q == p ? "comes back to this program (a cycle)" : "leads into a cycle");
		report_at(ps, p->after_line, p);
	}
}

unsigned cfg_parse(const char *text, size_t len, struct cfg *out, cfg_report_fn report_fn, void *ctx)
{
	struct parser ps;
	size_t pos = 0;

	if (!out)
		return 1;
	__builtin_memset(out, 0, sizeof(*out));
	__builtin_memset(&ps, 0, sizeof(ps));
	ps.out = out;
	ps.report = report_fn;
	ps.ctx = ctx;
	if (!text)
		len = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n && text[pos + n - 1] == '\r')
			n--;   /* CRLF line endings */
		if (ps.line != ~0u)
			ps.line++;   /* saturates rather than wrap to 0 */
		parse_line(&ps, text + pos, n);
		pos = end < len ? end + 1 : len;
	}
	end_block(&ps);
	check_endpoints(&ps);
	check_after(&ps);
	return ps.errors;
}

const struct cfg_program *cfg_find(const struct cfg *cfg, const char *name)
{
	if (!cfg || !name || !name[0])
		return NULL;
	for (unsigned i = 0; i < cfg->count && i < CFG_MAX_PROGRAMS; i++) {
		const char *have = cfg->programs[i].name;
		size_t k = 0;
		while (k < CFG_NAME_MAX && have[k] && have[k] == name[k])
			k++;
		if (have[k] == name[k])
			return &cfg->programs[i];
	}
	return NULL;
}

const char *cfg_arg(const struct cfg_program *prog, unsigned i)
{
	if (!prog || i >= prog->argc || i >= CFG_MAX_ARGS || prog->argv[i] >= sizeof(prog->argbuf))
		return NULL;
	return prog->argbuf + prog->argv[i];
}
