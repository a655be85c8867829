/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/virtio_console.c on the virtio-pci transport: the
 * register sequence of Linux's virtio_pci_modern probe and setup_vq,
 * feature negotiation as the virtio core does it, transmit and receive
 * through split virtqueues in a fake guest RAM (also with the event index
 * and indirect descriptors, as Linux negotiates them), the ISR and the
 * level IRQ line, reset, every malformed queue the guest can build, and a
 * random test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/virtio_console.h"

#define VCON_IRQ 5
#define SLOT 1
#define BAR 0xfe000000ull

/* Fake guest RAM: RAM_SIZE bytes at RAM_BASE, nothing else is RAM. */
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000u
#define RXQ_BASE (RAM_BASE + 0x0000)   /* desc, avail (+0x1000), used (+0x2000) */
#define TXQ_BASE (RAM_BASE + 0x3000)
#define TABLE (RAM_BASE + 0x6000)      /* indirect tables */
#define DATA (RAM_BASE + 0x8000)       /* buffers from here to the end of RAM */

#define DESC_F_NEXT VIRTQ_DESC_F_NEXT
#define DESC_F_WRITE VIRTQ_DESC_F_WRITE
#define DESC_F_INDIRECT VIRTQ_DESC_F_INDIRECT
#define AVAIL_F_NO_INTERRUPT VIRTQ_AVAIL_F_NO_INTERRUPT
#define F_VERSION_1 (1ull << VIRTIO_F_VERSION_1)
/* What Linux 6.1 negotiates with this device: the ring features too. */
#define F_LINUX (F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX)

#define STATUS_ALL_OK (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)


/* What the board and the host see. */
struct board {
	int level;
	unsigned rises, line;
	uint8_t out[8192];
	size_t nout, tx_calls, tx_max_piece;
	unsigned rx_ready_calls;
	const uint8_t *pending;     /* input the rx_ready hook pushes */
	size_t npending;
	size_t ram_refusals;
	bool tx_reenter;            /* the tx callback pokes the device */
	size_t reenter_took;
	unsigned logs;
};

/* A driver's view of one virtqueue. */
struct gq {
	unsigned index;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
	uint16_t last_used;         /* what get_buf has taken (event index: used_event) */
};

static struct vcon dev;
static struct board bd;
static struct pci pci;
static uint8_t *ram;
static struct gq rxq, txq;
static uint64_t features = F_VERSION_1;   /* what linux_probe negotiates */

/* ------------------------------------------------------------ fake guest */

static bool in_ram(uint64_t gpa, unsigned len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

static uint8_t *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	struct board *b = ctx;

	if (!in_ram(gpa, len)) {
		b->ram_refusals++;
		return NULL;
	}
	return ram + (gpa - RAM_BASE);
}

static uint8_t *gp(uint64_t gpa)
{
	ck_assert(in_ram(gpa, 1));
	return ram + (gpa - RAM_BASE);
}

static uint16_t rd16(uint64_t gpa)
{
	const uint8_t *p = gp(gpa);

	return (uint16_t)(p[0] | p[1] << 8);
}

static void board_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	b->line = line;
	if (level && !b->level)
		b->rises++;
	b->level = level;
}

static uint64_t rd(uint32_t off, unsigned size);
static void wr(uint32_t off, unsigned size, uint64_t v);

static void board_tx(void *ctx, const uint8_t *buf, size_t n)
{
	struct board *b = ctx;

	b->tx_calls++;
	if (b->tx_reenter) {
		b->reenter_took += vcon_receive(&dev, buf, n);
		wr(VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * VCON_TXQ, 2, VCON_TXQ);
		wr(VIRTIO_PCI_STATUS, 1, 0);
	}
	if (n > b->tx_max_piece)
		b->tx_max_piece = n;
	for (size_t i = 0; i < n && b->nout < sizeof(b->out); i++)
		b->out[b->nout++] = buf[i];
}

/* The VMM pushes held input as soon as the driver posts buffers. */
static void board_rx_ready(void *ctx)
{
	struct board *b = ctx;
	size_t took;

	b->rx_ready_calls++;
	if (b->npending) {
		took = vcon_receive(&dev, b->pending, b->npending);
		b->pending += took;
		b->npending -= took;
	}
}

static void board_log(void *ctx, const char *device, const char *what)
{
	struct board *b = ctx;

	ck_assert_str_eq(device, "console");
	ck_assert_ptr_nonnull(what);
	b->logs++;
}

static struct vdev_ram gram;
static struct vdev_irq girq;

/* The console at 00:01.0 as the board wires it; ram may be NULL. */
static void init_dev(const struct vdev_ram *r, const struct vcon_host *host)
{
	struct virtio_pci_config wiring = { .slot = SLOT, .bar_base = BAR, .irq_line = VCON_IRQ, .ram = r,
					    .irq = &girq, .log = board_log, .log_ctx = &bd };

	pci_init(&pci);
	ck_assert(vcon_init(&dev, &pci, &wiring, host));
}

static void setup(void)
{
	struct vcon_host host = { board_tx, board_rx_ready, &bd };

	memset(&bd, 0, sizeof(bd));
	ram = alloc_exact(RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	gram = (struct vdev_ram){ ram_map, &bd };
	girq = (struct vdev_irq){ board_irq, &bd };
	features = F_VERSION_1;
	init_dev(&gram, &host);
}

static void teardown(void)
{
	free(ram);
	ram = NULL;
}

/* ------------------------------------------------------------ the driver */

/* Accesses to the BAR, as the board hands them on. */
static uint64_t rd(uint32_t off, unsigned size)
{
	return virtio_pci_read(&dev.vp, off, size, 0);
}

static void wr(uint32_t off, unsigned size, uint64_t v)
{
	virtio_pci_write(&dev.vp, off, size, v, 0);
}

static uint8_t get_status(void)
{
	return (uint8_t)rd(VIRTIO_PCI_STATUS, 1);
}

static void set_status(uint8_t add)
{
	wr(VIRTIO_PCI_STATUS, 1, get_status() | add);
}

static void reset(void)
{
	wr(VIRTIO_PCI_STATUS, 1, 0);
}

static bool needs_reset(void)
{
	return get_status() & VIRTIO_STATUS_NEEDS_RESET;
}

/* The ISR without reading it (a read clears it). */
static uint8_t isr_peek(void)
{
	return dev.vp.isr;
}

/* vp_interrupt: the ISR read acknowledges everything. */
static uint8_t vp_interrupt(void)
{
	return (uint8_t)rd(VIRTIO_PCI_ISR, 1);
}

/* vp_modern_get_features: both words. */
static uint64_t get_features(void)
{
	uint64_t f;

	wr(VIRTIO_PCI_DFSELECT, 4, 1);
	f = rd(VIRTIO_PCI_DF, 4) << 32;
	wr(VIRTIO_PCI_DFSELECT, 4, 0);
	return f | rd(VIRTIO_PCI_DF, 4);
}

/* vp_modern_set_features. */
static void set_features(uint64_t f)
{
	wr(VIRTIO_PCI_GFSELECT, 4, 0);
	wr(VIRTIO_PCI_GF, 4, (uint32_t)f);
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	wr(VIRTIO_PCI_GF, 4, (uint32_t)(f >> 32));
}

/* virtio_dev_probe up to the FEATURES_OK check; returns whether it held. */
static bool negotiate(uint64_t f)
{
	reset();
	set_status(VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(VIRTIO_STATUS_DRIVER);
	set_features(f);
	set_status(VIRTIO_STATUS_FEATURES_OK);
	return get_status() & VIRTIO_STATUS_FEATURES_OK;
}

/* Driver-side ring placement and a zeroed ring, as vring_create_virtqueue makes. */
static void gq_place(struct gq *q, unsigned index, uint16_t num, uint64_t base)
{
	memset(q, 0, sizeof(*q));
	q->index = index;
	q->num = num;
	q->desc = base;
	q->avail = base + 0x1000;
	q->used = base + 0x2000;
	memset(gp(base), 0, 0x3000);
}

/* setup_vq of virtio_pci_modern: the layout, then (find_vqs) the enable. */
static void setup_vq(struct gq *q)
{
	wr(VIRTIO_PCI_QSELECT, 2, q->index);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 0);
	ck_assert_uint_ge(rd(VIRTIO_PCI_QSIZE, 2), q->num);
	wr(VIRTIO_PCI_QSIZE, 2, q->num);
	wr(VIRTIO_PCI_QDESC, 4, (uint32_t)q->desc);
	wr(VIRTIO_PCI_QDESC + 4, 4, (uint32_t)(q->desc >> 32));
	wr(VIRTIO_PCI_QDRIVER, 4, (uint32_t)q->avail);
	wr(VIRTIO_PCI_QDRIVER + 4, 4, (uint32_t)(q->avail >> 32));
	wr(VIRTIO_PCI_QDEVICE, 4, (uint32_t)q->used);
	wr(VIRTIO_PCI_QDEVICE + 4, 4, (uint32_t)(q->used >> 32));
	ck_assert_uint_eq(rd(VIRTIO_PCI_QNOFF, 2), q->index);
	wr(VIRTIO_PCI_QENABLE, 2, 1);
}

/* Linux's whole probe: virtio_pci_modern_probe, virtio_dev_probe (the
 * features both sides have), virtcons_probe's init_vqs, DRIVER_OK. */
static void linux_probe(uint16_t num)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(pci_config_read(f, PCI_VENDOR_ID, 2), VIRTIO_PCI_VENDOR);
	ck_assert_uint_eq(pci_config_read(f, PCI_DEVICE_ID, 2), 0x1040 + VIRTIO_ID_CONSOLE);
	ck_assert(negotiate(get_features() & features));
	ck_assert_uint_eq(rd(VIRTIO_PCI_NUMQ, 2), 2);
	gq_place(&rxq, VCON_RXQ, num, RXQ_BASE);
	gq_place(&txq, VCON_TXQ, num, TXQ_BASE);
	setup_vq(&rxq);
	setup_vq(&txq);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(get_status(), STATUS_ALL_OK);
}

static void set_desc(const struct gq *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *p = gp(q->desc + 16ull * i);

	put64(p, addr);
	put32(p + 8, len);
	put16(p + 12, flags);
	put16(p + 14, next);
}

/* Puts head on the avail ring and publishes it (no notify). */
static void post(struct gq *q, uint16_t head)
{
	put16(gp(q->avail + 4 + 2ull * (q->avail_idx % q->num)), head);
	q->avail_idx++;
	put16(gp(q->avail + 2), q->avail_idx);
}

static void notify(const struct gq *q)
{
	wr(VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * q->index, 2, q->index);
}

static uint16_t used_idx(const struct gq *q)
{
	return rd16(q->used + 2);
}

static void check_used(const struct gq *q, unsigned i, uint32_t id, uint32_t len)
{
	const uint8_t *e = gp(q->used + 4 + 8ull * (i % q->num));

	ck_assert_uint_eq(get32(e), id);
	ck_assert_uint_eq(get32(e + 4), len);
}

/* Sends a string through one descriptor at DATA + off. */
static void send_one(uint16_t d, uint64_t off, const char *s)
{
	memcpy(gp(DATA + off), s, strlen(s));
	set_desc(&txq, d, DATA + off, (uint32_t)strlen(s), 0, 0);
	post(&txq, d);
	notify(&txq);
}

/* Posts a device-writable buffer of len bytes at DATA + off. */
static void post_rx(uint16_t d, uint64_t off, uint32_t len)
{
	memset(gp(DATA + off), 0xee, len);
	set_desc(&rxq, d, DATA + off, len, DESC_F_WRITE, 0);
	post(&rxq, d);
}

/* After a protocol violation: stopped, config interrupt, nothing moves. */
static void check_broken(void)
{
	ck_assert(needs_reset());
	ck_assert_uint_eq(isr_peek() & VIRTIO_PCI_ISR_CONFIG, VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_ge(bd.logs, 1);
}

/* ------------------------------------------------------------ probe and registers */

START_TEST(test_identity_and_offer)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);

	ck_assert_uint_eq(pci_config_read(f, 0, 4), 0x10431af4u);
	ck_assert_uint_eq(pci_config_read(f, PCI_REVISION_ID, 4) >> 8, VCON_PCI_CLASS);
	ck_assert_uint_eq(pci_config_read(f, PCI_INTERRUPT_LINE, 1), VCON_IRQ);
	ck_assert_uint_eq(virtio_pci_bar(&dev.vp), BAR);
	ck_assert_uint_eq(get_status(), 0);
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_CFGGEN, 1), 0);
	/* Two queues of up to 256 entries, none beyond. */
	ck_assert_uint_eq(rd(VIRTIO_PCI_NUMQ, 2), 2);
	for (unsigned q = 0; q < 4; q++) {
		wr(VIRTIO_PCI_QSELECT, 2, q);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QSIZE, 2), q < 2 ? 256 : 0);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 0);
	}
	/* Offered: VERSION_1 and the ring features, no console feature. */
	ck_assert_uint_eq(get_features(), F_LINUX);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_uint_eq(bd.rises, 0);
	/* The console's own features (size, multiport, emergency write) are refused. */
	for (unsigned bit = 0; bit < 3; bit++)
		ck_assert_msg(!negotiate(F_VERSION_1 | 1ull << bit), "bit %u accepted", bit);
	ck_assert(negotiate(F_LINUX));
}
END_TEST

START_TEST(test_config_space)
{
	const uint32_t cfg = VIRTIO_PCI_DEVICE_CFG;

	/* virtio_cread as the core does it: generation, field, generation. */
	uint8_t gen = (uint8_t)rd(VIRTIO_PCI_CFGGEN, 1);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS, 4), 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_CFGGEN, 1), gen);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_COLS, 2), 0);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_ROWS, 2), 0);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_EMERG_WR, 4), 0);
	/* Byte reads of the little-endian max_nr_ports. */
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS, 1), 1);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS + 1, 1), 0);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS, 2), 1);
	/* Beyond the structure or misaligned: 0. */
	ck_assert_uint_eq(rd(cfg + VCON_CFG_SIZE, 4), 0);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS + 2, 4), 0);
	/* emerg_wr without EMERG_WRITE: the write does nothing, no byte is sent. */
	wr(cfg + VCON_CFG_EMERG_WR, 4, 'x');
	wr(cfg + VCON_CFG_MAX_NR_PORTS, 4, 7);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_EMERG_WR, 4), 0);
	ck_assert_uint_eq(rd(cfg + VCON_CFG_MAX_NR_PORTS, 4), 1);
	ck_assert_uint_eq(bd.nout, 0);
}
END_TEST

START_TEST(test_linux_probe_sequence)
{
	linux_probe(256);
	wr(VIRTIO_PCI_QSELECT, 2, VCON_RXQ);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 1);
	wr(VIRTIO_PCI_QSELECT, 2, VCON_TXQ);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 1);
	/* Nothing posted, nothing happened, but DRIVER_OK told the host. */
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(used_idx(&rxq), 0);
	ck_assert_uint_eq(bd.rx_ready_calls, 1);
	ck_assert_uint_eq(bd.logs, 0);
}
END_TEST

START_TEST(test_failed_stops_the_queues)
{
	linux_probe(8);
	set_status(VIRTIO_STATUS_FAILED);
	send_one(0, 0, "x");
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(used_idx(&txq), 0);
	post_rx(0, 0x100, 8);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"in", 2), 0);
}
END_TEST

/* ------------------------------------------------------------ transmit */

START_TEST(test_tx_one_buffer)
{
	linux_probe(256);
	send_one(0, 0, "hello");
	ck_assert_uint_eq(bd.nout, 5);
	ck_assert_mem_eq(bd.out, "hello", 5);
	ck_assert_uint_eq(used_idx(&txq), 1);
	check_used(&txq, 0, 0, 0);   /* the device wrote nothing into it */
	ck_assert_uint_eq(bd.line, VCON_IRQ);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_uint_eq(isr_peek(), 0);
	/* A notify with nothing new: no output, no interrupt. */
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 5);
	ck_assert_int_eq(bd.level, 0);
}
END_TEST

START_TEST(test_tx_several_and_chained)
{
	static const char big_fill[] = "0123456789abcdef";
	uint8_t expect[64 + 1500];
	size_t ne = 0;

	linux_probe(16);
	/* Buffer 1: one descriptor. */
	memcpy(gp(DATA), "one,", 4);
	set_desc(&txq, 3, DATA, 4, 0, 0);
	post(&txq, 3);
	/* Buffer 2: a chain 7 -> 2 -> 12 of pieces in scattered memory. */
	memcpy(gp(DATA + 0x300), "tw", 2);
	memcpy(gp(DATA + 0x100), "o-", 2);
	memcpy(gp(DATA + 0x200), "chain,", 6);
	set_desc(&txq, 7, DATA + 0x300, 2, DESC_F_NEXT, 2);
	set_desc(&txq, 2, DATA + 0x100, 2, DESC_F_NEXT, 12);
	set_desc(&txq, 12, DATA + 0x200, 6, 0, 0);
	post(&txq, 7);
	/* Buffer 3: 1500 bytes, more than one tx piece; a zero-length link too. */
	for (int i = 0; i < 1500; i++)
		gp(DATA + 0x1000)[i] = (uint8_t)big_fill[i % 16];
	set_desc(&txq, 0, DATA + 0x800, 0, DESC_F_NEXT, 1);
	set_desc(&txq, 1, DATA + 0x1000, 1500, 0, 0);
	post(&txq, 0);
	notify(&txq);

	memcpy(expect, "one,two-chain,", 14);
	ne = 14;
	memcpy(expect + ne, gp(DATA + 0x1000), 1500);
	ne += 1500;
	ck_assert_uint_eq(bd.nout, ne);
	ck_assert_mem_eq(bd.out, expect, ne);
	ck_assert_uint_le(bd.tx_max_piece, VCON_TX_CHUNK);
	ck_assert_uint_eq(used_idx(&txq), 3);
	check_used(&txq, 0, 3, 0);
	check_used(&txq, 1, 7, 0);
	check_used(&txq, 2, 0, 0);
	/* One notify, one interrupt. */
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE);
}
END_TEST

START_TEST(test_tx_ring_wraps)
{
	char s[2] = "a";

	linux_probe(4);
	/* 3 * 4 buffers: avail and used indices wrap around the ring thrice. */
	for (unsigned i = 0; i < 12; i++) {
		s[0] = (char)('a' + i);
		send_one((uint16_t)(i % 4), i, s);
		ck_assert_uint_eq(used_idx(&txq), i + 1);
		check_used(&txq, i, i % 4, 0);
	}
	ck_assert_uint_eq(bd.nout, 12);
	ck_assert_mem_eq(bd.out, "abcdefghijkl", 12);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_tx_writable_tail_is_ignored)
{
	linux_probe(8);
	memcpy(gp(DATA), "data", 4);
	memset(gp(DATA + 0x100), 0xaa, 8);
	set_desc(&txq, 0, DATA, 4, DESC_F_NEXT, 1);
	set_desc(&txq, 1, DATA + 0x100, 8, DESC_F_WRITE, 0);
	post(&txq, 0);
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 4);
	ck_assert_mem_eq(bd.out, "data", 4);
	check_used(&txq, 0, 0, 0);
	ck_assert_uint_eq(gp(DATA + 0x100)[0], 0xaa);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_tx_before_driver_ok_waits)
{
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&rxq, VCON_RXQ, 8, RXQ_BASE);
	gq_place(&txq, VCON_TXQ, 8, TXQ_BASE);
	setup_vq(&rxq);
	setup_vq(&txq);
	/* The device must not use buffers before DRIVER_OK. */
	send_one(0, 0, "early");
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(used_idx(&txq), 0);
	ck_assert_int_eq(bd.level, 0);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(bd.nout, 5);
	ck_assert_mem_eq(bd.out, "early", 5);
	ck_assert_uint_eq(used_idx(&txq), 1);
	ck_assert_int_eq(bd.level, 1);
}
END_TEST

START_TEST(test_callbacks_cannot_reenter)
{
	linux_probe(8);
	post_rx(0, 0x100, 8);
	bd.tx_reenter = true;
	send_one(0, 0, "first");
	send_one(1, 8, "second");
	/* Input, nested notifies and a reset from inside tx were all ignored. */
	ck_assert_uint_eq(bd.reenter_took, 0);
	ck_assert_uint_eq(get_status(), STATUS_ALL_OK);
	ck_assert_uint_eq(used_idx(&txq), 2);
	ck_assert_uint_eq(used_idx(&rxq), 0);
	ck_assert_mem_eq(bd.out, "firstsecond", 11);
	bd.tx_reenter = false;
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"in", 2), 2);
}
END_TEST

START_TEST(test_tx_without_host_callback)
{
	init_dev(&gram, NULL);
	linux_probe(8);
	send_one(0, 0, "dropped");
	ck_assert_uint_eq(used_idx(&txq), 1);
	ck_assert_int_eq(bd.level, 1);
	ck_assert(!needs_reset());
}
END_TEST

/* ------------------------------------------------------------ receive */

START_TEST(test_rx_partial_fill_then_next_buffer)
{
	linux_probe(256);
	post_rx(0, 0, 8);
	post_rx(1, 0x100, 8);
	/* DRIVER_OK with the receiveq enabled, then fill_queue's kick. */
	notify(&rxq);
	ck_assert_uint_eq(bd.rx_ready_calls, 2);

	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"hello", 5), 5);
	ck_assert_uint_eq(used_idx(&rxq), 1);
	check_used(&rxq, 0, 0, 5);
	ck_assert_mem_eq(gp(DATA), "hello", 5);
	ck_assert_uint_eq(gp(DATA)[5], 0xee);   /* nothing beyond the input */
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_int_eq(bd.level, 0);

	/* 12 bytes, 8 fit in the one buffer left. */
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"0123456789ab", 12), 8);
	ck_assert_uint_eq(used_idx(&rxq), 2);
	check_used(&rxq, 1, 1, 8);
	ck_assert_mem_eq(gp(DATA + 0x100), "01234567", 8);
	ck_assert_int_eq(bd.level, 1);
	vp_interrupt();

	/* No buffers: nothing taken, no interrupt. */
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"89ab", 4), 0);
	ck_assert_uint_eq(used_idx(&rxq), 2);
	ck_assert_int_eq(bd.level, 0);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_rx_spans_buffers_and_chains)
{
	linux_probe(8);
	/* A chain: a device-readable header (skipped) then 3 + 4 writable bytes. */
	memset(gp(DATA), 0x55, 4);
	set_desc(&rxq, 5, DATA, 4, DESC_F_NEXT, 6);
	set_desc(&rxq, 6, DATA + 0x10, 3, DESC_F_WRITE | DESC_F_NEXT, 0);
	set_desc(&rxq, 0, DATA + 0x20, 4, DESC_F_WRITE, 0);
	memset(gp(DATA + 0x10), 0xee, 0x20);
	post(&rxq, 5);
	post_rx(1, 0x40, 4);
	post_rx(2, 0x80, 4);

	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"abcdefghij", 10), 10);
	ck_assert_uint_eq(gp(DATA)[0], 0x55);
	ck_assert_mem_eq(gp(DATA + 0x10), "abc", 3);
	ck_assert_mem_eq(gp(DATA + 0x20), "defg", 4);
	ck_assert_mem_eq(gp(DATA + 0x40), "hij", 3);
	ck_assert_uint_eq(gp(DATA + 0x43)[0], 0xee);
	ck_assert_uint_eq(used_idx(&rxq), 2);
	check_used(&rxq, 0, 5, 7);
	check_used(&rxq, 1, 1, 3);
	/* The third buffer is still available. */
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"k", 1), 1);
	check_used(&rxq, 2, 2, 1);
	ck_assert_uint_eq(bd.rises, 1);   /* the line stayed up: never acknowledged */
}
END_TEST

START_TEST(test_rx_buffer_without_writable_space)
{
	linux_probe(8);
	/* A device-readable-only buffer holds no input: returned empty. */
	set_desc(&rxq, 3, DATA, 16, 0, 0);
	post(&rxq, 3);
	post_rx(4, 0x20, 16);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"ab", 2), 2);
	ck_assert_uint_eq(used_idx(&rxq), 2);
	check_used(&rxq, 0, 3, 0);
	check_used(&rxq, 1, 4, 2);
	ck_assert_mem_eq(gp(DATA + 0x20), "ab", 2);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_rx_refused_when_not_running)
{
	const uint8_t in[] = "x";

	/* Before any setup, with the queue set up but no DRIVER_OK, and with bad arguments. */
	ck_assert_uint_eq(vcon_receive(&dev, in, 1), 0);
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&rxq, VCON_RXQ, 8, RXQ_BASE);
	setup_vq(&rxq);
	post_rx(0, 0, 8);
	notify(&rxq);
	ck_assert_uint_eq(bd.rx_ready_calls, 0);
	ck_assert_uint_eq(vcon_receive(&dev, in, 1), 0);
	ck_assert_uint_eq(used_idx(&rxq), 0);
	/* DRIVER_OK with the receiveq enabled tells the host at once. */
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(bd.rx_ready_calls, 1);
	ck_assert_uint_eq(vcon_receive(&dev, NULL, 1), 0);
	ck_assert_uint_eq(vcon_receive(&dev, in, 0), 0);
	ck_assert_uint_eq(used_idx(&rxq), 0);
	ck_assert_uint_eq(vcon_receive(&dev, in, 1), 1);
	/* After a reset: refused again. */
	reset();
	post_rx(1, 0x10, 8);
	ck_assert_uint_eq(vcon_receive(&dev, in, 1), 0);
	ck_assert_uint_eq(used_idx(&rxq), 1);
}
END_TEST

START_TEST(test_rx_ready_hook_pushes_held_input)
{
	static const uint8_t input[] = "typed ahead";

	linux_probe(8);
	bd.pending = input;
	bd.npending = 11;
	/* Linux's fill_queue posts buffers and kicks: the hook delivers. */
	post_rx(0, 0, 4);
	notify(&rxq);
	ck_assert_uint_eq(bd.npending, 7);
	ck_assert_mem_eq(gp(DATA), "type", 4);
	post_rx(1, 0x10, 64);
	notify(&rxq);
	ck_assert_uint_eq(bd.npending, 0);
	ck_assert_mem_eq(gp(DATA + 0x10), "d ahead", 7);
	check_used(&rxq, 1, 1, 7);
	ck_assert_uint_eq(bd.rx_ready_calls, 3);   /* DRIVER_OK and two kicks */
}
END_TEST

/* ------------------------------------------------------------ interrupts */

START_TEST(test_interrupt_bits_and_line_level)
{
	linux_probe(8);
	send_one(0, 0, "a");
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE);
	/* A second completion while pending: still one level, one rise. */
	send_one(1, 1, "b");
	ck_assert_uint_eq(bd.rises, 1);
	/* Add a config change (a broken chain): both causes, one rise. */
	set_desc(&txq, 2, DATA, 1, DESC_F_NEXT, 99);
	post(&txq, 2);
	notify(&txq);
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_eq(bd.rises, 1);
	/* Reading the ISR acknowledges both and lowers the line. */
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG);
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_uint_eq(vp_interrupt(), 0);
}
END_TEST

START_TEST(test_interrupt_suppressed_by_avail_flag)
{
	linux_probe(8);
	/* virtqueue_disable_cb without the event index: VRING_AVAIL_F_NO_INTERRUPT. */
	put16(gp(txq.avail), AVAIL_F_NO_INTERRUPT);
	send_one(0, 0, "quiet");
	ck_assert_uint_eq(used_idx(&txq), 1);
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_int_eq(bd.level, 0);
	put16(gp(txq.avail), 0);
	send_one(1, 8, "loud");
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_int_eq(bd.level, 1);
}
END_TEST

/*
 * What Linux 6.1 negotiates: the event index and indirect descriptors.
 * The driver takes used buffers as virtqueue_get_buf does (used_event =
 * its last used index: interrupt for the next one), and kicks when
 * avail_event says so (vring_need_event).
 */
static unsigned get_bufs(struct gq *q)
{
	unsigned n = 0;

	while (q->last_used != used_idx(q)) {
		q->last_used++;
		n++;
	}
	put16(gp(q->avail + 4 + 2ull * q->num), q->last_used);
	return n;
}

static bool kick_needed(const struct gq *q, uint16_t old)
{
	uint16_t event = rd16(q->used + 4 + 8ull * q->num);

	return (uint16_t)(q->avail_idx - event - 1) < (uint16_t)(q->avail_idx - old);
}

START_TEST(test_linux_event_index_and_indirect)
{
	features = F_LINUX;
	linux_probe(8);
	ck_assert(dev.vp.q[VCON_TXQ].event_idx && dev.vp.q[VCON_TXQ].indirect);
	/* A send through an indirect table of two pieces. */
	memcpy(gp(DATA), "in", 2);
	memcpy(gp(DATA + 0x10), "direct", 6);
	set_desc(&txq, 0, TABLE, 32, DESC_F_INDIRECT, 0);
	set_desc(&txq, 1, 0, 0, 0, 0);
	uint8_t *t = gp(TABLE);
	put64(t, DATA);
	put32(t + 8, 2);
	put16(t + 12, DESC_F_NEXT);
	put16(t + 14, 1);
	put64(t + 16, DATA + 0x10);
	put32(t + 24, 6);
	put16(t + 28, 0);
	uint16_t old = txq.avail_idx;
	post(&txq, 0);
	ck_assert(kick_needed(&txq, old));
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 8);
	ck_assert_mem_eq(bd.out, "indirect", 8);
	check_used(&txq, 0, 0, 0);
	/* used_event 0 (the ring as the driver zeroed it): used 0 -> 1 interrupts. */
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_uint_eq(get_bufs(&txq), 1);
	/* The device asked for a kick at the next entry, so the next send kicks. */
	ck_assert_uint_eq(rd16(txq.used + 4 + 8 * 8), 1);
	old = txq.avail_idx;
	memcpy(gp(DATA + 0x20), "!", 1);
	set_desc(&txq, 2, DATA + 0x20, 1, 0, 0);
	post(&txq, 2);
	ck_assert(kick_needed(&txq, old));
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 9);
	ck_assert_uint_eq(vp_interrupt(), VIRTIO_PCI_ISR_QUEUE);
	/* The driver does not take it (callbacks off: used_event stays 1):
	 * the next completion, 2 -> 3, does not interrupt. */
	set_desc(&txq, 3, DATA + 0x20, 1, 0, 0);
	post(&txq, 3);
	notify(&txq);
	ck_assert_uint_eq(used_idx(&txq), 3);
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_int_eq(bd.level, 0);
	/* Taking them re-arms it. */
	ck_assert_uint_eq(get_bufs(&txq), 2);
	send_one(4, 0x30, "?");
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE);
	/* Input the same way. */
	vp_interrupt();
	post_rx(0, 0x100, 8);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"ls\r", 3), 3);
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_uint_eq(get_bufs(&rxq), 1);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(bd.logs, 0);
}
END_TEST

/* ------------------------------------------------------------ reset */

START_TEST(test_reset_restores_initial_state)
{
	linux_probe(8);
	post_rx(0, 0, 8);
	send_one(0, 0x100, "abc");
	ck_assert_int_eq(bd.level, 1);
	wr(VIRTIO_PCI_QSELECT, 2, 1);
	wr(VIRTIO_PCI_DFSELECT, 4, 1);

	reset();
	ck_assert_uint_eq(get_status(), 0);
	ck_assert_uint_eq(isr_peek(), 0);
	ck_assert_int_eq(bd.level, 0);
	/* Selectors back to 0, no features, queues as at power-on. */
	ck_assert_uint_eq(rd(VIRTIO_PCI_DFSELECT, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QSELECT, 2), 0);
	ck_assert_uint_eq(dev.vp.driver_features, 0);
	for (unsigned q = 0; q < 2; q++) {
		wr(VIRTIO_PCI_QSELECT, 2, q);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 0);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QSIZE, 2), 256);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8) | rd(VIRTIO_PCI_QDRIVER, 8) | rd(VIRTIO_PCI_QDEVICE, 8), 0);
	}
	/* Queues are dead: nothing is consumed. */
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"z", 1), 0);
	send_one(1, 0x200, "x");
	ck_assert_uint_eq(bd.nout, 3);
	/* And the device probes again from scratch, indices from 0. */
	linux_probe(8);
	send_one(0, 0x300, "again");
	ck_assert_uint_eq(used_idx(&txq), 1);
	ck_assert_mem_eq(bd.out + 3, "again", 5);
}
END_TEST

START_TEST(test_reset_clears_needs_reset)
{
	linux_probe(8);
	set_desc(&txq, 0, DATA, 1, DESC_F_NEXT, 0);
	post(&txq, 0);
	notify(&txq);
	check_broken();
	reset();
	ck_assert(!needs_reset());
	ck_assert_int_eq(bd.level, 0);
	linux_probe(8);
	send_one(1, 0, "ok");
	ck_assert_mem_eq(bd.out, "ok", 2);
}
END_TEST

/* ------------------------------------------------------------ malformed queues */

START_TEST(test_bad_head_index)
{
	linux_probe(8);
	memcpy(gp(DATA), "no", 2);
	set_desc(&txq, 0, DATA, 2, 0, 0);
	post(&txq, 8);   /* one past the table */
	post(&txq, 0);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(used_idx(&txq), 0);
	/* Stopped: later notifies and input do nothing. */
	notify(&txq);
	post_rx(0, 0x100, 8);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"in", 2), 0);
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(used_idx(&rxq), 0);
	ck_assert_uint_eq(bd.logs, 1);
}
END_TEST

START_TEST(test_bad_next_index)
{
	linux_probe(8);
	set_desc(&txq, 0, DATA, 2, DESC_F_NEXT, 0xffff);
	post(&txq, 0);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);
}
END_TEST

START_TEST(test_descriptor_cycles)
{
	/* Self-loop, two-cycle, and a cycle after a long tail (tx and rx). */
	linux_probe(8);
	set_desc(&txq, 4, DATA, 1, DESC_F_NEXT, 4);
	post(&txq, 4);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);

	linux_probe(8);
	set_desc(&txq, 0, DATA, 1, DESC_F_NEXT, 1);
	set_desc(&txq, 1, DATA, 1, DESC_F_NEXT, 0);
	post(&txq, 0);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);

	linux_probe(256);
	for (uint16_t i = 0; i < 255; i++)
		set_desc(&rxq, i, DATA, 1, DESC_F_WRITE | DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(&rxq, 255, DATA, 1, DESC_F_WRITE | DESC_F_NEXT, 128);
	post(&rxq, 0);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"x", 1), 0);
	check_broken();
	ck_assert_uint_eq(used_idx(&rxq), 0);

	/* The longest legal chain (all 256) still works. */
	linux_probe(256);
	for (uint16_t i = 0; i < 256; i++) {
		gp(DATA)[i] = (uint8_t)i;
		set_desc(&txq, i, DATA + i, 1, i < 255 ? DESC_F_NEXT : 0, (uint16_t)(i + 1));
	}
	post(&txq, 0);
	notify(&txq);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(bd.nout, 256);
	ck_assert_mem_eq(bd.out, gp(DATA), 256);
}
END_TEST

START_TEST(test_buffers_beyond_ram)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RAM_BASE + RAM_SIZE - 4, 5 },   /* runs off the end */
		{ RAM_BASE + RAM_SIZE, 1 },       /* just past the end */
		{ RAM_BASE - 1, 2 },              /* starts below */
		{ 0, 16 },                        /* not RAM at all */
		{ ~0ull - 3, 8 },                 /* wraps past 2^64 */
		{ DATA, 0xffffffff },             /* 4 GiB from a RAM address */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		linux_probe(8);
		bd.nout = 0;
		set_desc(&txq, 0, bad[i].addr, bad[i].len, 0, 0);
		post(&txq, 0);
		notify(&txq);
		check_broken();
		ck_assert_uint_eq(used_idx(&txq), 0);
		ck_assert_uint_eq(bd.nout, 0);   /* refused before anything was sent */
		/* Input into such a buffer fails the same way, however little
		 * input there is: the whole buffer must be RAM. */
		linux_probe(8);
		set_desc(&rxq, 0, bad[i].addr, bad[i].len, DESC_F_WRITE, 0);
		post(&rxq, 0);
		ck_assert_uint_eq(vcon_receive(&dev, gp(DATA), 1), 0);
		check_broken();
		ck_assert_uint_eq(used_idx(&rxq), 0);
	}
	/* A zero-length descriptor anywhere is harmless: nothing is accessed. */
	linux_probe(8);
	set_desc(&txq, 0, 0, 0, 0, 0);
	post(&txq, 0);
	notify(&txq);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(used_idx(&txq), 1);
}
END_TEST

START_TEST(test_nothing_of_a_bad_chain_is_sent)
{
	/* A good first buffer, then one beyond RAM, in one chain. */
	linux_probe(8);
	memcpy(gp(DATA), "secret", 6);
	set_desc(&txq, 0, DATA, 6, DESC_F_NEXT, 1);
	set_desc(&txq, 1, RAM_BASE + RAM_SIZE - 2, 4, 0, 0);
	post(&txq, 0);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_uint_eq(bd.tx_calls, 0);
}
END_TEST

START_TEST(test_rx_good_buffers_kept_before_bad_one)
{
	linux_probe(8);
	post_rx(0, 0, 4);
	set_desc(&rxq, 1, RAM_BASE + RAM_SIZE - 2, 4, DESC_F_WRITE, 0);
	post(&rxq, 1);
	/* The first buffer is delivered and counted; the second breaks the device. */
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"abcdefgh", 8), 4);
	ck_assert_mem_eq(gp(DATA), "abcd", 4);
	ck_assert_uint_eq(used_idx(&rxq), 1);
	check_used(&rxq, 0, 0, 4);
	check_broken();
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG);
}
END_TEST

START_TEST(test_indirect_and_flag_order)
{
	/* INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated. */
	linux_probe(8);
	set_desc(&txq, 0, TABLE, 16, DESC_F_INDIRECT, 0);
	post(&txq, 0);
	notify(&txq);
	check_broken();

	/* Negotiated, but nested. */
	features = F_LINUX;
	linux_probe(8);
	set_desc(&txq, 0, TABLE, 16, DESC_F_INDIRECT, 0);
	put64(gp(TABLE), TABLE + 0x100);
	put32(gp(TABLE + 8), 16);
	put16(gp(TABLE + 12), DESC_F_INDIRECT);
	post(&txq, 0);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);

	/* Device-readable after device-writable is illegal (2.6.4.2). */
	linux_probe(8);
	set_desc(&rxq, 0, DATA, 4, DESC_F_WRITE | DESC_F_NEXT, 1);
	set_desc(&rxq, 1, DATA + 4, 4, 0, 0);
	post(&rxq, 0);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"abcdefgh", 8), 0);
	check_broken();
}
END_TEST

START_TEST(test_avail_index_runs_ahead)
{
	linux_probe(8);
	for (uint16_t i = 0; i < 8; i++)
		set_desc(&txq, i, DATA, 1, 0, 0);
	/* The driver claims 9 new buffers in a ring of 8. */
	put16(gp(txq.avail + 2), 9);
	notify(&txq);
	check_broken();
	ck_assert_uint_eq(bd.nout, 0);

	/* Exactly 8 is fine; an index running backwards is also 'ahead'. */
	linux_probe(8);
	for (uint16_t i = 0; i < 8; i++) {
		set_desc(&txq, i, DATA + i, 1, 0, 0);
		post(&txq, i);
	}
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 8);
	ck_assert(!needs_reset());
	put16(gp(txq.avail + 2), 7);
	notify(&txq);
	check_broken();
}
END_TEST

START_TEST(test_rings_outside_ram)
{
	/* The descriptor table is not RAM. */
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&txq, VCON_TXQ, 8, TXQ_BASE);
	txq.desc = RAM_BASE + RAM_SIZE;
	setup_vq(&txq);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	post(&txq, 0);
	notify(&txq);
	check_broken();

	/* The used ring's last element runs off the end of RAM. */
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&txq, VCON_TXQ, 8, TXQ_BASE);
	txq.used = RAM_BASE + RAM_SIZE - 4 - 8 * 7 - 4;
	setup_vq(&txq);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	for (uint16_t i = 0; i < 8; i++) {
		set_desc(&txq, i, DATA + i, 1, 0, 0);
		post(&txq, i);
		notify(&txq);
		ck_assert_uint_eq(needs_reset(), i == 7);
	}
	ck_assert_uint_eq(bd.nout, 8);

	/* The avail ring is not RAM. */
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&rxq, VCON_RXQ, 8, RXQ_BASE);
	rxq.avail = 0x1000;
	setup_vq(&rxq);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(vcon_receive(&dev, (const uint8_t *)"a", 1), 0);
	check_broken();

	/* No RAM wired at all: DRIVER_OK's look at the transmitq already fails. */
	init_dev(NULL, &(struct vcon_host){ board_tx, board_rx_ready, &bd });
	bd.nout = 0;
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&txq, VCON_TXQ, 8, TXQ_BASE);
	setup_vq(&txq);
	ck_assert(!needs_reset());
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(get_status(), STATUS_ALL_OK | VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(isr_peek(), VIRTIO_PCI_ISR_CONFIG);
	send_one(0, 0, "x");
	ck_assert_uint_eq(used_idx(&txq), 0);
	ck_assert_uint_eq(bd.nout, 0);
}
END_TEST

START_TEST(test_bad_queue_layout_refused)
{
	static const struct {
		uint16_t num;
		uint64_t desc, avail, used;
	} bad[] = {
		{ 0, RXQ_BASE, RXQ_BASE + 0x1000, RXQ_BASE + 0x2000 },      /* size 0 */
		{ 3, RXQ_BASE, RXQ_BASE + 0x1000, RXQ_BASE + 0x2000 },      /* not a power of 2 */
		{ 512, RXQ_BASE, RXQ_BASE + 0x1000, RXQ_BASE + 0x2000 },    /* above the queue's maximum */
		{ 8, RXQ_BASE + 8, RXQ_BASE + 0x1000, RXQ_BASE + 0x2000 },  /* desc not 16-aligned */
		{ 8, RXQ_BASE, RXQ_BASE + 0x1001, RXQ_BASE + 0x2000 },      /* avail not 2-aligned */
		{ 8, RXQ_BASE, RXQ_BASE + 0x1000, RXQ_BASE + 0x2002 },      /* used not 4-aligned */
		{ 8, ~0ull - 15, RXQ_BASE + 0x1000, RXQ_BASE + 0x2000 },    /* desc wraps 2^64 */
		{ 8, RXQ_BASE, ~0ull - 1, RXQ_BASE + 0x2000 },              /* avail wraps */
		{ 8, RXQ_BASE, RXQ_BASE + 0x1000, ~0ull - 3 },              /* used wraps */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(negotiate(F_VERSION_1));
		wr(VIRTIO_PCI_QSELECT, 2, VCON_RXQ);
		wr(VIRTIO_PCI_QSIZE, 2, bad[i].num);
		wr(VIRTIO_PCI_QDESC, 8, bad[i].desc);
		wr(VIRTIO_PCI_QDRIVER, 8, bad[i].avail);
		wr(VIRTIO_PCI_QDEVICE, 8, bad[i].used);
		wr(VIRTIO_PCI_QENABLE, 2, 1);
		ck_assert_msg(rd(VIRTIO_PCI_QENABLE, 2) == 0, "layout %u accepted", i);
		ck_assert(needs_reset());
		/* No driver yet: no interrupt until DRIVER_OK. */
		ck_assert_int_eq(bd.level, 0);
		set_status(VIRTIO_STATUS_DRIVER_OK);
		check_broken();
		vp_interrupt();
	}
}
END_TEST

START_TEST(test_layout_fixed_while_enabled)
{
	linux_probe(8);
	wr(VIRTIO_PCI_QSELECT, 2, VCON_TXQ);
	wr(VIRTIO_PCI_QSIZE, 2, 16);
	wr(VIRTIO_PCI_QDESC, 8, 0);
	wr(VIRTIO_PCI_QDEVICE, 8, RAM_BASE + 0x7000);
	wr(VIRTIO_PCI_QENABLE, 2, 0);
	send_one(0, 0, "same");
	ck_assert_mem_eq(bd.out, "same", 4);
	ck_assert_uint_eq(used_idx(&txq), 1);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(test_notify_unready_or_unknown_queue)
{
	ck_assert(negotiate(F_VERSION_1));
	gq_place(&txq, VCON_TXQ, 8, TXQ_BASE);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	/* The transmitq is not enabled: a notify is ignored without error. */
	memcpy(gp(DATA), "z", 1);
	set_desc(&txq, 0, DATA, 1, 0, 0);
	post(&txq, 0);
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert(!needs_reset());
	/* Unknown queues. */
	setup_vq(&txq);
	wr(VIRTIO_PCI_NOTIFY + 2 * VIRTIO_PCI_NOTIFY_MULT, 2, 2);
	wr(VIRTIO_PCI_NOTIFY + 0x100, 2, 1);
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert(!needs_reset());
	ck_assert_uint_eq(isr_peek(), 0);
	notify(&txq);
	ck_assert_uint_eq(bd.nout, 1);
}
END_TEST

/* ------------------------------------------------------------ random */

/* A plausible-looking descriptor: mostly in RAM, sometimes anything. */
static void random_desc(const struct gq *q, unsigned i)
{
	uint64_t addr = rnd() % 8 ? RAM_BASE + rnd() % (RAM_SIZE + 64) : rnd();
	uint32_t len = rnd() % 4 ? (uint32_t)(rnd() % 300) : (uint32_t)rnd();
	uint16_t flags = rnd() % 8 ? (uint16_t)(rnd() % 8) : (uint16_t)rnd();
	uint16_t next = (uint16_t)(rnd() % 8 ? rnd() % (q->num + 2) : rnd());

	if ((flags & DESC_F_INDIRECT) && rnd() % 2) {
		addr = TABLE + 16 * (rnd() % 64);
		len = 16 * (uint32_t)(rnd() % 8);
	}
	set_desc(q, i % q->num, addr, len, flags, next);
}

static const unsigned reg_offsets[] = {
	VIRTIO_PCI_DFSELECT, VIRTIO_PCI_DF, VIRTIO_PCI_GFSELECT, VIRTIO_PCI_GF, VIRTIO_PCI_MSIX,
	VIRTIO_PCI_NUMQ, VIRTIO_PCI_STATUS, VIRTIO_PCI_CFGGEN, VIRTIO_PCI_QSELECT, VIRTIO_PCI_QSIZE,
	VIRTIO_PCI_QMSIX, VIRTIO_PCI_QENABLE, VIRTIO_PCI_QNOFF, VIRTIO_PCI_QDESC, VIRTIO_PCI_QDESC + 4,
	VIRTIO_PCI_QDRIVER, VIRTIO_PCI_QDRIVER + 4, VIRTIO_PCI_QDEVICE, VIRTIO_PCI_QDEVICE + 4,
	VIRTIO_PCI_ISR, VIRTIO_PCI_DEVICE_CFG, VIRTIO_PCI_DEVICE_CFG + 4, VIRTIO_PCI_DEVICE_CFG + 8,
	VIRTIO_PCI_NOTIFY, VIRTIO_PCI_NOTIFY + 4,
};

static uint64_t random_value(unsigned offset)
{
	static const uint64_t vals[] = { 0, 1, 2, 3, 4, 8, 15, 16, 256, 0x40000000, 0x40003000,
					 0x40008000, 0xffffffff };

	if (offset == VIRTIO_PCI_QSIZE && rnd() % 2)
		return 1u << (rnd() % 10);
	if (offset == VIRTIO_PCI_STATUS && rnd() % 2)
		return get_status() | 1u << (rnd() % 8);
	return interesting(rnd(), vals, sizeof(vals) / sizeof(vals[0]), 4, 64);
}

static void check_invariants(void)
{
	uint8_t is = isr_peek(), st = get_status();

	EXPECT((is & ~3u) == 0);
	EXPECT(bd.level == (is != 0));
	/* FEATURES_OK only ever holds an acceptable set. */
	if (st & VIRTIO_STATUS_FEATURES_OK)
		EXPECT(!(dev.vp.driver_features & ~F_LINUX) && (dev.vp.driver_features & F_VERSION_1) &&
		       !dev.vp.driver_features_extra);
	for (unsigned q = 0; q < 2; q++) {
		const struct virtq *vq = &dev.vp.q[q];
		if (vq->ready)
			EXPECT(vq->size && vq->size <= 256 && !(vq->size & (vq->size - 1)));
	}
	EXPECT(bd.tx_max_piece <= VCON_TX_CHUNK);
	EXPECT(!dev.vp.busy);
}

START_TEST(test_random_registers_and_memory)
{
	static const unsigned sizes[] = { 4, 4, 2, 2, 1, 8, 3, 0 };
	uint8_t in[300];
	unsigned probes = 0, resets_seen = 0;
	uint16_t max_used = 0;

	rnd_seed(0x76697274);
	features = F_LINUX;
	linux_probe(8);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 4 ? reg_offsets[rnd() % (sizeof(reg_offsets) / sizeof(reg_offsets[0]))]
					    : (unsigned)(rnd() % 0x4000);
		unsigned size = sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))];
		unsigned action = (unsigned)(rnd() % 16);
		struct gq *q = rnd() % 2 ? &rxq : &txq;

		if (action < 6) {
			virtio_pci_write(&dev.vp, offset, size, random_value(offset), (vdev_time_t)i);
		} else if (action < 8) {
			virtio_pci_read(&dev.vp, offset, size, (vdev_time_t)i);
		} else if (action < 10) {
			/* The driver (mostly sane, sometimes not) posts and kicks. */
			random_desc(q, (unsigned)rnd());
			if (rnd() % 8)
				post(q, (uint16_t)(rnd() % (q->num + 1)));
			else
				put16(gp(q->avail + 2), (uint16_t)rnd());
			if (rnd() % 4)
				put16(gp(q->avail), (uint16_t)(rnd() % 2));
			if (rnd() % 2)
				put16(gp(q->avail + 4 + 2ull * q->num), (uint16_t)rnd());
			notify(q);
		} else if (action < 11) {
			size_t n = rnd() % sizeof(in);

			for (size_t j = 0; j < n; j++)
				in[j] = (uint8_t)rnd();
			EXPECT(vcon_receive(&dev, in, n) <= n);
		} else if (action < 13) {
			/* Scribble over the rings, tables and buffers. */
			for (int j = 0; j < 8; j++)
				gp(RAM_BASE + rnd() % RAM_SIZE)[0] = (uint8_t)rnd();
		} else if (action < 14) {
			vp_interrupt();
		} else if (rnd() % 16 == 0) {
			/* Start over as Linux would: a valid probe of random queue sizes. */
			if (needs_reset())
				resets_seen++;
			uint16_t num = (uint16_t)(1u << (rnd() % 9));
			features = rnd() % 2 ? F_LINUX : F_VERSION_1;
			linux_probe(num);
			probes++;
			for (unsigned j = 0; j < num; j++) {
				random_desc(&rxq, j);
				random_desc(&txq, j);
			}
		}
		if (used_idx(&txq) > max_used)
			max_used = used_idx(&txq);
		if (i % 16 == 0)
			check_invariants();
	}
	/* The run reached the interesting states. */
	EXPECT(probes > 100);
	EXPECT(resets_seen > 10);
	EXPECT(bd.nout > 0);
	EXPECT(bd.rises > 0);
	EXPECT(max_used > 0);
	EXPECT(bd.ram_refusals > 0);
}
END_TEST

Suite *virtio_console_suite(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("virtio-pci");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity_and_offer);
	tcase_add_test(tc, test_config_space);
	tcase_add_test(tc, test_linux_probe_sequence);
	tcase_add_test(tc, test_failed_stops_the_queues);
	tcase_add_test(tc, test_tx_one_buffer);
	tcase_add_test(tc, test_tx_several_and_chained);
	tcase_add_test(tc, test_tx_ring_wraps);
	tcase_add_test(tc, test_tx_writable_tail_is_ignored);
	tcase_add_test(tc, test_tx_before_driver_ok_waits);
	tcase_add_test(tc, test_callbacks_cannot_reenter);
	tcase_add_test(tc, test_tx_without_host_callback);
	tcase_add_test(tc, test_rx_partial_fill_then_next_buffer);
	tcase_add_test(tc, test_rx_spans_buffers_and_chains);
	tcase_add_test(tc, test_rx_buffer_without_writable_space);
	tcase_add_test(tc, test_rx_refused_when_not_running);
	tcase_add_test(tc, test_rx_ready_hook_pushes_held_input);
	tcase_add_test(tc, test_interrupt_bits_and_line_level);
	tcase_add_test(tc, test_interrupt_suppressed_by_avail_flag);
	tcase_add_test(tc, test_linux_event_index_and_indirect);
	tcase_add_test(tc, test_reset_restores_initial_state);
	tcase_add_test(tc, test_reset_clears_needs_reset);
	tcase_add_test(tc, test_bad_head_index);
	tcase_add_test(tc, test_bad_next_index);
	tcase_add_test(tc, test_descriptor_cycles);
	tcase_add_test(tc, test_buffers_beyond_ram);
	tcase_add_test(tc, test_nothing_of_a_bad_chain_is_sent);
	tcase_add_test(tc, test_rx_good_buffers_kept_before_bad_one);
	tcase_add_test(tc, test_indirect_and_flag_order);
	tcase_add_test(tc, test_avail_index_runs_ahead);
	tcase_add_test(tc, test_rings_outside_ram);
	tcase_add_test(tc, test_bad_queue_layout_refused);
	tcase_add_test(tc, test_layout_fixed_while_enabled);
	tcase_add_test(tc, test_notify_unready_or_unknown_queue);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, teardown, test_random_registers_and_memory);
	return s;
}
