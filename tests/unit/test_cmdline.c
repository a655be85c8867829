/* SPDX-License-Identifier: GPL-2.0-only */
/* Tests for kernel/cmdline.c: cmdline_get, parse_u64, cmdline_get_u64. */
#include <stdint.h>
#include <string.h>

#include "cmdline.h"
#include "unit.h"

/* Calls cmdline_get with a buffer prefilled with '#' and returns its result. */
static bool get(const char *line, const char *key, char *val, size_t size)
{
	memset(val, '#', size);
	return cmdline_get(line, key, val, size);
}

START_TEST(test_get_key_value_pairs)
{
	static const char line[] = "console=com1 loglevel=3 root=/dev/sda1 quiet";
	char val[32];

	ck_assert(get(line, "console", val, sizeof(val)));
	ck_assert_str_eq(val, "com1");
	ck_assert(get(line, "loglevel", val, sizeof(val)));
	ck_assert_str_eq(val, "3");
	ck_assert(get(line, "root", val, sizeof(val)));
	ck_assert_str_eq(val, "/dev/sda1");
}
END_TEST

START_TEST(test_get_bare_key_gives_empty_string)
{
	char val[8];

	ck_assert(get("a=1 quiet b=2", "quiet", val, sizeof(val)));
	ck_assert_str_eq(val, "");
	ck_assert(get("quiet", "quiet", val, 1));   /* "" fits in one byte */
	ck_assert_int_eq(val[0], '\0');
	ck_assert(get("k=", "k", val, sizeof(val)));   /* an empty value */
	ck_assert_str_eq(val, "");
}
END_TEST

START_TEST(test_get_absent_key)
{
	char val[16];

	ck_assert(!get("console=com1 loglevel=3", "debug", val, sizeof(val)));
	ck_assert(!get("", "console", val, sizeof(val)));
	ck_assert(!get("   \t\n ", "console", val, sizeof(val)));
}
END_TEST

START_TEST(test_get_prefix_and_suffix_do_not_match)
{
	static const char *const lines[] = {
		"loglevel=3", "log=3x", "console2=x", "xconsole=1", "consol", "console_x", "console-x=1",
	};
	static const char *const keys[] = { "log", "loglevel", "console", "console", "console",
					    "console", "console" };
	char val[16];

	for (unsigned i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_msg(!get(lines[i], keys[i], val, sizeof(val)), "key \"%s\" matched in \"%s\"",
			      keys[i], lines[i]);
	/* The selftest's cases: "test=" and "tes" are not the key "test". */
	ck_assert(!get("test=boot", "test=", val, sizeof(val)));
	ck_assert(!get("test=boot", "tes", val, sizeof(val)));
	ck_assert(get("log=1 loglevel=7", "loglevel", val, sizeof(val)));
	ck_assert_str_eq(val, "7");
	ck_assert(get("loglevel=7 log=1", "log", val, sizeof(val)));
	ck_assert_str_eq(val, "1");
}
END_TEST

START_TEST(test_get_last_occurrence_wins)
{
	char val[16];

	ck_assert(get("a=1 a=2 a=3", "a", val, sizeof(val)));
	ck_assert_str_eq(val, "3");
	ck_assert(get("a=1 b=9 a", "a", val, sizeof(val)));   /* a later bare key overrides */
	ck_assert_str_eq(val, "");
	ck_assert(get("a b=2 a=xyz", "a", val, sizeof(val)));
	ck_assert_str_eq(val, "xyz");
}
END_TEST

START_TEST(test_get_whitespace_separators)
{
	char val[16];

	ck_assert(get("  \t a=1\t\tb=22\n\nc=333   ", "b", val, sizeof(val)));
	ck_assert_str_eq(val, "22");
	ck_assert(get("  \t a=1\t\tb=22\n\nc=333   ", "c", val, sizeof(val)));
	ck_assert_str_eq(val, "333");
	ck_assert(get("\ta=1", "a", val, sizeof(val)));
	ck_assert_str_eq(val, "1");
}
END_TEST

START_TEST(test_get_value_may_contain_equals)
{
	char val[32];

	ck_assert(get("root=LABEL=boot ro", "root", val, sizeof(val)));
	ck_assert_str_eq(val, "LABEL=boot");
	ck_assert(get("x==", "x", val, sizeof(val)));
	ck_assert_str_eq(val, "=");
}
END_TEST

START_TEST(test_get_value_size_limit)
{
	char val[8];

	ck_assert(!get("name=abcdefgh", "name", val, 8));   /* 8 chars + NUL need 9 */
	ck_assert(get("name=abcdefg", "name", val, 8));
	ck_assert_str_eq(val, "abcdefg");
	ck_assert(!get("k=ab", "k", val, 2));
	ck_assert(get("k=a", "k", val, 2));
	ck_assert_str_eq(val, "a");
	/* Last occurrence wins even when an earlier one would have fitted. */
	ck_assert(get("k=toolongvalue k=ok", "k", val, 4));
	ck_assert_str_eq(val, "ok");
	ck_assert(!get("k=ok k=toolongvalue", "k", val, 4));
}
END_TEST

START_TEST(test_get_invalid_arguments)
{
	char val[8] = "#######";

	ck_assert(!cmdline_get(NULL, "k", val, sizeof(val)));
	ck_assert(!cmdline_get("k=1", NULL, val, sizeof(val)));
	ck_assert(!cmdline_get("k=1", "k", val, 0));
	ck_assert_str_eq(val, "#######");   /* nothing written */
}
END_TEST

START_TEST(test_parse_u64_valid_numbers)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 }, { "7", 7 }, { "00012", 12 }, { "1234567890", 1234567890 },
		{ "0x0", 0 }, { "0x1f", 31 }, { "0X1F", 31 }, { "0xDeadBeef", 0xdeadbeef },
		{ "0x00000000000000001", 1 }, { "0b0", 0 }, { "0b101", 5 }, { "0B11111111", 255 },
		{ "18446744073709551615", UINT64_MAX }, { "0xffffffffffffffff", UINT64_MAX },
		{ "0b1111111111111111111111111111111111111111111111111111111111111111", UINT64_MAX },
		{ "18446744073709551614", UINT64_MAX - 1 }, { "9223372036854775808", 1ull << 63 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		uint64_t v = 0x5a5a5a5a5a5a5a5aull;
		ck_assert_msg(parse_u64(ok[i].s, &v), "\"%s\" rejected", ok[i].s);
		ck_assert_msg(v == ok[i].v, "\"%s\" gave %llu", ok[i].s, (unsigned long long)v);
	}
}
END_TEST

START_TEST(test_parse_u64_suffixes)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "4K", 4096 }, { "4k", 4096 }, { "16M", 16ull << 20 }, { "16m", 16ull << 20 },
		{ "1G", 1ull << 30 }, { "3g", 3ull << 30 }, { "0K", 0 }, { "0x10M", 16ull << 20 },
		{ "0b10G", 2ull << 30 }, { "17179869183G", 17179869183ull << 30 },
		{ "0x3fffffffffffffK", 0x3fffffffffffffull << 10 },
	};
	static const char *const bad[] = {
		"17179869184G",        /* 2^34 GiB = 2^64: overflows */
		"0x40000000000000K",   /* 2^54 KiB = 2^64 */
		"18014398509481984K",
		"1KK", "1Kb", "4KB", "1T", "K", "0xK", "1 K",
	};
	uint64_t v;

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		v = 1;
		ck_assert_msg(parse_u64(ok[i].s, &v) && v == ok[i].v, "\"%s\" gave %llu", ok[i].s,
			      (unsigned long long)v);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 0x1234;
		ck_assert_msg(!parse_u64(bad[i], &v), "\"%s\" accepted as %llu", bad[i],
			      (unsigned long long)v);
		ck_assert_msg(v == 0x1234, "\"%s\" changed the output on failure", bad[i]);
	}
}
END_TEST

START_TEST(test_parse_u64_overflow_boundaries)
{
	static const char *const bad[] = {
		"18446744073709551616", "18446744073709551620", "99999999999999999999",
		"0x10000000000000000", "0x1ffffffffffffffff",
		"0b10000000000000000000000000000000000000000000000000000000000000000",
		"184467440737095516150",
	};
	uint64_t v = 77;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!parse_u64(bad[i], &v), "\"%s\" accepted as %llu", bad[i],
			      (unsigned long long)v);
	ck_assert_uint_eq(v, 77);
}
END_TEST

START_TEST(test_parse_u64_rejects_junk)
{
	static const char *const bad[] = {
		"", "0x", "0X", "0b", "0b2", "0b102", "12a", "-1", "+1", " 1", "1 ", "1.5", "0o7",
		"0xg", "0x-1", "abc", "0x1_000", "1,000", "٣", "\t5",
	};
	uint64_t v = 99;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!parse_u64(bad[i], &v), "\"%s\" accepted as %llu", bad[i],
			      (unsigned long long)v);
	ck_assert(!parse_u64(NULL, &v));
	ck_assert_uint_eq(v, 99);
}
END_TEST

START_TEST(test_get_u64)
{
	static const char line[] =
		"mem=512M poweroff=1 loglevel=0x7 mask=0b1010 bad=12q empty= flag "
		"long=0000000000000000000000000000001 toolong=00000000000000000000000000000001";
	uint64_t v;

	v = 0;
	ck_assert(cmdline_get_u64(line, "mem", &v));
	ck_assert_uint_eq(v, 512ull << 20);
	ck_assert(cmdline_get_u64(line, "poweroff", &v));
	ck_assert_uint_eq(v, 1);
	ck_assert(cmdline_get_u64(line, "loglevel", &v));
	ck_assert_uint_eq(v, 7);
	ck_assert(cmdline_get_u64(line, "mask", &v));
	ck_assert_uint_eq(v, 10);
	v = 42;
	ck_assert(!cmdline_get_u64(line, "bad", &v));
	ck_assert(!cmdline_get_u64(line, "empty", &v));
	ck_assert(!cmdline_get_u64(line, "flag", &v));
	ck_assert(!cmdline_get_u64(line, "absent", &v));
	ck_assert_uint_eq(v, 42);
	/* The value goes through a 32-byte buffer: 31 characters fit, 32 do not. */
	ck_assert(cmdline_get_u64(line, "long", &v));
	ck_assert_uint_eq(v, 1);
	v = 42;
	ck_assert(!cmdline_get_u64(line, "toolong", &v));
	ck_assert_uint_eq(v, 42);
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("cmdline");

	tcase_add_test(tc, test_get_key_value_pairs);
	tcase_add_test(tc, test_get_bare_key_gives_empty_string);
	tcase_add_test(tc, test_get_absent_key);
	tcase_add_test(tc, test_get_prefix_and_suffix_do_not_match);
	tcase_add_test(tc, test_get_last_occurrence_wins);
	tcase_add_test(tc, test_get_whitespace_separators);
	tcase_add_test(tc, test_get_value_may_contain_equals);
	tcase_add_test(tc, test_get_value_size_limit);
	tcase_add_test(tc, test_get_invalid_arguments);
	tcase_add_test(tc, test_parse_u64_valid_numbers);
	tcase_add_test(tc, test_parse_u64_suffixes);
	tcase_add_test(tc, test_parse_u64_overflow_boundaries);
	tcase_add_test(tc, test_parse_u64_rejects_junk);
	tcase_add_test(tc, test_get_u64);
	suite_add_tcase(s, tc);
	return s;
}
