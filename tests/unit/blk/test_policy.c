/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for servers/blk/policy.c: the block server's arguments (volumes
 * and grants, every error with its message), volume names as OPEN
 * carries them, and the checks of a request (every error of
 * include/l4/blk.h, in its order, at every edge and with sums that
 * overflow), against a brute-force model over random requests.
 */
#include <stdio.h>
#include <string.h>

#include <l4/errno.h>
#include "servers/blk/policy.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct blk_config cfg;

static bool parse(unsigned n, const char *const *args)
{
	memset(&cfg, 0x5a, sizeof(cfg));       /* parse must overwrite what counts */
	return blk_config_parse(&cfg, n, args);
}

/* One bad argument list: false, and exactly this message. */
static void refused(unsigned n, const char *const *args, const char *want)
{
	ck_assert_msg(!parse(n, args), "accepted, expected \"%s\"", want);
	ck_assert_str_eq(cfg.error, want);
}

#define REFUSED(want, ...) do {                                           \
		const char *const a_[] = { __VA_ARGS__ };                 \
		refused(ARRAY_SIZE(a_), a_, want);                        \
	} while (0)

START_TEST(test_volumes_and_grants)
{
	const char *const args[] = {
		"grant:disk-client=whole:ro,disk0,scratch",     /* before its volumes: fine */
		"vol:whole=disk:ata",
		"vol:disk0=disk:ata:0+1984",
		"vol:scratch=disk:ata:0x7c0+32",
		"vol:ram0=ram:ramdisk",
		"grant:bad_1=scratch,ram0:ro",
	};

	ck_assert(parse(ARRAY_SIZE(args), args));
	ck_assert_uint_eq(cfg.volume_count, 4);
	ck_assert_uint_eq(cfg.grant_count, 2);
	ck_assert_str_eq(cfg.volumes[0].name, "whole");
	ck_assert_int_eq(cfg.volumes[0].kind, BLK_DISK);
	ck_assert_str_eq(cfg.volumes[0].source, "ata");
	ck_assert(!cfg.volumes[0].slice);
	ck_assert(cfg.volumes[1].slice);
	ck_assert_uint_eq(cfg.volumes[1].first, 0);
	ck_assert_uint_eq(cfg.volumes[1].count, 1984);
	ck_assert_uint_eq(cfg.volumes[2].first, 0x7c0);
	ck_assert_uint_eq(cfg.volumes[2].count, 32);
	ck_assert_int_eq(cfg.volumes[3].kind, BLK_RAM);
	ck_assert_str_eq(cfg.volumes[3].source, "ramdisk");
	ck_assert_str_eq(cfg.grants[0].program, "disk-client");
	ck_assert_uint_eq(cfg.grants[0].volumes, 0x7);
	ck_assert_uint_eq(cfg.grants[0].read_only, 0x1);
	ck_assert_str_eq(cfg.grants[1].program, "bad_1");
	ck_assert_uint_eq(cfg.grants[1].volumes, 0xc);
	ck_assert_uint_eq(cfg.grants[1].read_only, 0x8);
	ck_assert_int_eq(blk_volume_find(&cfg, "ram0"), 3);
	ck_assert_int_eq(blk_volume_find(&cfg, "ram"), -1);
	ck_assert_int_eq(blk_volume_find(&cfg, ""), -1);
	ck_assert(parse(0, NULL));
	ck_assert_uint_eq(cfg.volume_count + cfg.grant_count, 0);
	ck_assert_str_eq(cfg.error, "");
}
END_TEST

START_TEST(test_bad_volumes)
{
	REFUSED("'nonsense': unknown argument (expected vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or "
		"vol:NAME=ram:MODULE, or grant:PROGRAM=VOLUME[:ro][,VOLUME[:ro]]...)", "nonsense");
	REFUSED("'vol:Disk=disk:ata': expected vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or vol:NAME=ram:MODULE "
		"(names: 1-15 of a-z 0-9 _ -, a letter first)", "vol:Disk=disk:ata");
	REFUSED("'vol:0disk=disk:ata': expected vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or vol:NAME=ram:MODULE "
		"(names: 1-15 of a-z 0-9 _ -, a letter first)", "vol:0disk=disk:ata");
	REFUSED("'vol:abcdefghijklmnop=disk:ata': expected vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or "
		"vol:NAME=ram:MODULE (names: 1-15 of a-z 0-9 _ -, a letter first)", "vol:abcdefghijklmnop=disk:ata");
	REFUSED("'vol:': expected vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or vol:NAME=ram:MODULE "
		"(names: 1-15 of a-z 0-9 _ -, a letter first)", "vol:");
	REFUSED("'vol:d=tape:ata': the source is neither disk:ENDPOINT nor ram:MODULE", "vol:d=tape:ata");
	REFUSED("'vol:d=disk:': the endpoint or module is not a name (1-15 of a-z 0-9 _ -, a letter first)",
		"vol:d=disk:");
	REFUSED("'vol:d=ram:Mod': the endpoint or module is not a name (1-15 of a-z 0-9 _ -, a letter first)",
		"vol:d=ram:Mod");
	REFUSED("'vol:d=disk:ata:5': expected a slice FIRST+COUNT (sector numbers)", "vol:d=disk:ata:5");
	REFUSED("'vol:d=disk:ata:+5': expected a slice FIRST+COUNT (sector numbers)", "vol:d=disk:ata:+5");
	REFUSED("'vol:d=disk:ata:0x+5': expected a slice FIRST+COUNT (sector numbers)", "vol:d=disk:ata:0x+5");
	REFUSED("'vol:d=disk:ata:18446744073709551616+1': expected a slice FIRST+COUNT (sector numbers)",
		"vol:d=disk:ata:18446744073709551616+1");
	REFUSED("'vol:d=disk:ata:5+0': the slice is empty", "vol:d=disk:ata:5+0");
	REFUSED("'vol:d=disk:ata:18446744073709551615+1': the slice runs past the largest sector number",
		"vol:d=disk:ata:18446744073709551615+1");
	REFUSED("'vol:d=disk:ata:1+2x': unexpected characters after the volume's source", "vol:d=disk:ata:1+2x");
	REFUSED("'vol:d=ram:m:1+2': unexpected characters after the volume's source", "vol:d=ram:m:1+2");
	REFUSED("'vol:d=disk:ata': a volume of that name exists already", "vol:d=ram:m", "vol:d=disk:ata");
	/* The largest slice there is parses. */
	const char *const big[] = { "vol:d=disk:ata:0xfffffffffffffffe+1" };
	ck_assert(parse(1, big));
	ck_assert_uint_eq(cfg.volumes[0].first, 0xfffffffffffffffeull);
}
END_TEST

START_TEST(test_bad_grants)
{
	REFUSED("'grant:p': expected grant:PROGRAM=VOLUME[:ro][,VOLUME[:ro]]...", "vol:v=ram:m", "grant:p");
	REFUSED("'grant:P=v': expected grant:PROGRAM=VOLUME[:ro][,VOLUME[:ro]]...", "vol:v=ram:m", "grant:P=v");
	REFUSED("'grant:p=': expected a volume name after '=' or ','", "vol:v=ram:m", "grant:p=");
	REFUSED("'grant:p=v,': expected a volume name after '=' or ','", "vol:v=ram:m", "grant:p=v,");
	REFUSED("'grant:p=w': it names a volume no vol: argument makes", "vol:v=ram:m", "grant:p=w");
	REFUSED("'grant:p=v,v:ro': it names a volume twice", "vol:v=ram:m", "grant:p=v,v:ro");
	REFUSED("'grant:p=v:rw': expected ',' or the end after a volume (and its :ro)", "vol:v=ram:m", "grant:p=v:rw");
	REFUSED("'grant:p=v;w': expected ',' or the end after a volume (and its :ro)", "vol:v=ram:m", "grant:p=v;w");
	REFUSED("'grant:p=v': that program has a grant already", "vol:v=ram:m", "grant:p=v", "grant:p=v");
}
END_TEST

START_TEST(test_limits)
{
	char names[L4_BLK_MAX_VOLUMES + 1][32], grants[L4_BLK_MAX_CLIENTS + 1][32];
	const char *args[L4_BLK_MAX_VOLUMES + L4_BLK_MAX_CLIENTS + 2];
	unsigned n = 0;

	for (unsigned i = 0; i < L4_BLK_MAX_VOLUMES; i++) {
		snprintf(names[i], sizeof(names[i]), "vol:v%u=ram:m", i);
		args[n++] = names[i];
	}
	for (unsigned i = 0; i < L4_BLK_MAX_CLIENTS; i++) {
		snprintf(grants[i], sizeof(grants[i]), "grant:p%u=v%u,v15:ro", i, i);
		args[n++] = grants[i];
	}
	ck_assert_msg(parse(n, args), "%s", cfg.error);
	ck_assert_uint_eq(cfg.grants[7].volumes, 1u << 7 | 1u << 15);
	ck_assert_uint_eq(cfg.grants[7].read_only, 1u << 15);
	snprintf(grants[L4_BLK_MAX_CLIENTS], sizeof(grants[0]), "grant:extra=v0");
	args[n] = grants[L4_BLK_MAX_CLIENTS];
	ck_assert(!parse(n + 1, args));
	ck_assert_str_eq(cfg.error, "'grant:extra=v0': too many grants (at most 8 clients)");
	snprintf(names[L4_BLK_MAX_VOLUMES], sizeof(names[0]), "vol:v16=ram:m");
	args[n] = names[L4_BLK_MAX_VOLUMES];
	ck_assert(!parse(n + 1, args));
	ck_assert_str_eq(cfg.error, "'vol:v16=ram:m': too many volumes (at most 16)");
	/* A long bad argument is cut in the message. */
	const char *const longarg[] = { "vol:x=disk:ata:1+1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	ck_assert(!parse(1, longarg));
	ck_assert_str_eq(cfg.error, "'vol:x=disk:ata:1+1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': unexpected characters "
		    "after the volume's source");
}
END_TEST

static void words_of(const char *bytes, unsigned n, uint64_t w[2])
{
	w[0] = w[1] = 0;
	for (unsigned i = 0; i < n; i++)
		w[i / 8] |= (uint64_t)(uint8_t)bytes[i] << (8 * (i % 8));
}

START_TEST(test_names_from_words)
{
	uint64_t w[2];
	char name[BLK_NAME_MAX + 1];

	words_of("disk0", 5, w);
	ck_assert(blk_name_from_words(w, name));
	ck_assert_str_eq(name, "disk0");
	words_of("abcdefghijklmno", 15, w);
	ck_assert(blk_name_from_words(w, name));
	ck_assert_str_eq(name, "abcdefghijklmno");
	words_of("a_b-9", 5, w);
	ck_assert(blk_name_from_words(w, name));
	words_of("", 0, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("abcdefghijklmnop", 16, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("Disk", 4, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("a/b", 3, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("ab\0c", 4, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("ab\0\0\0\0\0\0\0\0\0\0\0\0\0z", 16, w);
	ck_assert(!blk_name_from_words(w, name));
	words_of("a\x80", 2, w);
	ck_assert(!blk_name_from_words(w, name));
}
END_TEST

START_TEST(test_access)
{
	struct blk_grant_cfg g = { .volumes = 0x5, .read_only = 0x4 };

	ck_assert_uint_eq(blk_check_access(NULL, 3, 0, false), L4_ERIGHTS);
	ck_assert_uint_eq(blk_check_access(&g, 3, 0, false), L4_OK);
	ck_assert_uint_eq(blk_check_access(&g, 3, 0, true), L4_OK);
	ck_assert_uint_eq(blk_check_access(&g, 3, 1, false), L4_ERIGHTS);
	ck_assert_uint_eq(blk_check_access(&g, 3, 2, false), L4_OK);
	ck_assert_uint_eq(blk_check_access(&g, 3, 2, true), L4_ERIGHTS);
	ck_assert_uint_eq(blk_check_access(&g, 3, 3, false), L4_ENOENT);
	ck_assert_uint_eq(blk_check_access(&g, 3, 32, false), L4_ENOENT);
	ck_assert_uint_eq(blk_check_access(&g, 3, 1ull << 32, false), L4_ENOENT);
	ck_assert_uint_eq(blk_check_access(&g, 3, ~0ull, true), L4_ENOENT);
	struct blk_grant_cfg all = { .volumes = ~0u };
	ck_assert_uint_eq(blk_check_access(&all, 32, 31, true), L4_OK);
	ck_assert_uint_eq(blk_check_access(&all, 32, 32, true), L4_ENOENT);
}
END_TEST

#define BUF L4_BLK_BUF_SIZE
#define SEC L4_BLK_SECTOR_SIZE

START_TEST(test_io_edges)
{
	/* No buffer comes first. */
	ck_assert_uint_eq(blk_check_io(100, 0, 0, 1, 0), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(100, 0, 1000, 0, 1), L4_EFAULT);
	/* Counts. */
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 0, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, 0), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, L4_BLK_MAX_SECTORS, 0), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, L4_BLK_MAX_SECTORS + 1, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, ~0ull, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1ull << 55, 0), L4_EINVAL);   /* bytes would wrap */
	/* The volume's range. */
	ck_assert_uint_eq(blk_check_io(1000, BUF, 999, 1, 0), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 1000, 1, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 999, 2, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, ~0ull, 1, 0), L4_EINVAL);
	ck_assert_uint_eq(blk_check_io(1000, BUF, ~0ull - 1, 2, 0), L4_EINVAL);    /* the sum wraps to 0 */
	ck_assert_uint_eq(blk_check_io(0, BUF, 0, 1, 0), L4_EINVAL);               /* an empty volume */
	ck_assert_uint_eq(blk_check_io(~0ull, BUF, ~0ull - 1, 1, 0), L4_OK);
	ck_assert_uint_eq(blk_check_io(~0ull, BUF, ~0ull - 1, 2, 0), L4_EINVAL);
	/* Range before buffer: an out-of-range request is EINVAL whatever its offset. */
	ck_assert_uint_eq(blk_check_io(10, BUF, 10, 1, 3), L4_EINVAL);
	/* Buffer offsets. */
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, 1), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, SEC - 1), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, SEC), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, BUF - SEC), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 2, BUF - SEC), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, BUF), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, L4_BLK_MAX_SECTORS, SEC), L4_EFAULT);
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, ~0ull & ~(SEC - 1)), L4_EFAULT);   /* offset + bytes wrap */
	ck_assert_uint_eq(blk_check_io(1000, BUF, 0, 1, 1ull << 63), L4_EFAULT);
	/* A smaller buffer. */
	ck_assert_uint_eq(blk_check_io(1000, 4 * SEC, 0, 4, 0), L4_OK);
	ck_assert_uint_eq(blk_check_io(1000, 4 * SEC, 0, 5, 0), L4_EFAULT);
}
END_TEST

/* The rules of blk.h, spelled out with 128-bit arithmetic. */
static uint64_t model_io(uint64_t sectors, uint64_t buf, uint64_t sector, uint64_t count, uint64_t offset)
{
	if (!buf)
		return L4_EFAULT;
	if (count == 0 || count > L4_BLK_MAX_SECTORS)
		return L4_EINVAL;
	if ((unsigned __int128)sector + count > sectors)
		return L4_EINVAL;
	if (offset % SEC || (unsigned __int128)offset + (unsigned __int128)count * SEC > buf)
		return L4_EFAULT;
	return L4_OK;
}

START_TEST(test_io_random_against_model)
{
	static const uint64_t edges[] = { 0, 1, 2, 127, 128, 129, 511, 512, 513, 65024, 65535, 65536, 65537,
					  1ull << 32, 1ull << 63, ~0ull - 512, ~0ull - 1, ~0ull };

	rnd_seed(0xb10c);
	for (unsigned i = 0; i < 2000000; i++) {
		uint64_t sectors = interesting(1000, edges, ARRAY_SIZE(edges), 4, 64);
		uint64_t buf = rnd() % 8 ? BUF : rnd() % 2 ? 0 : interesting(BUF, edges, ARRAY_SIZE(edges), 1024, 20);
		uint64_t sector = interesting(sectors, edges, ARRAY_SIZE(edges), 200, 64);
		uint64_t count = interesting(16, edges, ARRAY_SIZE(edges), 130, 64);
		uint64_t offset = interesting(4096, edges, ARRAY_SIZE(edges), 70000, 64);
		uint64_t got = blk_check_io(sectors, buf, sector, count, offset);
		uint64_t want = model_io(sectors, buf, sector, count, offset);
		if (got != want)
			ck_abort_msg("blk_check_io(%llu, %llu, %llu, %llu, %llu) = %llu, the model says %llu",
				     (unsigned long long)sectors, (unsigned long long)buf, (unsigned long long)sector,
				     (unsigned long long)count, (unsigned long long)offset, (unsigned long long)got,
				     (unsigned long long)want);
	}
}
END_TEST

/* Random argument lists: parsing never crashes, and what it accepts is
 * what it said (every grant names existing volumes, names are names). */
START_TEST(test_random_arguments_never_crash)
{
	static const char *const seeds[] = {
		"vol:disk0=disk:ata", "vol:s=disk:ata:10+20", "vol:r=ram:m", "grant:p=disk0,s:ro",
		"grant:q=r", "vol:x=disk:a:0x10+0x20",
	};
	char bufs[6][64];
	const char *args[6];

	rnd_seed(0xa765);
	for (unsigned round = 0; round < 200000; round++) {
		unsigned n = (unsigned)(rnd() % 7);
		for (unsigned i = 0; i < n; i++) {
			const char *s = seeds[rnd() % ARRAY_SIZE(seeds)];
			size_t len = strlen(s);
			memcpy(bufs[i], s, len + 1);
			for (unsigned m = (unsigned)(rnd() % 3); m; m--) {
				if (rnd() % 2)
					bufs[i][rnd() % len] = (char)(rnd() % 128);
				else
					bufs[i][rnd() % (len + 1)] = 0;
			}
			bufs[i][63] = 0;
			args[i] = bufs[i];
		}
		if (!blk_config_parse(&cfg, n, args)) {
			EXPECT(cfg.error[0] && memchr(cfg.error, 0, sizeof(cfg.error)));
			continue;
		}
		for (unsigned g = 0; g < cfg.grant_count; g++) {
			EXPECT(cfg.grants[g].volumes >> cfg.volume_count == 0);
			EXPECT((cfg.grants[g].read_only & ~cfg.grants[g].volumes) == 0);
		}
		for (unsigned v = 0; v < cfg.volume_count; v++) {
			EXPECT(cfg.volumes[v].name[0] >= 'a' && cfg.volumes[v].name[0] <= 'z');
			EXPECT(!cfg.volumes[v].slice || (cfg.volumes[v].count && cfg.volumes[v].first + cfg.volumes[v].count >
										cfg.volumes[v].first));
		}
	}
}
END_TEST

Suite *blk_policy_suite(void)
{
	Suite *s = suite_create("blk_policy");
	TCase *tc = tcase_create("arguments");

	tcase_add_test(tc, test_volumes_and_grants);
	tcase_add_test(tc, test_bad_volumes);
	tcase_add_test(tc, test_bad_grants);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, test_names_from_words);
	tcase_add_test(tc, test_access);
	tcase_add_test(tc, test_io_edges);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", NULL, NULL, test_io_random_against_model);
	add_random_tcase(s, "fuzz_args", NULL, NULL, test_random_arguments_never_crash);
	return s;
}
