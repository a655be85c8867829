/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the block server's test programs (tests/programs/blk-test.c and
 * blk-bad.c; rows tests/boot/blk.cfg and bochs-blk.cfg) share. Each
 * program #includes this file, so the helpers can stay static.
 *
 * Every check prints one line, "WHAT: ok", or "WHAT: FAIL" (which the
 * .expect files never accept), and finish() prints "all N checks passed"
 * only if none failed.
 *
 * The clients meet on the volume "scratch" (the configuration grants it
 * to all of them): the bad client writes MARK_START into word 0 of its
 * sector 0 before its flood of garbage requests and MARK_DONE after it;
 * each good client counts the round trips it made since MARK_START in
 * word 0 of sector SLOT (its sync=scratch:SLOT argument), and the bad
 * client floods until every good client has made a few. So the good
 * clients' work provably overlaps the flood.
 */
#include "l4blk.h"
#include "blk-pattern.h"
#include "checks.h"

#define SECTOR 512u

#define MARK_START 0x7472617473646f6cull     /* "lodstart" */
#define MARK_DONE  0x656e6f6464646f6cull     /* "loddnone" */
#define SYNC_SLOTS 4                         /* sectors 1..SYNC_SLOTS: good clients */
#define SYNC_ROUNDS 3                        /* round trips each makes during the flood */

static UNUSED bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* "value" if arg is "key=value", else NULL. */
static UNUSED const char *arg_value(const char *arg, const char *key)
{
	while (*key && *arg == *key)
		arg++, key++;
	return !*key && *arg == '=' ? arg + 1 : NULL;
}

static UNUSED uint64_t number(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* The first byte of buf[0 .. count sectors) that is not
 * blk_pattern(seed, first + its sector, offset), or -1. */
static UNUSED long pattern_mismatch(const unsigned char *buf, uint64_t seed, uint64_t first, uint64_t count)
{
	for (uint64_t s = 0; s < count; s++)
		for (unsigned i = 0; i < SECTOR; i++)
			if (buf[s * SECTOR + i] != blk_pattern(seed, first + s, i))
				return (long)(s * SECTOR + i);
	return -1;
}

static UNUSED void pattern_fill(unsigned char *buf, uint64_t seed, uint64_t first, uint64_t count)
{
	for (uint64_t s = 0; s < count; s++)
		for (unsigned i = 0; i < SECTOR; i++)
			buf[s * SECTOR + i] = blk_pattern(seed, first + s, i);
}

/* The answer to a raw request: the call's own error, else the label. */
static UNUSED l4_word_t raw(l4_cap_t ep, l4_word_t label, unsigned words, const l4_word_t *mr,
			    unsigned items, const l4_word_t *item)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned i = 0; i < words; i++)
		u->mr[i] = mr[i];
	for (unsigned i = 0; i < 2 * items; i++)
		u->mr[words + i] = item[i];
	return l4_blk_result(l4_call(ep, l4_tag(label, words, items), L4_TIMEOUT_NEVER));
}

/* Checks that a request got exactly `want`. */
static UNUSED bool expect(l4_word_t got, l4_word_t want, const char *what)
{
	return check(got == want, "%s -> %lu (%s)", what, (unsigned long)got, error_name(got));
}

/* Word 0 of sector `slot` of the scratch volume, read through our buffer
 * at `offset`; ~0 if the read fails. */
static UNUSED uint64_t scratch_word(struct l4_blk *b, l4_word_t scratch, unsigned slot, l4_word_t offset)
{
	if (l4_blk_read(b, scratch, slot, 1, offset))
		return ~0ull;
	return *(volatile uint64_t *)(b->buf + offset);
}

/* Writes word 0 of sector `slot` (the rest zero) through `offset`. */
static UNUSED l4_word_t scratch_put(struct l4_blk *b, l4_word_t scratch, unsigned slot, l4_word_t offset,
				    uint64_t value)
{
	for (unsigned i = 0; i < SECTOR; i++)
		b->buf[offset + i] = 0;
	*(volatile uint64_t *)(b->buf + offset) = value;
	return l4_blk_write(b, scratch, slot, 1, offset);
}

/* Microseconds since boot, from the TSC. */
static UNUSED uint64_t now_us(void)
{
	return l4_rdtsc() * 1000 / (l4_env->tsc_khz ? l4_env->tsc_khz : 1000000);
}
