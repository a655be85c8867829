/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/virtio_blk.c on the virtio-pci transport: the identity,
 * offer and configuration Linux's virtio_blk reads; reads, writes, flushes
 * and GET_ID through a split virtqueue in a fake guest RAM over an
 * in-memory disk whose transfer buffer is smaller than the requests (so
 * they go in pieces); every request that must fail (ranges, sizes, a
 * read-only disk, a failing backend, unknown types) with nothing read or
 * written; malformed chains (no header, no status byte, buffers outside
 * RAM, loops); the three steps with a reset in the middle; and a random
 * test against a model of the disk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "tests/unit/vmm/vdriver.h"
#include "vmm/dev/virtio_blk.h"

#define IRQ 11
#define SLOT 3
#define BAR 0xfe010000ull

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x40000u
#define QBASE (RAM_BASE + 0x0000)      /* desc, avail (+0x1000), used (+0x2000) */
#define HDR (RAM_BASE + 0x4000)        /* request headers, 16 bytes each */
#define STATUS (RAM_BASE + 0x5000)     /* status bytes */
#define DATA (RAM_BASE + 0x8000)       /* data buffers to the end of RAM */
#define QNUM 16

#define DISK_SECTORS 64u
#define BUF_SECTORS 3u                 /* the backend's buffer: requests go in pieces */

#define F_LINUX ((1ull << VIRTIO_F_VERSION_1) | 1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX | \
		 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH)

/* The backend's side (the board is vdriver.h's). */
struct backend {
	unsigned kicks, flushes;
	bool fail_io;                      /* the backend reports an error */
	unsigned io_calls;
};

static struct vblk dev;
static struct backend bd;
static struct pci pci;
static uint8_t disk[DISK_SECTORS * VBLK_SECTOR], model[DISK_SECTORS * VBLK_SECTOR];
static uint8_t xbuf[BUF_SECTORS * VBLK_SECTOR];

/* ---- the backend: an in-memory disk behind a 3-sector buffer */

static int be_read(void *ctx, uint64_t sector, unsigned count)
{
	struct backend *b = ctx;

	ck_assert(count >= 1 && count <= BUF_SECTORS && sector + count <= DISK_SECTORS);
	b->io_calls++;
	if (b->fail_io)
		return -1;
	memcpy(xbuf, disk + sector * VBLK_SECTOR, count * VBLK_SECTOR);
	return 0;
}

static int be_write(void *ctx, uint64_t sector, unsigned count)
{
	struct backend *b = ctx;

	ck_assert(count >= 1 && count <= BUF_SECTORS && sector + count <= DISK_SECTORS);
	b->io_calls++;
	if (b->fail_io)
		return -1;
	memcpy(disk + sector * VBLK_SECTOR, xbuf, count * VBLK_SECTOR);
	return 0;
}

static int be_flush(void *ctx)
{
	struct backend *b = ctx;

	b->flushes++;
	return b->fail_io ? -1 : 0;
}

static void be_kick(void *ctx)
{
	((struct backend *)ctx)->kicks++;
}

static void init_dev(bool read_only, bool kick)
{
	struct virtio_pci_config wiring = vd_wiring(SLOT, BAR);
	struct vblk_backend be = { .sectors = DISK_SECTORS, .read_only = read_only, .id = "l4blk:root",
				   .buf = xbuf, .buf_sectors = BUF_SECTORS, .read = be_read, .write = be_write,
				   .flush = be_flush, .kick = kick ? be_kick : NULL, .ctx = &bd };

	pci_init(&pci);
	ck_assert(vblk_init(&dev, &pci, &wiring, &be));
}

static void setup(void)
{
	memset(&bd, 0, sizeof(bd));
	vd_board_init(RAM_BASE, RAM_SIZE, IRQ, "block");
	for (unsigned i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 7 + i / VBLK_SECTOR);
	memcpy(model, disk, sizeof(disk));
	init_dev(false, false);
	vd_use(&dev.vp);
}

static void teardown(void)
{
	vd_board_free();
}

/* ---- the driver (vdriver.h) */

static struct vd_queue rq;

/* virtio_blk's probe: features, the one queue, DRIVER_OK. */
static void linux_probe(uint64_t want)
{
	ck_assert(vd_negotiate(vd_offered() & want));
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_NUMQ, 2), 1);
	vd_wr(VIRTIO_PCI_QSELECT, 2, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_QSIZE, 2), VBLK_QUEUE_MAX);
	vd_queue(&rq, 0, QBASE, QNUM);
	vd_wr(VIRTIO_PCI_STATUS, 1, vd_status() | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}

static void header(unsigned slot, uint32_t type, uint64_t sector)
{
	uint8_t *h = vd_gp(HDR + 16ull * slot);

	put32(h, type);
	put32(h + 4, 0);
	put64(h + 8, sector);
}

/*
 * A request as Linux builds it: descriptor 0 the header, then the data in
 * `parts` descriptors of `bytes` in all (device-writable for IN), then the
 * status byte; slot picks the header and status places and descriptors
 * 5 * slot on. Returns the status byte after it was used (0xee if not).
 */
static uint8_t request(unsigned slot, uint32_t type, uint64_t sector, uint64_t data_gpa, uint32_t bytes,
		       unsigned parts, uint32_t *used_len)
{
	unsigned d = 5 * slot, n = 0;
	uint16_t wflag = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;

	header(slot, type, sector);
	*vd_gp(STATUS + slot) = 0xee;
	vd_desc(&rq, d + n, HDR + 16ull * slot, VBLK_HEADER, VIRTQ_DESC_F_NEXT, (uint16_t)(d + n + 1));
	n++;
	for (unsigned i = 0; i < parts && bytes; i++, n++) {
		uint32_t piece = i + 1 == parts ? bytes - (bytes / parts) * i : bytes / parts;
		vd_desc(&rq, d + n, data_gpa + (uint64_t)(bytes / parts) * i, piece, wflag | VIRTQ_DESC_F_NEXT,
			 (uint16_t)(d + n + 1));
	}
	vd_desc(&rq, d + n, STATUS + slot, 1, VIRTQ_DESC_F_WRITE, 0);
	uint16_t before = vd_used_idx(&rq);
	vd_submit(&rq, (uint16_t)d);
	if (vd_used_idx(&rq) != before) {
		uint16_t head;
		uint32_t len;
		vd_next_used(&rq, &head, &len);
		ck_assert_uint_eq(head, d);
		if (used_len)
			*used_len = len;
	}
	return *vd_gp(STATUS + slot);
}

/* ------------------------------------------------------------ tests */

START_TEST(test_identity_offer_and_config)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(pci_config_read(f, PCI_VENDOR_ID, 2), VIRTIO_PCI_VENDOR);
	ck_assert_uint_eq(pci_config_read(f, PCI_DEVICE_ID, 2), 0x1040 + VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(vd_offered(), F_LINUX);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_CAPACITY, 4), DISK_SECTORS);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_CAPACITY + 4, 4), 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_SEG_MAX, 4), VBLK_SEG_MAX);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_BLK_SIZE, 4), VBLK_SECTOR);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_SIZE_MAX, 4), 0);
	/* A read-only disk says so. */
	init_dev(true, false);
	ck_assert_uint_eq(vd_offered(), F_LINUX | 1ull << VIRTIO_BLK_F_RO);
	/* No buffer, no device. */
	struct virtio_pci_config wiring = { .slot = SLOT + 1, .bar_base = BAR + 0x10000, .irq_line = IRQ };
	struct vblk_backend none = { .sectors = 1 };
	struct vblk other;
	ck_assert(!vblk_init(&other, &pci, &wiring, &none));
}
END_TEST

/* Reads and writes of several sectors, in several descriptors, through
 * the 3-sector buffer: the data, the status, the used length, the IRQ. */
START_TEST(test_read_and_write)
{
	uint32_t len = 0;

	linux_probe(F_LINUX);
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_IN, 5, DATA, 10 * VBLK_SECTOR, 3, &len), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(vd_gp(DATA), disk + 5 * VBLK_SECTOR, 10 * VBLK_SECTOR);
	ck_assert_uint_eq(len, 10 * VBLK_SECTOR + 1);
	ck_assert_uint_eq(bd.io_calls, 4);                 /* 3 + 3 + 3 + 1 */
	ck_assert_int_eq(vd.level, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_int_eq(vd.level, 0);
	/* A write of 7 sectors at the very end. */
	for (unsigned i = 0; i < 7 * VBLK_SECTOR; i++)
		vd_gp(DATA + 0x4000)[i] = (uint8_t)(0x5a ^ i);
	ck_assert_uint_eq(request(1, VIRTIO_BLK_T_OUT, DISK_SECTORS - 7, DATA + 0x4000, 7 * VBLK_SECTOR, 2, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_mem_eq(disk + (DISK_SECTORS - 7) * VBLK_SECTOR, vd_gp(DATA + 0x4000), 7 * VBLK_SECTOR);
	ck_assert_mem_eq(disk, model, (DISK_SECTORS - 7) * VBLK_SECTOR);
	/* Flush, GET_ID. */
	ck_assert_uint_eq(request(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, &len), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(bd.flushes, 1);
	memset(vd_gp(DATA), 0xff, 64);
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_GET_ID, 0, DATA, VBLK_ID_BYTES, 1, &len), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(vd_gp(DATA), "l4blk:root\0\0\0\0\0\0\0\0\0\0", VBLK_ID_BYTES);
	ck_assert_uint_eq(len, VBLK_ID_BYTES + 1);
	ck_assert_uint_eq(dev.requests, 4);
	ck_assert_uint_eq(dev.errors, 0);
	ck_assert_uint_eq(vd.logs, 0);
}
END_TEST

/* Well-formed requests that cannot be done: IOERR (or UNSUPP), and the
 * disk and the guest's buffer stay as they were. */
START_TEST(test_requests_that_fail_change_nothing)
{
	static const struct {
		uint32_t type;
		uint64_t sector;
		uint32_t bytes;
		uint8_t status;
	} bad[] = {
		{ VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 2 * VBLK_SECTOR, VIRTIO_BLK_S_IOERR },     /* past the end */
		{ VIRTIO_BLK_T_OUT, DISK_SECTORS, VBLK_SECTOR, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_IN, DISK_SECTORS + 100, VBLK_SECTOR, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_OUT, ~0ull, VBLK_SECTOR, VIRTIO_BLK_S_IOERR },                    /* wraps */
		{ VIRTIO_BLK_T_IN, ~0ull - 1, 4 * VBLK_SECTOR, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_IN, 0, VBLK_SECTOR + 1, VIRTIO_BLK_S_IOERR },                     /* not whole sectors */
		{ VIRTIO_BLK_T_OUT, 0, 100, VIRTIO_BLK_S_IOERR },
		{ 2, 0, VBLK_SECTOR, VIRTIO_BLK_S_UNSUPP },                                       /* unknown types */
		{ 11, 0, 16, VIRTIO_BLK_S_UNSUPP },
		{ 0xffffffffu, 0, VBLK_SECTOR, VIRTIO_BLK_S_UNSUPP },
	};
	linux_probe(F_LINUX);
	memset(vd_gp(DATA), 0x33, 0x4000);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_uint_eq(request(i % 3, bad[i].type, bad[i].sector, DATA, bad[i].bytes, 1, NULL), bad[i].status);
		ck_assert_mem_eq(disk, model, sizeof(disk));
		ck_assert_uint_eq(bd.io_calls, 0);
		for (unsigned k = 0; k < 0x1000; k++)
			ck_assert_uint_eq(vd_gp(DATA)[k], 0x33);
	}
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
	/* A failing backend: IOERR for each kind. */
	bd.fail_io = true;
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_IN, 0, DATA, VBLK_SECTOR, 1, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(1, VIRTIO_BLK_T_OUT, 0, DATA, VBLK_SECTOR, 1, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, NULL), VIRTIO_BLK_S_IOERR);
	bd.fail_io = false;
	/* A read-only disk refuses writes, reads still go. */
	init_dev(true, false);
	linux_probe(F_LINUX | 1ull << VIRTIO_BLK_F_RO);
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_OUT, 0, DATA, VBLK_SECTOR, 1, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_mem_eq(disk, model, sizeof(disk));
	ck_assert_uint_eq(request(1, VIRTIO_BLK_T_IN, 0, DATA, VBLK_SECTOR, 1, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(vd_gp(DATA), disk, VBLK_SECTOR);
}
END_TEST

/* Chains a request cannot be: the device needs a reset, nothing is read
 * or written, and after the reset it works again. */
START_TEST(test_malformed_chains)
{
	for (unsigned kind = 0; kind < 6; kind++) {
		linux_probe(F_LINUX);
		header(0, VIRTIO_BLK_T_OUT, 0);
		switch (kind) {
		case 0: /* no status byte: all device-readable */
			vd_desc(&rq, 0, HDR, VBLK_HEADER, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&rq, 1, DATA, VBLK_SECTOR, 0, 0);
			break;
		case 1: /* a short header */
			vd_desc(&rq, 0, HDR, 8, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&rq, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 2: /* data outside RAM */
			vd_desc(&rq, 0, HDR, VBLK_HEADER, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&rq, 1, RAM_BASE + RAM_SIZE - 256, VBLK_SECTOR, VIRTQ_DESC_F_NEXT, 2);
			vd_desc(&rq, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 3: /* a loop */
			vd_desc(&rq, 0, HDR, VBLK_HEADER, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&rq, 1, DATA, VBLK_SECTOR, VIRTQ_DESC_F_NEXT, 0);
			break;
		case 4: /* the header outside RAM */
			vd_desc(&rq, 0, 0x1000, VBLK_HEADER, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&rq, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 5: /* a next index past the queue */
			vd_desc(&rq, 0, HDR, VBLK_HEADER, VIRTQ_DESC_F_NEXT, QNUM + 3);
			break;
		}
		*vd_gp(STATUS) = 0xee;
		vd_submit(&rq, 0);
		ck_assert_msg(vd_status() & VIRTIO_STATUS_NEEDS_RESET, "kind %u", kind);
		ck_assert_uint_eq(vd_used_idx(&rq), 0);
		ck_assert_uint_eq(*vd_gp(STATUS), 0xee);
		ck_assert_uint_eq(bd.io_calls, 0);
		ck_assert_mem_eq(disk, model, sizeof(disk));
	}
	ck_assert_uint_eq(vd.logs, 6);
	linux_probe(F_LINUX);
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_IN, 1, DATA, VBLK_SECTOR, 1, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

/* With a kick, a notification only kicks; the steps run later; a reset
 * between take and finish drops the request (it is never pushed onto the
 * driver's new rings); several requests wait in the queue at once. */
START_TEST(test_steps_and_reset_between)
{
	struct vblk_req r;

	init_dev(false, true);
	linux_probe(F_LINUX);
	ck_assert_uint_eq(bd.kicks, 1);                    /* (DRIVER_OK looks at the queue) */
	ck_assert_uint_eq(request(0, VIRTIO_BLK_T_IN, 0, DATA, VBLK_SECTOR, 1, NULL), 0xee);
	ck_assert_uint_eq(bd.kicks, 2);
	ck_assert_uint_eq(request(1, VIRTIO_BLK_T_IN, 4, DATA + 0x1000, 2 * VBLK_SECTOR, 1, NULL), 0xee);
	ck_assert_uint_eq(request(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, NULL), 0xee);
	ck_assert_uint_eq(vd_used_idx(&rq), 0);
	ck_assert_uint_eq(vblk_process(&dev), 3);
	ck_assert_uint_eq(vd_used_idx(&rq), 3);
	ck_assert_uint_eq(*vd_gp(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(*vd_gp(STATUS + 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(*vd_gp(STATUS + 2), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(vd_gp(DATA + 0x1000), disk + 4 * VBLK_SECTOR, 2 * VBLK_SECTOR);
	ck_assert_uint_eq(vblk_take(&dev, &r), 0);
	/* Taken, then the driver resets and sets up again: the old request's
	 * completion goes nowhere. */
	rq.last_used = vd_used_idx(&rq);
	request(0, VIRTIO_BLK_T_IN, 2, DATA, VBLK_SECTOR, 1, NULL);
	ck_assert_uint_eq(vblk_take(&dev, &r), 1);
	vblk_do(&dev, &r);
	linux_probe(F_LINUX);
	vblk_finish(&dev, &r);
	ck_assert_uint_eq(vd_used_idx(&rq), 0);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
	/* No taking while the device is not running. */
	vd_wr(VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_uint_eq(vblk_take(&dev, &r), 0);
}
END_TEST

/* Random reads and writes (sizes, places, descriptor splits, also past
 * the end) against a model of the disk. */
START_TEST(test_random_against_model)
{
	rnd_seed(0xb10c);
	linux_probe(F_LINUX);
	for (unsigned round = 0; round < 2000; round++) {
		bool out = rnd() & 1;
		uint32_t sectors = 1 + (uint32_t)(rnd() % 24);
		uint64_t sector = rnd() % (DISK_SECTORS + 8);
		unsigned parts = 1 + (unsigned)(rnd() % 3);
		bool fits = sector + sectors <= DISK_SECTORS;
		uint8_t *buf = vd_gp(DATA);
		if (out)
			for (unsigned i = 0; i < sectors * VBLK_SECTOR; i++)
				buf[i] = (uint8_t)rnd();
		else
			memset(buf, 0, sectors * VBLK_SECTOR);
		uint8_t st = request(round % 3, out ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, DATA,
				     sectors * VBLK_SECTOR, parts, NULL);
		ck_assert_uint_eq(st, fits ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
		if (fits && out)
			memcpy(model + sector * VBLK_SECTOR, buf, sectors * VBLK_SECTOR);
		if (fits && !out)
			ck_assert_mem_eq(buf, model + sector * VBLK_SECTOR, sectors * VBLK_SECTOR);
		ck_assert_mem_eq(disk, model, sizeof(disk));
	}
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("virtio-blk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity_offer_and_config);
	tcase_add_test(tc, test_read_and_write);
	tcase_add_test(tc, test_requests_that_fail_change_nothing);
	tcase_add_test(tc, test_malformed_chains);
	tcase_add_test(tc, test_steps_and_reset_between);
	tcase_add_test(tc, test_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}
