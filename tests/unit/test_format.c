/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/format.c: the kernel's printf engine is compared with the
 * host libc's vsnprintf over generated tables of formats and values, at every
 * buffer size from 0 to the full length + 2 (return value, every byte written,
 * and the bytes after the buffer must all agree), plus explicit expectations
 * for the cases where C leaves the result to the implementation.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "format.h"
#include "unit.h"

/* ------------------------------------------------------------ comparison harness */

static const char *nonliteral(const char *s)
{
	/* Keeps gcc's format checker away from deliberately odd formats. */
	const char *volatile v = s;

	return v;
}

#define CMP_BUF 320   /* largest output any table produces, with room to spare */
#define GUARD 16      /* bytes after the largest size, which must stay untouched */

static struct {
	unsigned long checks;       /* (format, size) pairs compared */
	unsigned long mismatches;   /* formats whose output differed at some size */
	unsigned shown;             /* distinct formats described in first */
	char first[1536];           /* descriptions of the first few mismatches */
} st;

static void reset_stats(void)
{
	memset(&st, 0, sizeof(st));
}

/* Appends a printable rendering of n bytes of s to out. */
static void append_escaped(char *out, size_t outsz, const char *s, size_t n)
{
	size_t len = strlen(out);

	for (size_t i = 0; i < n && len + 5 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[len++] = (char)c;
		else
			len += (size_t)snprintf(out + len, outsz - len, "\\x%02x", c);
	}
	out[len] = '\0';
}

static void note_mismatch(const char *fmt, size_t size, int ra, const char *a, int rb,
			  const char *b)
{
	static char last_fmt[64];

	st.mismatches++;
	if (!strcmp(last_fmt, fmt))
		return;   /* the same format with another value: shown once */
	snprintf(last_fmt, sizeof(last_fmt), "%s", fmt);
	size_t len = strlen(st.first);
	if (st.shown++ >= 6 || len + 200 > sizeof(st.first))
		return;
	snprintf(st.first + len, sizeof(st.first) - len, "%s[fmt \"", len ? "; " : "");
	append_escaped(st.first, sizeof(st.first), fmt, strlen(fmt));
	len = strlen(st.first);
	snprintf(st.first + len, sizeof(st.first) - len, "\" size %zu: libc %d \"", size, ra);
	size_t shown = size ? size - 1 : 0;
	append_escaped(st.first, sizeof(st.first), a, MIN(shown, (size_t)(ra < 0 ? 0 : ra)));
	len = strlen(st.first);
	snprintf(st.first + len, sizeof(st.first) - len, "\" kernel %d \"", rb);
	append_escaped(st.first, sizeof(st.first), b, MIN(shown, (size_t)(rb < 0 ? 0 : rb)));
	len = strlen(st.first);
	snprintf(st.first + len, sizeof(st.first) - len, "\"]");
}

/* Formats with both libc and the kernel: first into a large buffer, then at
 * every buffer size up to the full length + 2, then with no buffer at all. */
static void vs_libc(const char *fmt, va_list ap)
{
	char a[CMP_BUF + GUARD], b[CMP_BUF + GUARD];
	va_list c;

	va_copy(c, ap);
	int full = vsnprintf(NULL, 0, fmt, c);
	va_end(c);
	ck_assert_msg(full >= 0 && full + 2 < CMP_BUF, "test table error: libc gives %d for \"%s\"",
		      full, fmt);

	for (size_t i = 0; i <= (size_t)full + 3; i++) {
		size_t size = i == 0 ? CMP_BUF : i - 1;
		memset(a, 0xa5, sizeof(a));
		memset(b, 0xa5, sizeof(b));
		va_copy(c, ap);
		int ra = vsnprintf(a, size, fmt, c);
		va_end(c);
		va_copy(c, ap);
		int rb = fmt_vsnprintf(b, size, fmt, c);
		va_end(c);
		st.checks++;
		if (ra != rb || memcmp(a, b, sizeof(a)) != 0) {
			note_mismatch(fmt, size, ra, a, rb, b);
			return;
		}
	}
	va_copy(c, ap);
	int rk = fmt_vsnprintf(NULL, 0, fmt, c);
	va_end(c);
	st.checks++;
	if (rk != full)
		note_mismatch(fmt, 0, full, "", rk, "");
}

static void PRINTF(1, 2) same_as_libc(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vs_libc(fmt, ap);
	va_end(ap);
}

/* Every comparison of the test agreed, and there were at least min_checks of them. */
#define ASSERT_LIBC_AGREES(min_checks)                                                      \
	do {                                                                               \
		ck_assert_msg(st.mismatches == 0, "%lu format/value case(s) differ from libc (of %lu checks): %s", \
			      st.mismatches, st.checks, st.first);                          \
		ck_assert_uint_ge(st.checks, (min_checks));                                  \
	} while (0)

/* Builds "%" flags width precision length conversion. */
static void build_fmt(char *out, size_t outsz, const char *flags, const char *width,
		      const char *prec, const char *len, char conv)
{
	snprintf(out, outsz, "%%%s%s%s%s%c", flags, width, prec, len, conv);
}

/* The subset of the flag characters in all selected by mask, in order. */
static void flag_subset(char *out, const char *all, unsigned mask)
{
	size_t n = 0;

	for (unsigned i = 0; all[i]; i++)
		if (mask & (1u << i))
			out[n++] = all[i];
	out[n] = '\0';
}

static const char *const widths[] = { "", "1", "3", "8", "13" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".11" };

static const int int_vals[] = {
	0, 1, -1, 7, -7, 42, -42, 99999, -100000, 1234567, INT_MAX, INT_MIN, INT_MAX - 1,
	INT_MIN + 1,
};

static const int64_t s64_vals[] = {
	0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 65535, 0x12345678,
	INT_MIN, INT_MAX, (int64_t)1 << 32, -((int64_t)1 << 40), INT64_MAX, INT64_MIN,
	INT64_MIN + 1, 0x7f7f7f7f7f7f7f7fll,
};

static const uint64_t u64_vals[] = {
	0, 1, 7, 8, 9, 10, 15, 16, 255, 256, 0777, 01000, 0xffff, 0x10000, 0xdeadbeef,
	UINT_MAX, 1ull << 32, 0x123456789abcdef0ull, UINT64_MAX, UINT64_MAX - 1, 1ull << 63,
};

static const char *const lengths[] = { "hh", "h", "", "l", "ll", "z", "j", "t" };

/* Passes v as the type the length modifier of a signed conversion expects. */
static void same_as_libc_signed(const char *fmt, const char *len, int64_t v)
{
	if (!strcmp(len, "l"))
		same_as_libc(fmt, (long)v);
	else if (!strcmp(len, "ll"))
		same_as_libc(fmt, (long long)v);
	else if (!strcmp(len, "z"))
		same_as_libc(fmt, (ssize_t)v);
	else if (!strcmp(len, "j"))
		same_as_libc(fmt, (intmax_t)v);
	else if (!strcmp(len, "t"))
		same_as_libc(fmt, (ptrdiff_t)v);
	else
		same_as_libc(fmt, (int)v);   /* hh, h and none all take an int */
}

static void same_as_libc_unsigned(const char *fmt, const char *len, uint64_t v)
{
	if (!strcmp(len, "l"))
		same_as_libc(fmt, (unsigned long)v);
	else if (!strcmp(len, "ll"))
		same_as_libc(fmt, (unsigned long long)v);
	else if (!strcmp(len, "z"))
		same_as_libc(fmt, (size_t)v);
	else if (!strcmp(len, "j"))
		same_as_libc(fmt, (uintmax_t)v);
	else if (!strcmp(len, "t"))
		same_as_libc(fmt, (ptrdiff_t)v);
	else
		same_as_libc(fmt, (unsigned)v);
}

/* Runs conv with every flag subset of flags, every width and precision, every length. */
static void unsigned_table(char conv, const char *flags, const char *forced_flags)
{
	char fl[16], fl2[24], fmt[48];

	for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
		for (unsigned mask = 0; mask < 1u << strlen(flags); mask++) {
			flag_subset(fl, flags, mask);
			snprintf(fl2, sizeof(fl2), "%s%s", forced_flags, fl);
			for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
					build_fmt(fmt, sizeof(fmt), fl2, widths[w], precs[p],
						  lengths[l], conv);
					for (size_t v = 0; v < ARRAY_SIZE(u64_vals); v++)
						same_as_libc_unsigned(fmt, lengths[l], u64_vals[v]);
				}
		}
}

/* ------------------------------------------------------------ libc comparison tables */

static bool contains(const char *s, const char *sub)
{
	for (; *s; s++) {
		size_t i = 0;
		while (sub[i] && s[i] == sub[i])
			i++;
		if (!sub[i])
			return true;
	}
	return false;
}

START_TEST(test_libc_signed_int_flags_width_precision)
{
	static const char convs[] = "di";
	char fl[8], fmt[32];

	for (unsigned mask = 0; mask < 16; mask++) {
		flag_subset(fl, "-0+ ", mask);
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
				for (int c = 0; convs[c]; c++) {
					build_fmt(fmt, sizeof(fmt), fl, widths[w], precs[p], "", convs[c]);
					for (size_t v = 0; v < ARRAY_SIZE(int_vals); v++)
						same_as_libc(fmt, int_vals[v]);
				}
	}
	ASSERT_LIBC_AGREES(100000);
}
END_TEST

START_TEST(test_libc_signed_length_modifiers)
{
	static const char *const fls[] = { "", "-", "+", " ", "0", "-+", "+0", " 0", "- " };
	static const char *const ws[] = { "", "4", "22" };
	static const char *const ps[] = { "", ".0", ".3", ".21" };
	char fmt[32];

	for (size_t f = 0; f < ARRAY_SIZE(fls); f++)
		for (size_t w = 0; w < ARRAY_SIZE(ws); w++)
			for (size_t p = 0; p < ARRAY_SIZE(ps); p++)
				for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
					for (const char *c = "di"; *c; c++) {
						build_fmt(fmt, sizeof(fmt), fls[f], ws[w], ps[p],
							  lengths[l], *c);
						for (size_t v = 0; v < ARRAY_SIZE(s64_vals); v++)
							same_as_libc_signed(fmt, lengths[l], s64_vals[v]);
					}
	ASSERT_LIBC_AGREES(100000);
}
END_TEST

START_TEST(test_libc_unsigned_decimal)
{
	/* '+' and ' ' apply to signed conversions only: %u must ignore them. */
	unsigned_table('u', "-0+ ", "");
	ASSERT_LIBC_AGREES(100000);
}
END_TEST

START_TEST(test_libc_hex_lowercase)
{
	unsigned_table('x', "-0#", "");
	ASSERT_LIBC_AGREES(100000);
}
END_TEST

START_TEST(test_libc_hex_uppercase)
{
	unsigned_table('X', "-0# ", "");
	ASSERT_LIBC_AGREES(100000);
}
END_TEST

START_TEST(test_libc_octal)
{
	unsigned_table('o', "-0+", "");
	ASSERT_LIBC_AGREES(50000);
}
END_TEST

/* C11 7.21.6.1: for o, '#' increases the precision, if and only if
 * necessary, to force the first digit of the result to be a zero. */
START_TEST(test_libc_octal_alternate_form)
{
	unsigned_table('o', "-0", "#");
	ASSERT_LIBC_AGREES(20000);
}
END_TEST

START_TEST(test_libc_64bit_extremes)
{
	same_as_libc("%lld|%lli|%lld|%lld", (long long)INT64_MIN, (long long)INT64_MIN,
		     (long long)INT64_MAX, (long long)INT64_MIN + 1);
	same_as_libc("%+lld|% lld|%30lld|%-30lld|", (long long)INT64_MIN, (long long)INT64_MIN,
		     (long long)INT64_MIN, (long long)INT64_MIN);
	same_as_libc("%030lld|%.25lld|%+.25lld|%-+30.22lld|", (long long)INT64_MIN,
		     (long long)INT64_MIN, (long long)INT64_MAX, (long long)INT64_MAX);
	same_as_libc("%ld|%jd|%td|%zd", LONG_MIN, (intmax_t)INT64_MIN, (ptrdiff_t)PTRDIFF_MIN,
		     (ssize_t)INT64_MIN);
	same_as_libc("%llu|%llx|%llX|%llo|%#llx|%#llo", (unsigned long long)UINT64_MAX,
		     (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
		     (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
		     (unsigned long long)UINT64_MAX);
	same_as_libc("%lu|%zu|%jx|%#lX", ULONG_MAX, SIZE_MAX, UINTMAX_MAX, 1ul << 63);
	same_as_libc("%d|%d|%+d|%11d|%-12d|%012d", INT_MIN, INT_MAX, INT_MIN, INT_MIN, INT_MIN,
		     INT_MIN);
	same_as_libc("%u|%x|%o|%#X", UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX);
	same_as_libc("%hhd|%hhd|%hd|%hd", SCHAR_MIN, SCHAR_MAX, SHRT_MIN, SHRT_MAX);
	ASSERT_LIBC_AGREES(9 * 40);
}
END_TEST

START_TEST(test_libc_zero_value_with_zero_precision)
{
	static const char *const fmts[] = {
		"%.0d", "%.d", "%.0i", "%5.0d", "%-5.0d|", "%+.0d", "% .0d", "%+5.0i", "%05.0d",
		"%.0u", "%3.u", "%.0x", "%.0X", "%#.0x", "%#.0X", "%#5.0x", "%-#5.0X|", "%.0o",
		"%4.0o", "%.0lld", "%.0llx", "%.0hhu", "%.0zu", "[%.0d]", "%.1d", "%.2x",
		"%#.1x", "%#x", "%#5x", "%#o", "%#.1o", "%#.2o",
	};

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		if (contains(fmts[i], "ll"))
			same_as_libc(fmts[i], 0ll);
		else if (contains(fmts[i], "z"))
			same_as_libc(fmts[i], (size_t)0);
		else
			same_as_libc(fmts[i], 0);
	}
	ASSERT_LIBC_AGREES(ARRAY_SIZE(fmts) * 2);
}
END_TEST

START_TEST(test_libc_strings)
{
	static const char *const strs[] = {
		"", "a", "abc", "hello, world", "tab\tnl\n", "\xff\x80 high bytes", "%d not a conversion",
	};
	static const char *const ws[] = { "", "1", "5", "12", "40" };
	static const char *const ps[] = { "", ".", ".0", ".1", ".4", ".12", ".30" };
	char fmt[32];

	for (int left = 0; left < 2; left++)
		for (size_t w = 0; w < ARRAY_SIZE(ws); w++)
			for (size_t p = 0; p < ARRAY_SIZE(ps); p++) {
				build_fmt(fmt, sizeof(fmt), left ? "-" : "", ws[w], ps[p], "", 's');
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++)
					same_as_libc(fmt, strs[s]);
			}
	ASSERT_LIBC_AGREES(5000);
}
END_TEST

START_TEST(test_libc_null_string_without_precision)
{
	const char *volatile nul = NULL;
	static const char *const fmts[] = { "%s", "%10s", "%-10s|", "[%3s]", "%s%s" };

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++)
		same_as_libc(fmts[i], nul, nul);
	ASSERT_LIBC_AGREES(ARRAY_SIZE(fmts) * 6);
}
END_TEST

START_TEST(test_libc_chars)
{
	static const int chars[] = { 'a', ' ', '%', 0, 255, -1, '\n', 0x141 /* low byte 'A' */ };
	static const char *const fmts[] = {
		"%c", "%1c", "%2c", "%7c", "%-1c|", "%-2c|", "%-7c|", "[%c%c]", "%c%%%c",
	};

	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t c = 0; c < ARRAY_SIZE(chars); c++)
			same_as_libc(fmts[f], chars[c], chars[(c + 1) % ARRAY_SIZE(chars)]);
	ASSERT_LIBC_AGREES(ARRAY_SIZE(fmts) * ARRAY_SIZE(chars) * 3);
}
END_TEST

START_TEST(test_libc_star_width_and_precision)
{
	static const int ws[] = { -20, -5, -1, 0, 1, 4, 15 };
	static const int ps[] = { -7, -1, 0, 1, 3, 12 };
	static const char *const wfmts[] = { "%*d|", "%-*d|", "%0*d|", "%+*d|", "%*x|", "%#*X|" };
	static const char *const pfmts[] = { "%.*d|", "%+.*i|", "%.*u|", "%#.*x|", "%05.*d|" };
	static const char *const wpfmts[] = { "%*.*d|", "%-*.*d|", "%0*.*d|", "%*.*x|" };

	for (size_t v = 0; v < ARRAY_SIZE(int_vals); v++) {
		int x = int_vals[v];
		for (size_t w = 0; w < ARRAY_SIZE(ws); w++) {
			for (size_t f = 0; f < ARRAY_SIZE(wfmts); f++)
				same_as_libc(wfmts[f], ws[w], x);
			for (size_t p = 0; p < ARRAY_SIZE(ps); p++)
				for (size_t f = 0; f < ARRAY_SIZE(wpfmts); f++)
					same_as_libc(wpfmts[f], ws[w], ps[p], x);
		}
		for (size_t p = 0; p < ARRAY_SIZE(ps); p++)
			for (size_t f = 0; f < ARRAY_SIZE(pfmts); f++)
				same_as_libc(pfmts[f], ps[p], x);
	}
	for (size_t w = 0; w < ARRAY_SIZE(ws); w++) {
		same_as_libc("%*c|", ws[w], 'z');
		same_as_libc("%*s|", ws[w], "str");
		for (size_t p = 0; p < ARRAY_SIZE(ps); p++) {
			same_as_libc("%*.*s|", ws[w], ps[p], "string");
			same_as_libc("[%.*s]", ps[p], "string");
		}
	}
	ASSERT_LIBC_AGREES(20000);
}
END_TEST

START_TEST(test_libc_pointers_non_null)
{
	static const uintptr_t ptrs[] = {
		0x1, 0xfff, 0x1000, 0xdeadbeef, 0x7fffffffffffull, 0xffffffff80000000ull, UINTPTR_MAX,
	};
	static const char *const fmts[] = { "%p", "%1p", "%3p", "%20p", "%-20p|", "[%p %p]" };

	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t p = 0; p < ARRAY_SIZE(ptrs); p++)
			same_as_libc(fmts[f], (void *)ptrs[p], (void *)ptrs[(p + 1) % ARRAY_SIZE(ptrs)]);
	ASSERT_LIBC_AGREES(ARRAY_SIZE(fmts) * ARRAY_SIZE(ptrs) * 5);
}
END_TEST

START_TEST(test_libc_flag_order_and_repetition)
{
	static const char *const fmts[] = {
		"%+-5d|", "%-+5d|", "%0-5d|", "%-05d|", "% +d", "%+ d", "%--5d|", "%00005d",
		"%++d", "%  d", "%0+ 8d", "% 0+8d", "%-#8x|", "%#-8x|", "%0#8x", "%#08x", "%0-#8X|",
	};
	static const int vals[] = { 0, 3, -3, 255, INT_MIN };

	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
			same_as_libc(fmts[f], vals[v]);
	ASSERT_LIBC_AGREES(ARRAY_SIZE(fmts) * ARRAY_SIZE(vals) * 3);
}
END_TEST

START_TEST(test_libc_mixed_conversions_and_text)
{
	static const char *const plain[] = {
		"no conversions at all", "100%%", "%%%%", "a%%b%%c", "%5%", "%-5%|",
	};

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		same_as_libc(plain[i], 0);
	same_as_libc("%s", "");
	same_as_libc("x=%d y=%s z=%#x %c%%", -5, "str", 255u, 'q');
	same_as_libc("%s=%lu (%#llo) [%-6.2s]", "key", 123456789ul, 0777ull, "abcdef");
	same_as_libc("[%5d|%-5d|%05d|%05d]", 42, 42, 42, -42);
	same_as_libc("[%#lx|%X|%lx]", 0xdeadbeeful, 0xdeadbeefu, ~0ul);
	same_as_libc("[%.3s|%3c|%%|%p]", "abcdef", 'x', (void *)0x1000);
	same_as_libc("%hhu.%hhu.%hhu.%hhu:%hu", 192, 168, 0, 1, 8080);
	same_as_libc(nonliteral("%08.3d|%-08.3d|%+08.3d"), 7, 7, 7);
	ASSERT_LIBC_AGREES(14 * 5);
}
END_TEST

/* ------------------------------------------------------------ explicit expectations */

START_TEST(test_truncation_and_terminator)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 4, "%d", 123456), 6);
	ck_assert_str_eq(buf, "123");
	ck_assert_int_eq(buf[4], 'X');

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 1, "%s", "abc"), 3);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 0, "%s", "abc"), 3);
	ck_assert_int_eq(buf[0], 'X');
	ck_assert_int_eq(fmt_snprintf(NULL, 0, "%05d%s", 7, "xyz"), 8);

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 7, "%-6s|", "ab"), 7);
	ck_assert_str_eq(buf, "ab    ");

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%lld", (long long)INT64_MIN), 20);
	ck_assert_str_eq(buf, "-92233720368547");   /* 15 characters fit */
}
END_TEST

START_TEST(test_return_value_independent_of_size)
{
	char buf[64];

	for (size_t size = 0; size <= sizeof(buf); size++) {
		ck_assert_int_eq(fmt_snprintf(buf, size, "%#018llx:%-6s:%+d", 0xabcull, "ok", 9), 28);
		if (size)
			ck_assert_uint_eq(strlen(buf), MIN(size - 1, 28));
	}
	ck_assert_str_eq(buf, "0x0000000000000abc:ok    :+9");
}
END_TEST

START_TEST(test_explicit_integer_results)
{
	static const struct {
		const char *want;
		int ret;
	} want[] = {
		{ "-56", 3 }, { "255", 3 }, { "2345", 4 }, { "-25536", 6 }, { "-9223372036854775808", 20 },
		{ "0x00ff", 6 }, { "  +042", 6 }, { "-0042", 5 }, { "ffffffffffffffff", 16 },
		{ "1777777777777777777777", 22 }, { "", 0 }, { "0", 1 }, { "0X1F", 4 },
	};
	char buf[64];
	int r[ARRAY_SIZE(want)];
	char out[ARRAY_SIZE(want)][64];

	r[0] = fmt_snprintf(out[0], 64, "%hhd", 200);
	r[1] = fmt_snprintf(out[1], 64, "%hhu", 511);
	r[2] = fmt_snprintf(out[2], 64, "%hx", 0x12345);
	r[3] = fmt_snprintf(out[3], 64, "%hd", 40000);
	r[4] = fmt_snprintf(out[4], 64, "%lld", (long long)INT64_MIN);
	r[5] = fmt_snprintf(out[5], 64, "%#06x", 255);
	r[6] = fmt_snprintf(out[6], 64, "%+6.3d", 42);
	r[7] = fmt_snprintf(out[7], 64, "%05d", -42);
	r[8] = fmt_snprintf(out[8], 64, "%zx", SIZE_MAX);
	r[9] = fmt_snprintf(out[9], 64, "%llo", (unsigned long long)UINT64_MAX);
	r[10] = fmt_snprintf(out[10], 64, "%.0x", 0);
	r[11] = fmt_snprintf(out[11], 64, "%#x", 0);
	r[12] = fmt_snprintf(out[12], 64, "%#X", 31);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_msg(r[i] == want[i].ret && !strcmp(out[i], want[i].want),
			      "case %zu: got %d \"%s\", want %d \"%s\"", i, r[i], out[i], want[i].ret,
			      want[i].want);
	}
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%c", 0), 1);
	ck_assert_int_eq(buf[0], '\0');
}
END_TEST

START_TEST(test_selftest_examples)
{
	/* The same calls as kernel/selftest.c makes at boot. */
	char buf[96];

	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%05d]", 42, 42, 42, -42), 25);
	ck_assert_str_eq(buf, "[   42|42   |00042|-0042]");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "[%#lx|%X|%lx]", 0xdeadbeeful, 0xdeadbeefu,
				      ~0ul), 38);
	ck_assert_str_eq(buf, "[0xdeadbeef|DEADBEEF|ffffffffffffffff]");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "[%.3s|%3c|%%|%p]", "abcdef", 'x',
				      (void *)0x1000), 18);
	ck_assert_str_eq(buf, "[abc|  x|%|0x1000]");
}
END_TEST

START_TEST(test_null_pointer_prints_0x0)
{
	/* libc prints "(nil)"; the kernel prints the number like any other pointer. */
	char buf[32];

	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%p", NULL), 3);
	ck_assert_str_eq(buf, "0x0");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "[%6p|%-6p]", NULL, NULL), 15);
	ck_assert_str_eq(buf, "[   0x0|0x0   ]");
}
END_TEST

START_TEST(test_null_string_with_precision_is_truncated_null)
{
	const char *volatile nul = NULL;
	char buf[32];

	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%s|%.3s|%8s", nul, nul, nul), 19);
	ck_assert_str_eq(buf, "(null)|(nu|  (null)");
}
END_TEST

START_TEST(test_lone_percent_and_unknown_conversion)
{
	char buf[32];

	/* Not defined by C (libc returns -1); the kernel prints what it got. */
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), nonliteral("abc%"), 0), 4);
	ck_assert_str_eq(buf, "abc%");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), nonliteral("<%y>"), 0), 4);
	ck_assert_str_eq(buf, "<%y>");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), nonliteral("%d%k%d"), 1, 2), 4);
	ck_assert_str_eq(buf, "1%k2");   /* the unknown conversion consumed no argument */
}
END_TEST

struct collect {
	char buf[128];
	int n;
};

static void collect_sink(void *ctx, char c)
{
	struct collect *col = ctx;

	if (col->n < (int)sizeof(col->buf))
		col->buf[col->n] = c;
	col->n++;
}

static int vformat_collect(struct collect *col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = fmt_vformat(collect_sink, col, fmt, ap);
	va_end(ap);
	return r;
}

START_TEST(test_vformat_sink_gets_every_character)
{
	struct collect col = { .n = 0 };

	/* The sink sees embedded NULs from %c too, and the count matches. */
	int r = vformat_collect(&col, "a%cb%5s%-3d|%%", 0, "xy", -1);
	ck_assert_int_eq(r, 13);
	ck_assert_int_eq(col.n, 13);
	ck_assert_mem_eq(col.buf, "a\0b   xy-1 |%", 13);
}
END_TEST

START_TEST(test_string_precision_reads_at_most_precision_bytes)
{
	/*
	 * C11 7.21.6.1p8: with a precision, the array need not contain a NUL;
	 * no more than precision bytes may be read. The array below is exactly
	 * 3 bytes long on the heap, so AddressSanitizer catches any read past it.
	 */
	char *arr = malloc(3);
	char buf[16];

	ck_assert_ptr_nonnull(arr);
	memcpy(arr, "abc", 3);
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "%.3s", arr), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(fmt_snprintf(buf, sizeof(buf), "[%5.2s]", arr), 7);
	ck_assert_str_eq(buf, "[   ab]");
	free(arr);
}
END_TEST

START_TEST(test_seven_digit_width_matches_libc)
{
	/* Widths are plain decimal numbers: 1234567 is 1234567, not 123456. */
	ck_assert_int_eq(snprintf(NULL, 0, nonliteral("%1234567d"), 5), 1234567);
	ck_assert_int_eq(fmt_snprintf(NULL, 0, nonliteral("%1234567d"), 5), 1234567);
	ck_assert_int_eq(fmt_snprintf(NULL, 0, nonliteral("%.1000000d"), 5), 1000000);
}
END_TEST

START_TEST(test_star_width_int_min_has_no_undefined_behaviour)
{
	/* A negative '*' width means '-' plus its magnitude; INT_MIN has none in
	 * an int. Under -fsanitize=undefined (halt_on_error) negating it aborts. */
	char buf[8];
	int r = fmt_snprintf(buf, sizeof(buf), nonliteral("%*d"), INT_MIN, 7);

	ck_assert_int_eq(buf[0], '7');
	ck_assert_int_ne(r, 0);
}
END_TEST

Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("libc");

	tcase_add_checked_fixture(tc, reset_stats, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_libc_signed_int_flags_width_precision);
	tcase_add_test(tc, test_libc_signed_length_modifiers);
	tcase_add_test(tc, test_libc_unsigned_decimal);
	tcase_add_test(tc, test_libc_hex_lowercase);
	tcase_add_test(tc, test_libc_hex_uppercase);
	tcase_add_test(tc, test_libc_octal);
	tcase_add_test(tc, test_libc_octal_alternate_form);
	tcase_add_test(tc, test_libc_64bit_extremes);
	tcase_add_test(tc, test_libc_zero_value_with_zero_precision);
	tcase_add_test(tc, test_libc_strings);
	tcase_add_test(tc, test_libc_null_string_without_precision);
	tcase_add_test(tc, test_libc_chars);
	tcase_add_test(tc, test_libc_star_width_and_precision);
	tcase_add_test(tc, test_libc_pointers_non_null);
	tcase_add_test(tc, test_libc_flag_order_and_repetition);
	tcase_add_test(tc, test_libc_mixed_conversions_and_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("explicit");
	tcase_set_timeout(tc, 300);    /* %*d with INT_MIN pads 2^31 characters: slow under load */
	tcase_add_test(tc, test_truncation_and_terminator);
	tcase_add_test(tc, test_return_value_independent_of_size);
	tcase_add_test(tc, test_explicit_integer_results);
	tcase_add_test(tc, test_selftest_examples);
	tcase_add_test(tc, test_null_pointer_prints_0x0);
	tcase_add_test(tc, test_null_string_with_precision_is_truncated_null);
	tcase_add_test(tc, test_lone_percent_and_unknown_conversion);
	tcase_add_test(tc, test_vformat_sink_gets_every_character);
	tcase_add_test(tc, test_string_precision_reads_at_most_precision_bytes);
	tcase_add_test(tc, test_seven_digit_width_matches_libc);
	tcase_add_test(tc, test_star_width_int_min_has_no_undefined_behaviour);
	suite_add_tcase(s, tc);
	return s;
}
