/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A good client of the block server (include/l4/blk.h, libl4/l4blk.h).
 * Arguments, key=value:
 *   vol=NAME        the volume it reads and writes
 *   seed=N          the volume holds an image made with seed N
 *                   (tools/mkdisk.c): its content is checked
 *   whole=NAME      a read-only volume of the whole disk: its size is
 *                   printed, its last sector checked against seed N, and a
 *                   write to it must be refused
 *   offline=NAME    a volume whose disk is missing: OPEN says L4_ENODEV
 *   sync=VOL:SLOT   round trips while the bad client floods the server
 *                   (blk-test-lib.c says how the clients meet on VOL)
 *   gone=NAME       a volume whose driver dies during our first READ
 *                   (tests/programs/disk-crash.c): that READ and every
 *                   later request on it get L4_ENODEV, at once
 *   ioerror=R:W     the disk fails reads of sector R and writes of sector
 *                   W (QEMU's blkdebug, tests/boot/blk-errors.cfg): those
 *                   requests get L4_EIO, the sectors around them work
 *
 * It prints the volume's size, checks the pre-made content, writes
 * patterns (48 sectors from a buffer offset, then a whole buffer of 128
 * sectors ending at the volume's last sector), flushes, reads them back
 * into another part of the buffer and compares byte for byte, and checks
 * that the sectors around them kept their content.
 */
#include "blk-test-lib.c"

static struct l4_blk b;
static l4_word_t vol, sectors, seed;
static bool have_seed;

/* Writes count sectors of pattern `pseed` at sector `at` from buffer
 * offset `from`, flushes, reads them back to offset `to`, compares. */
static bool round_trip(l4_word_t at, l4_word_t count, l4_word_t from, l4_word_t to, uint64_t pseed, bool quiet)
{
	pattern_fill(b.buf + from, pseed, at, count);
	l4_word_t w = l4_blk_write(&b, vol, at, count, from);
	l4_word_t f = w ? w : l4_blk_flush(&b, vol);
	for (l4_word_t i = 0; i < count * SECTOR; i++)
		b.buf[to + i] = 0;
	l4_word_t r = f ? f : l4_blk_read(&b, vol, at, count, to);
	long bad = r ? -2 : pattern_mismatch(b.buf + to, pseed, at, count);
	if (quiet && !w && !f && !r && bad < 0)
		return true;
	return check(!w && !f && !r && bad < 0,
		     "%lu sectors written at %lu from buffer offset %lu, flushed, read back to offset %lu, "
		     "compared byte for byte (write %lu, flush %lu, read %lu, first difference %ld)",
		     (unsigned long)count, (unsigned long)at, (unsigned long)from, (unsigned long)to,
		     (unsigned long)w, (unsigned long)f, (unsigned long)r, bad);
}

static void premade_content(const char *name)
{
	l4_word_t n = sectors < 256 ? sectors : 256, err = 0;
	long bad = -1;

	for (l4_word_t s = 0; s < n && !err && bad < 0; s += L4_BLK_MAX_SECTORS) {
		l4_word_t k = n - s < L4_BLK_MAX_SECTORS ? n - s : L4_BLK_MAX_SECTORS;
		err = l4_blk_read(&b, vol, s, k, 0);
		bad = err ? -1 : pattern_mismatch(b.buf, seed, s, k);
		if (bad >= 0)
			bad += (long)(s * SECTOR);
	}
	check(!err && bad < 0, "%s: pre-made content of sectors 0-%lu matches seed %lu (error %lu, first difference %ld)",
	      name, (unsigned long)(n - 1), (unsigned long)seed, (unsigned long)err, bad);
	/* The last sector, read to an offset inside the buffer. */
	err = l4_blk_read(&b, vol, sectors - 1, 1, 5 * SECTOR);
	bad = err ? -1 : pattern_mismatch(b.buf + 5 * SECTOR, seed, sectors - 1, 1);
	check(!err && bad < 0, "%s: the last sector (%lu), read to buffer offset %u, matches (error %lu)", name,
	      (unsigned long)(sectors - 1), 5 * SECTOR, (unsigned long)err);
}

/* Sectors just outside a written range still hold the image. */
static void neighbours(const char *name, l4_word_t before, l4_word_t after)
{
	l4_word_t e1 = l4_blk_read(&b, vol, before, 1, 0);
	long b1 = e1 ? -1 : pattern_mismatch(b.buf, seed, before, 1);
	l4_word_t e2 = after < sectors ? l4_blk_read(&b, vol, after, 1, 0) : 0;
	long b2 = e2 || after >= sectors ? -1 : pattern_mismatch(b.buf, seed, after, 1);
	check(!e1 && !e2 && b1 < 0 && b2 < 0, "%s: sectors %lu and %lu around the written ones are unchanged", name,
	      (unsigned long)before, (unsigned long)after);
}

static void whole_disk(const char *name)
{
	l4_word_t h, n, flags;
	l4_word_t err = l4_blk_open(&b, name, &h, &n, &flags);

	if (!check(!err && (flags & L4_BLK_READ_ONLY), "%s: whole disk: %lu sectors of 512 bytes (%lu KiB), %s (error %lu)",
		   name, (unsigned long)n, (unsigned long)(n / 2), flags & L4_BLK_READ_ONLY ? "read-only" : "read-write",
		   (unsigned long)err))
		return;
	err = l4_blk_read(&b, h, n - 1, 1, 0);
	long bad = err ? -1 : pattern_mismatch(b.buf, seed, n - 1, 1);
	check(!err && bad < 0, "%s: the disk's last sector (%lu) matches seed %lu", name, (unsigned long)(n - 1),
	      (unsigned long)seed);
	expect(l4_blk_write(&b, h, n - 1, 1, 0), L4_ERIGHTS, "WRITE to the read-only whole disk");
	expect(l4_blk_io(&b, L4_BLK_READ, h, n, 1, 0), L4_EINVAL, "READ of the sector after the whole disk's last");
}

/* A disk that fails reads of sector r and writes of sector w. */
static void io_errors(const char *arg)
{
	uint64_t r = number(arg), w = 0;

	while (*arg >= '0' && *arg <= '9')
		arg++;
	if (!check(*arg == ':' && r >= 10 && r + 10 < sectors, "ioerror=R:W names sectors inside the volume"))
		return;
	w = number(arg + 1);
	l4_word_t e = l4_blk_read(&b, vol, r, 1, 0);
	check(e == L4_EIO, "READ of sector %lu, which the disk fails -> %lu (%s)", (unsigned long)r,
	      (unsigned long)e, error_name(e));
	e = l4_blk_read(&b, vol, r - 10, 20, 0);
	check(e == L4_EIO, "READ of 20 sectors across it -> %lu (%s)", (unsigned long)e, error_name(e));
	e = l4_blk_read(&b, vol, r - 1, 1, 0);
	l4_word_t e2 = l4_blk_read(&b, vol, r + 1, 1, 0);
	check(!e && !e2, "READ of the sectors before and after it -> %lu, %lu", (unsigned long)e, (unsigned long)e2);
	e = l4_blk_write(&b, vol, w, 1, 0);
	check(e == L4_EIO, "WRITE of sector %lu, which the disk fails -> %lu (%s)", (unsigned long)w,
	      (unsigned long)e, error_name(e));
	round_trip(w + 1, 8, 0, 8 * SECTOR, 0x1200 + l4_env->id, false);
}

/* A volume whose driver dies during our first request. */
static void driver_gone(const char *name)
{
	l4_word_t h, n, f, other;

	if (!check(!l4_blk_open(&b, name, &h, &n, &f), "%s: opened (its driver is still there)", name))
		return;
	l4_word_t e = l4_blk_read(&b, h, 0, 1, 0);
	check(e == L4_ENODEV, "READ while the driver dies -> %lu (%s)", (unsigned long)e, error_name(e));
	uint64_t t0 = now_us();
	e = l4_blk_read(&b, h, 0, 1, 0);
	l4_word_t e2 = l4_blk_open(&b, name, &other, &n, &f);
	uint64_t us = now_us() - t0;
	check(e == L4_ENODEV && e2 == L4_ENODEV && us < 100000,
	      "READ and OPEN after the driver ended -> %lu, %lu (ENODEV) at once (%s)", (unsigned long)e,
	      (unsigned long)e2, us < 100000 ? "under 100 ms" : "too slow");
	e = l4_blk_read(&b, vol, 0, 1, 0);
	check(!e, "READ of our own volume, on another driver, still works -> %lu", (unsigned long)e);
}

/* Round trips until the bad client's flood is over (blk-test-lib.c). */
static void during_flood(const char *arg)
{
	char name[16];
	unsigned k = 0, slot;
	l4_word_t scratch, n, flags;

	while (arg[k] && arg[k] != ':' && k < 15) {
		name[k] = arg[k];
		k++;
	}
	name[k] = 0;
	slot = arg[k] == ':' ? (unsigned)number(arg + k + 1) : 0;
	if (!check(slot >= 1 && slot <= SYNC_SLOTS && !l4_blk_open(&b, name, &scratch, &n, &flags),
		   "sync volume %s, slot %u, opened", name, slot))
		return;
	const l4_word_t mark_at = 64 * SECTOR;         /* buffer offsets for the markers */
	uint64_t t0 = now_us(), mark = 0;
	while ((mark = scratch_word(&b, scratch, 0, mark_at)) != MARK_START && mark != MARK_DONE &&
	       now_us() - t0 < 30000000)
		l4_sleep_us(5000);
	if (!check(mark == MARK_START, "the bad client's flood started"))
		return;
	unsigned rounds = 0, failed = 0;
	l4_word_t at = sectors / 2 + 64 < sectors ? sectors / 2 + 64 : 0, count = 16;
	if (at + count > sectors)
		count = sectors - at;
	t0 = now_us();
	while ((mark = scratch_word(&b, scratch, 0, mark_at)) == MARK_START && now_us() - t0 < 60000000) {
		failed += !round_trip(at, count, 0, 32 * SECTOR, 0x2000 + l4_env->id * 1000 + rounds, true);
		rounds++;
		scratch_put(&b, scratch, slot, mark_at + SECTOR, rounds);
	}
	check(mark == MARK_DONE && rounds >= SYNC_ROUNDS && !failed,
	      "%u round trips of %lu sectors while the bad client flooded the server, %u failed", rounds,
	      (unsigned long)count, failed);
}

int main(int argc, char **argv)
{
	const char *name = NULL, *whole = NULL, *offline = NULL, *sync = NULL, *ioerror = NULL, *gone = NULL, *v;

	for (int i = 1; i < argc; i++) {
		if ((v = arg_value(argv[i], "vol")))
			name = v;
		else if ((v = arg_value(argv[i], "seed"))) {
			seed = number(v);
			have_seed = true;
		} else if ((v = arg_value(argv[i], "whole")))
			whole = v;
		else if ((v = arg_value(argv[i], "offline")))
			offline = v;
		else if ((v = arg_value(argv[i], "sync")))
			sync = v;
		else if ((v = arg_value(argv[i], "ioerror")))
			ioerror = v;
		else if ((v = arg_value(argv[i], "gone")))
			gone = v;
	}
	l4_cap_t ep = l4_env_cap("blk");
	if (!check((name || offline) && ep != L4_CAP_NONE, "arguments name a volume and we `use blk`"))
		goto out;
	l4_word_t err = l4_blk_attach(&b, ep, L4_BLK_BUF_ADDR);
	if (!check(!err, "attach: buffer of %lu bytes at %#lx (error %lu)", (unsigned long)L4_BLK_BUF_SIZE,
		   (unsigned long)L4_BLK_BUF_ADDR, (unsigned long)err))
		goto out;
	if (!name)
		goto offline;
	l4_word_t flags, n2 = 0, f2 = 0;
	err = l4_blk_open(&b, name, &vol, &sectors, &flags);
	if (!check(!err && sectors >= 130 && !(flags & L4_BLK_READ_ONLY),
		   "%s: %lu sectors of 512 bytes (%lu KiB), %s (error %lu)", name, (unsigned long)sectors,
		   (unsigned long)(sectors / 2), flags & L4_BLK_READ_ONLY ? "read-only" : "read-write",
		   (unsigned long)err))
		goto out;
	err = l4_blk_info(&b, vol, &n2, &f2);
	check(!err && n2 == sectors && f2 == flags, "%s: INFO says %lu sectors too", name, (unsigned long)n2);
	if (have_seed)
		premade_content(name);
	l4_word_t mid = sectors / 2;
	round_trip(mid, 48, 8 * SECTOR, 64 * SECTOR, 0x1000 + l4_env->id, false);
	if (have_seed)
		neighbours(name, mid - 1, mid + 48);
	round_trip(sectors - L4_BLK_MAX_SECTORS, L4_BLK_MAX_SECTORS, 0, 0, 0x1100 + l4_env->id, false);
	if (whole)
		whole_disk(whole);
	if (ioerror)
		io_errors(ioerror);
	if (gone)
		driver_gone(gone);
offline:
	if (offline) {
		l4_word_t h, n, f;
		unsigned nodev = 0, want = gone ? 2 : 1;
		expect(l4_blk_open(&b, offline, &h, &n, &f), L4_ENODEV, "OPEN of a volume whose disk is missing");
		/* Its handle (a guess: handles are the volumes' numbers) says the same. */
		for (h = 0; h < L4_BLK_MAX_VOLUMES; h++)
			nodev += l4_blk_read(&b, h, 0, 1, 0) == L4_ENODEV;
		check(nodev == want, "READ through every handle: %u say%s ENODEV (the offline volume's%s)", nodev,
		      nodev == 1 ? "s" : "", gone ? " and the one whose driver ended" : "");
	}
	if (sync)
		during_flood(sync);
out:
	finish();
	return 0;
}
