/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the host unit tests: little-endian byte writers and
 * readers for building binary inputs, exact-size heap buffers (so that
 * AddressSanitizer reports any read past the end), and a seeded xorshift64*
 * generator with the mutations the fuzz tests apply.
 */
#ifndef TESTS_UNIT_UTIL_H
#define TESTS_UNIT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

/* ------------------------------------------------------------ refusal reasons */

/*
 * For functions under test that return why they refused their input (a
 * string) or NULL when they accepted it: got, their result, is NULL (failing
 * with the message what and the reason), or it is the reason want (failing
 * with fn's name and what came instead, none if there was no reason).
 */
#define ASSERT_NO_REASON(got, what)                                                         \
	do {                                                                                \
		const char *got_ = (got);                                                   \
		ck_assert_msg(got_ == NULL, "%s: %s", what, got_);                          \
	} while (0)

#define ASSERT_REASON(got, want, fn, none)                                                  \
	do {                                                                                \
		const char *got_ = (got), *want_ = (want);                                  \
		ck_assert_msg(got_ && !strcmp(got_, want_),                                 \
			      "%s returned \"%s\", expected \"%s\"", fn,                    \
			      got_ ? got_ : none, want_);                                   \
	} while (0)

/* ------------------------------------------------------------ little-endian bytes */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ------------------------------------------------------------ exact heap buffers */

/* A heap buffer of exactly n bytes (1 if n is 0), 8-byte aligned. */
uint8_t *alloc_exact(size_t n);

/* An exact-size heap copy of the n bytes at src; the caller frees it. */
uint8_t *alloc_copy(const void *src, size_t n);

/*
 * An exact-size heap copy of the n bytes at src for a parser under test,
 * kept (as what a parser's output points into) until the next call or
 * free_parsed(), which a test case's teardown calls.
 */
uint8_t *parse_copy(const void *src, size_t n);
void free_parsed(void);

/* ------------------------------------------------------------ random mutations */

/* Restarts the generator: every test that uses it seeds it first. */
void rnd_seed(uint64_t seed);

/* The next number of the xorshift64* sequence. */
uint64_t rnd(void);

/*
 * A value worth trying in place of orig, a field bits wide (the caller keeps
 * the low bits): one of the n values v, orig moved by at most delta either
 * way, a random value, or orig with one of its bits flipped.
 */
uint64_t interesting(uint64_t orig, const uint64_t *v, size_t n, uint64_t delta, unsigned bits);

/* Flips a random bit of, or replaces a random byte of, the len bytes at p. */
void flip_bit(uint8_t *p, size_t len);
void replace_byte(uint8_t *p, size_t len);

/* ------------------------------------------------------------ suites */

/*
 * Adds to s the test case name holding only test, a long random test: it
 * gets a minute instead of Check's default timeout, and the checked fixture
 * setup and teardown (either may be NULL).
 */
void add_random_tcase(Suite *s, const char *name, SFun setup, SFun teardown, const TTest *test);

/* An assertion for hot loops: Check's own record a mark point on every pass. */
#define EXPECT(cond)                                                             \
	do {                                                                     \
		if (!(cond))                                                     \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);    \
	} while (0)

#endif
