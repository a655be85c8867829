/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A malicious client of the block server: every kind of garbage request,
 * each of which must get its error (include/l4/blk.h), while the server
 * and the good clients (blk-test.c) go on. Arguments, key=value:
 *   sync=VOL          the volume the clients meet on (blk-test-lib.c),
 *                     granted to us read-write
 *   ro=VOL            a volume granted to us read-only
 *   ro-seed=N         ... holding an image made with seed N
 *   clients=N         good clients to wait for (sync slots 1..N)
 *   driver=yes        we also `use ata`: garbage for the disk driver
 *   stranger=yes      we have no grant at all: everything is refused
 *
 * First single requests, one check each: unknown labels, short messages,
 * typed items, bad and ungranted names and handles, writes to a
 * read-only volume, sector ranges outside the volume (with sums that
 * overflow), counts of 0 and above the most, buffer offsets unaligned or
 * past the buffer, requests before the buffer is attached and after we
 * unmapped our view of it, a forged client-gone notice. Then a flood of
 * the same garbage until the good clients have made their round trips,
 * every answer checked.
 */
#include "blk-test-lib.c"
#include <l4/disk.h>

#define FLOOD_MIN 5000          /* garbage requests at least, however quick the others are */

static struct l4_blk b;
static l4_cap_t ep;
static l4_word_t scratch = ~0ull, scratch_sectors, ro = ~0ull, ro_sectors;

static l4_word_t open_raw(const char *bytes, unsigned n)
{
	l4_word_t w[2] = { 0, 0 };

	for (unsigned i = 0; i < n && i < 16; i++)
		w[i / 8] |= (l4_word_t)(unsigned char)bytes[i] << (8 * (i % 8));
	return raw(ep, L4_BLK_OPEN, 2, w, 0, NULL);
}

static l4_word_t io(l4_word_t op, l4_word_t handle, l4_word_t sector, l4_word_t count, l4_word_t offset)
{
	const l4_word_t w[4] = { handle, sector, count, offset };

	return raw(ep, op, 4, w, 0, NULL);
}

static void stranger(void)
{
	l4_word_t h, n, f;

	l4_utcb()->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(L4_BLK_BUF_ADDR, L4_BLK_BUF_ORDER, 0);
	expect(raw(ep, L4_BLK_ATTACH, 0, NULL, 0, NULL), L4_ERIGHTS, "ATTACH without a grant");
	l4_utcb()->br[L4_BR_MEM_WINDOW] = 0;
	b.ep = ep;
	expect(l4_blk_open(&b, "scratch", &h, &n, &f), L4_ERIGHTS, "OPEN of scratch without a grant");
	expect(io(L4_BLK_READ, 0, 0, 1, 0), L4_ERIGHTS, "READ of handle 0 without a grant");
	expect(io(L4_BLK_WRITE, 1, 0, 1, 0), L4_ERIGHTS, "WRITE of handle 1 without a grant");
	expect(raw(ep, L4_BLK_FLUSH, 1, (l4_word_t[]){ 0 }, 0, NULL), L4_ERIGHTS, "FLUSH without a grant");
	expect(raw(ep, 77, 0, NULL, 0, NULL), L4_ENOSYS, "unknown label 77 without a grant");
}

static void before_attach(void)
{
	l4_word_t f;

	b.ep = ep;
	l4_word_t e = l4_blk_open(&b, "scratch", &scratch, &scratch_sectors, &f);
	check(!e && scratch_sectors >= 8, "OPEN of scratch before attaching: handle %lu, %lu sectors", (unsigned long)scratch,
	      (unsigned long)scratch_sectors);
	expect(io(L4_BLK_READ, scratch, 0, 1, 0), L4_EFAULT, "READ before ATTACH (no buffer)");
	expect(io(L4_BLK_WRITE, scratch, 0, 1, 0), L4_EFAULT, "WRITE before ATTACH (no buffer)");
	/* No receive window: the kernel cannot deliver the buffer's mapping. */
	l4_word_t got = raw(ep, L4_BLK_ATTACH, 0, NULL, 0, NULL);
	check(got != L4_OK, "ATTACH without a receive window -> %lu (%s) (the mapping is refused)",
	      (unsigned long)got, error_name(got));
	/* A window too small for the buffer: the same. */
	l4_utcb()->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(L4_BLK_BUF_ADDR, 12, 0);
	got = raw(ep, L4_BLK_ATTACH, 0, NULL, 0, NULL);
	l4_utcb()->br[L4_BR_MEM_WINDOW] = 0;
	check(got != L4_OK, "ATTACH with a 4 KiB window -> %lu (%s) (the mapping is refused)", (unsigned long)got,
	      error_name(got));
	expect(l4_blk_attach(&b, ep, L4_BLK_BUF_ADDR), L4_OK, "ATTACH with a 64 KiB window");
	b.buf[100] = 0x5a;
	expect(l4_blk_attach(&b, ep, L4_BLK_BUF_ADDR), L4_OK, "ATTACH again, over the mapping we have");
	check(b.buf[100] == 0x5a, "the same buffer after the second ATTACH");
}

static void bad_messages(void)
{
	l4_word_t w[4] = { scratch, 0, 1, 0 };
	l4_word_t mem_item[2] = { L4_ITEM_MAP, l4_fpage_mem(L4_BLK_BUF_ADDR, 12, L4_FP_RW) };
	l4_word_t cap_item[2] = { L4_ITEM_MAP, l4_fpage_cap(ep, 0, L4_CAP_RIGHT_WRITE) };

	expect(raw(ep, 77, 4, w, 0, NULL), L4_ENOSYS, "unknown label 77");
	expect(raw(ep, 0, 0, NULL, 0, NULL), L4_ENOSYS, "label 0, no words");
	expect(raw(ep, 1ull << 40, 4, w, 0, NULL), L4_ENOSYS, "label 2^40");
	expect(raw(ep, L4_BLK_READ, 3, w, 0, NULL), L4_EMSG, "READ with 3 words");
	expect(raw(ep, L4_BLK_WRITE, 0, NULL, 0, NULL), L4_EMSG, "WRITE with no words");
	expect(raw(ep, L4_BLK_OPEN, 1, w, 0, NULL), L4_EMSG, "OPEN with 1 word");
	expect(raw(ep, L4_BLK_INFO, 0, NULL, 0, NULL), L4_EMSG, "INFO with no words");
	expect(raw(ep, L4_BLK_FLUSH, 0, NULL, 0, NULL), L4_EMSG, "FLUSH with no words");
	/* Typed items: the server takes none (no receive windows), so the
	 * kernel fails the call; the server must not act on the request. */
	l4_word_t got = raw(ep, L4_BLK_WRITE, 4, w, 1, mem_item);
	check(got != L4_OK, "WRITE with a memory map item -> %lu (%s) (refused)", (unsigned long)got,
	      error_name(got));
	got = raw(ep, L4_BLK_READ, 4, w, 1, cap_item);
	check(got != L4_OK, "READ with a capability item -> %lu (%s) (refused)", (unsigned long)got,
	      error_name(got));
	expect(raw(ep, L4_SERVER_CLIENT_GONE, 1, (l4_word_t[]){ l4_env->id - 1 }, 0, NULL), L4_ERIGHTS,
	       "a client-gone notice from a client");
}

static void bad_names(void)
{
	l4_word_t h, n, f;

	expect(open_raw("disk0", 5), L4_ERIGHTS, "OPEN of disk0 (not granted to us)");
	expect(open_raw("whole", 5), L4_ERIGHTS, "OPEN of whole (not granted to us)");
	expect(open_raw("nope", 4), L4_ENOENT, "OPEN of nope (no such volume)");
	expect(open_raw("", 0), L4_EINVAL, "OPEN of an empty name");
	expect(open_raw("Disk0", 5), L4_EINVAL, "OPEN of a name with an upper-case letter");
	expect(open_raw("disk/0", 6), L4_EINVAL, "OPEN of a name with a '/'");
	expect(open_raw("disk0\0x", 7), L4_EINVAL, "OPEN of a name with characters after the NUL");
	expect(open_raw("abcdefghijklmnop", 16), L4_EINVAL, "OPEN of a name of 16 characters");
	expect(l4_blk_open(&b, "scratch", &h, &n, &f), L4_OK, "OPEN of scratch (granted)");
}

/* Every handle that is not ours: volumes not granted, and no volumes. */
static void bad_handles(void)
{
	unsigned rights = 0, noent = 0, other = 0;

	for (l4_word_t h = 0; h < L4_BLK_MAX_VOLUMES + 4; h++) {
		if (h == scratch || h == ro)
			continue;
		l4_word_t e = io(L4_BLK_READ, h, 0, 1, 0);
		rights += e == L4_ERIGHTS;
		noent += e == L4_ENOENT;
		other += e != L4_ERIGHTS && e != L4_ENOENT;
		/* INFO and FLUSH are refused the same way. */
		l4_word_t e2 = raw(ep, L4_BLK_INFO, 1, &h, 0, NULL), e3 = raw(ep, L4_BLK_FLUSH, 1, &h, 0, NULL);
		other += e2 != e || e3 != e;
	}
	check(rights >= 1 && noent >= 4 && !other,
	      "READ, INFO and FLUSH of every handle not granted to us -> %u ERIGHTS (volumes of others), "
	      "%u ENOENT (no volume), %u other", rights, noent, other);
	expect(io(L4_BLK_READ, ~0ull, 0, 1, 0), L4_ENOENT, "READ of handle 2^64-1");
	expect(io(L4_BLK_READ, 1ull << 32 | scratch, 0, 1, 0), L4_ENOENT, "READ of handle 2^32 + scratch's");
	if (ro != ~0ull) {
		expect(io(L4_BLK_WRITE, ro, 0, 1, 0), L4_ERIGHTS, "WRITE to a volume granted read-only");
		expect(io(L4_BLK_READ, ro, 0, 1, 0), L4_OK, "READ of that volume");
	}
}

static void bad_ranges(void)
{
	l4_word_t n = scratch_sectors;

	expect(io(L4_BLK_READ, scratch, n, 1, 0), L4_EINVAL, "READ of the sector after the last");
	expect(io(L4_BLK_WRITE, scratch, n - 1, 2, 0), L4_EINVAL, "WRITE of 2 sectors from the last");
	expect(io(L4_BLK_READ, scratch, ~0ull, 1, 0), L4_EINVAL, "READ of sector 2^64-1");
	expect(io(L4_BLK_READ, scratch, 1, ~0ull, 0), L4_EINVAL, "READ of 2^64-1 sectors");
	expect(io(L4_BLK_READ, scratch, 1ull << 63, 1ull << 63, 0), L4_EINVAL,
	       "READ of 2^63 sectors from sector 2^63 (the sum overflows)");
	expect(io(L4_BLK_WRITE, scratch, 2, ~0ull - 1, 0), L4_EINVAL, "WRITE of 2^64-2 sectors from sector 2");
	expect(io(L4_BLK_READ, scratch, 0, 0, 0), L4_EINVAL, "READ of 0 sectors");
	expect(io(L4_BLK_READ, scratch, 0, L4_BLK_MAX_SECTORS + 1, 0), L4_EINVAL, "READ of 129 sectors");
	if (ro != ~0ull)
		expect(io(L4_BLK_READ, ro, ro_sectors - 8, 16, 0), L4_EINVAL,
		       "READ of 16 sectors from 8 before the end of the read-only volume");
	/* Buffer offsets. */
	expect(io(L4_BLK_READ, scratch, 0, 1, 1), L4_EFAULT, "READ to buffer offset 1 (unaligned)");
	expect(io(L4_BLK_WRITE, scratch, 0, 1, 511), L4_EFAULT, "WRITE from buffer offset 511 (unaligned)");
	expect(io(L4_BLK_READ, scratch, 0, 1, L4_BLK_BUF_SIZE), L4_EFAULT, "READ to buffer offset 65536 (past it)");
	expect(io(L4_BLK_READ, scratch, 0, 2, L4_BLK_BUF_SIZE - SECTOR), L4_EFAULT,
	       "READ of 2 sectors to the buffer's last sector");
	expect(io(L4_BLK_READ, scratch, 0, n, L4_BLK_BUF_SIZE - n / 2 * SECTOR), L4_EFAULT,
	       "READ of the whole volume to the buffer's second half (half of it past the buffer)");
	expect(io(L4_BLK_WRITE, scratch, 0, 1, ~0ull & ~511ull), L4_EFAULT, "WRITE from buffer offset 2^64-512");
	expect(io(L4_BLK_READ, scratch, 0, 1, 1ull << 63), L4_EFAULT, "READ to buffer offset 2^63");
	/* The largest request that fits does. */
	expect(io(L4_BLK_READ, scratch, 0, scratch_sectors < L4_BLK_MAX_SECTORS ? scratch_sectors : L4_BLK_MAX_SECTORS,
		  0), L4_OK, "READ of as many sectors as fit, to offset 0");
}

/* Our view of the buffer unmapped: the server's copy is not ours to take. */
static void unmapped_buffer(void)
{
	l4_word_t e = L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(L4_BLK_BUF_ADDR, L4_BLK_BUF_ORDER, L4_FP_RWX),
				L4_UNMAP_SELF).error;
	check(!e, "unmap our view of the buffer (error %lu)", (unsigned long)e);
	expect(io(L4_BLK_READ, scratch, 3, 1, 0), L4_OK, "READ after unmapping our view (the server's copy stays)");
	expect(io(L4_BLK_WRITE, scratch, 3, 1, 0), L4_OK, "WRITE after unmapping our view");
	expect(l4_blk_attach(&b, ep, L4_BLK_BUF_ADDR), L4_OK, "ATTACH again after the unmap");
	e = l4_blk_read(&b, scratch, 3, 1, 0);
	unsigned char first = b.buf[0];
	b.buf[0] = (unsigned char)~first;
	l4_word_t e2 = l4_blk_write(&b, scratch, 3, 1, 0);
	b.buf[0] = 0;
	l4_word_t e3 = l4_blk_read(&b, scratch, 3, 1, 0);
	check(!e && !e2 && !e3 && b.buf[0] == (unsigned char)~first,
	      "the buffer works again: a changed byte goes to the volume and comes back");
}

static void driver_garbage(void)
{
	l4_cap_t ata = l4_env_cap("ata");
	l4_word_t w[2] = { 0, 1 };

	if (!check(ata != L4_CAP_NONE, "we `use ata` too"))
		return;
	l4_utcb()->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(L4_BLK_BUF_ADDR + L4_BLK_BUF_SIZE, 16, 0);
	expect(raw(ata, L4_DISK_ATTACH, 0, NULL, 0, NULL), L4_EBUSY, "driver: ATTACH (the block server owns it)");
	l4_utcb()->br[L4_BR_MEM_WINDOW] = 0;
	expect(raw(ata, L4_DISK_READ, 2, w, 0, NULL), L4_ERIGHTS, "driver: READ from a program that is not its owner");
	expect(raw(ata, L4_DISK_WRITE, 2, w, 0, NULL), L4_ERIGHTS, "driver: WRITE from a program that is not its owner");
	expect(raw(ata, L4_DISK_FLUSH, 0, NULL, 0, NULL), L4_ERIGHTS, "driver: FLUSH from a program that is not its owner");
	expect(raw(ata, L4_DISK_READ, 1, w, 0, NULL), L4_EMSG, "driver: READ with 1 word");
	expect(raw(ata, 99, 0, NULL, 0, NULL), L4_ENOSYS, "driver: unknown label 99");
	expect(raw(ata, L4_SERVER_CLIENT_GONE, 1, (l4_word_t[]){ 1 }, 0, NULL), L4_ERIGHTS,
	       "driver: a client-gone notice from a client");
	l4_word_t e = raw(ata, L4_DISK_INFO, 0, NULL, 0, NULL);
	check(!e && l4_utcb()->mr[0] > 0, "driver: INFO (open to anyone) -> %lu sectors", (unsigned long)l4_utcb()->mr[0]);
}

/* One garbage request of kind k (cycling), with the error it must get. */
static bool garbage(unsigned k)
{
	l4_word_t n = scratch_sectors;

	switch (k % 12) {
	case 0: return io(L4_BLK_READ, scratch, n, 1, 0) == L4_EINVAL;
	case 1: return io(L4_BLK_WRITE, scratch, 0, 1, 3) == L4_EFAULT;
	case 2: return io(L4_BLK_READ, scratch, 1ull << 63, 1ull << 63, 0) == L4_EINVAL;
	case 3: return io(L4_BLK_READ, scratch, 0, 0, 0) == L4_EINVAL;
	case 4: return io(L4_BLK_READ, L4_BLK_MAX_VOLUMES + k, 0, 1, 0) == L4_ENOENT;
	case 5: return raw(ep, 1000 + k, 0, NULL, 0, NULL) == L4_ENOSYS;
	case 6: return raw(ep, L4_BLK_READ, 2, (l4_word_t[]){ scratch, 0 }, 0, NULL) == L4_EMSG;
	case 7: return open_raw("disk0", 5) == L4_ERIGHTS;
	case 8: return io(L4_BLK_WRITE, scratch, 0, n, L4_BLK_BUF_SIZE - SECTOR) == L4_EFAULT;
	case 9: return ro == ~0ull || io(L4_BLK_WRITE, ro, 0, 1, 0) == L4_ERIGHTS;
	case 10: return open_raw("Bad", 3) == L4_EINVAL;
	default: return io(L4_BLK_READ, scratch, ~0ull - k, 2, 0) == L4_EINVAL;
	}
}

static void flood(unsigned clients)
{
	unsigned long sent = 0, wrong = 0;
	uint64_t counts[SYNC_SLOTS + 1] = { 0 };
	const l4_word_t at = 64 * SECTOR;
	bool all = false;

	l4_word_t e = clients >= 1 && clients <= SYNC_SLOTS ? L4_OK : L4_EINVAL;
	for (unsigned s = 1; !e && s <= clients; s++)
		e = scratch_put(&b, scratch, s, at, 0);          /* no round trips yet */
	if (!e)
		e = scratch_put(&b, scratch, 0, at, MARK_START);
	if (!check(!e, "flood starts (MARK_START written; %u good clients to wait for)", clients))
		return;
	uint64_t t0 = now_us();
	while ((!all || sent < FLOOD_MIN) && now_us() - t0 < 60000000) {
		for (unsigned i = 0; i < 100; i++, sent++)
			wrong += !garbage((unsigned)sent);
		all = true;
		for (unsigned s = 1; s <= clients; s++) {
			counts[s] = scratch_word(&b, scratch, s, at);
			all = all && counts[s] != ~0ull && counts[s] >= SYNC_ROUNDS;
		}
	}
	l4_word_t done = scratch_put(&b, scratch, 0, at, MARK_DONE);
	check(all && !wrong && !done,
	      "flood: %lu garbage requests, %lu without their error, while the good clients made %lu and %lu round trips",
	      sent, wrong, (unsigned long)counts[1], (unsigned long)(clients >= 2 ? counts[2] : 0));
}

int main(int argc, char **argv)
{
	const char *sync = NULL, *ro_name = NULL, *v;
	bool use_driver = false, no_grant = false;
	uint64_t ro_seed = 0;
	unsigned clients = 0;

	for (int i = 1; i < argc; i++) {
		if ((v = arg_value(argv[i], "sync")))
			sync = v;
		else if ((v = arg_value(argv[i], "ro")))
			ro_name = v;
		else if ((v = arg_value(argv[i], "ro-seed")))
			ro_seed = number(v);
		else if ((v = arg_value(argv[i], "clients")))
			clients = (unsigned)number(v);
		else if ((v = arg_value(argv[i], "driver")))
			use_driver = str_eq(v, "yes");
		else if ((v = arg_value(argv[i], "stranger")))
			no_grant = str_eq(v, "yes");
	}
	ep = l4_env_cap("blk");
	if (!check(ep != L4_CAP_NONE, "we `use blk`"))
		goto out;
	if (no_grant) {
		stranger();
		goto out;
	}
	if (!check(sync && str_eq(sync, "scratch"), "arguments: sync=scratch"))
		goto out;
	before_attach();
	if (ro_name) {
		l4_word_t f;
		l4_word_t e = l4_blk_open(&b, ro_name, &ro, &ro_sectors, &f);
		check(!e && (f & L4_BLK_READ_ONLY), "OPEN of %s: granted read-only, %lu sectors", ro_name,
		      (unsigned long)ro_sectors);
	}
	bad_messages();
	bad_names();
	bad_handles();
	bad_ranges();
	unmapped_buffer();
	if (use_driver)
		driver_garbage();
	if (ro != ~0ull) {
		l4_word_t e = l4_blk_read(&b, ro, 0, 16, 0);
		long bad = e ? -1 : pattern_mismatch(b.buf, ro_seed, 0, 16);
		check(!e && bad < 0, "after all that, READ of %s still gives its pre-made content (seed %lu)", ro_name,
		      (unsigned long)ro_seed);
	}
	flood(clients);
out:
	finish();
	return 0;
}
