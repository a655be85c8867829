/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the host unit tests: see util.h. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

uint8_t *alloc_exact(size_t n)
{
	uint8_t *p = n && n % 8 == 0 ? aligned_alloc(8, n) : malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % 8, 0);
	return p;
}

uint8_t *alloc_copy(const void *src, size_t n)
{
	uint8_t *p = alloc_exact(n);

	if (n)
		memcpy(p, src, n);
	return p;
}

static uint8_t *parsed;

uint8_t *parse_copy(const void *src, size_t n)
{
	free_parsed();
	parsed = alloc_copy(src, n);
	return parsed;
}

void free_parsed(void)
{
	free(parsed);
	parsed = NULL;
}

static uint64_t rng_state;

void rnd_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t rnd(void)
{
	uint64_t x = rng_state;   /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint64_t interesting(uint64_t orig, const uint64_t *v, size_t n, uint64_t delta, unsigned bits)
{
	switch (rnd() % 4) {
	case 0:
		return v[rnd() % n];
	case 1:
		return orig + rnd() % (2 * delta + 1) - delta;
	case 2:
		return rnd();
	default:
		return orig ^ (1ull << (rnd() % bits));
	}
}

/* The value is drawn before the place, the order the tests always used. */
void flip_bit(uint8_t *p, size_t len)
{
	uint8_t bit = (uint8_t)(1u << (rnd() % 8));

	p[rnd() % len] ^= bit;
}

void replace_byte(uint8_t *p, size_t len)
{
	uint8_t v = (uint8_t)rnd();

	p[rnd() % len] = v;
}

void add_random_tcase(Suite *s, const char *name, SFun setup, SFun teardown, const TTest *test)
{
	TCase *tc = tcase_create(name);

	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}
