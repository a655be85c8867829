/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/virtio_net.c on the virtio-pci transport, with the
 * switch's side a real frame ring (libl4/netring.c: the VMM's side
 * produces, the test consumes as the switch would): the identity, offer
 * and configuration Linux's virtio_net reads; frames sent in one
 * descriptor and in several, their checksum requests and the frames
 * dropped; backpressure from a full ring; frames received into merged
 * buffers and into one big buffer, with too few buffers, with partial
 * checksums passed on or completed (a real UDP/IPv4 frame); malformed
 * chains; resets between frames; the link's state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "tests/unit/vmm/vdriver.h"
#include "vmm/dev/virtio_net.h"
#include "l4inet.h"

#define IRQ 9
#define SLOT 3
#define BAR 0xfe008000ull

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x40000u
#define RXQ_BASE (RAM_BASE + 0x0000)   /* desc, avail (+0x1000), used (+0x2000) */
#define TXQ_BASE (RAM_BASE + 0x3000)
#define RXBUF (RAM_BASE + 0x8000)      /* receive buffers up to TXBUF */
#define TXBUF (RAM_BASE + 0x20000)     /* transmit buffers to the end of RAM */
#define QNUM 16

#define F_TRANSPORT ((1ull << VIRTIO_F_VERSION_1) | 1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX)
#define F_NET (1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_MTU | \
	       1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS)
#define F_ALL (F_TRANSPORT | F_NET)
#define F_NO_MRG (F_ALL & ~(1ull << VIRTIO_NET_F_MRG_RXBUF))
#define F_NO_CSUM (F_ALL & ~(1ull << VIRTIO_NET_F_GUEST_CSUM))

static const uint8_t mac[6] = { 0x02, 0x4c, 0x12, 0x34, 0x56, 0x78 };

static struct vnet dev;
static struct pci pci;
static unsigned kicks;
static struct l4_net_ring *ring;       /* the port's tx ring, in the switch's memory */
static struct l4_netring prod, cons;   /* the VMM's side, the switch's */

static uint16_t get16(uint64_t gpa)
{
	return (uint16_t)(vd_gp(gpa)[0] | vd_gp(gpa)[1] << 8);
}

/* ---- the backend: the real ring */

static struct l4_net_slot *be_reserve(void *ctx)
{
	(void)ctx;
	return l4_netring_reserve(&prod);
}

static void be_commit(void *ctx, unsigned len, const struct l4_net_meta *meta)
{
	(void)ctx;
	ck_assert(len >= L4_NET_FRAME_MIN && len <= L4_NET_FRAME_MAX);
	l4_netring_commit(&prod, len, meta);
}

static void be_kick(void *ctx)
{
	(void)ctx;
	kicks++;
}

static void init_dev(bool kick)
{
	struct virtio_pci_config wiring = vd_wiring(SLOT, BAR);
	struct vnet_backend be = { .tx_reserve = be_reserve, .tx_commit = be_commit, .kick = kick ? be_kick : NULL };

	memcpy(be.mac, mac, sizeof(mac));
	pci_init(&pci);
	ck_assert(vnet_init(&dev, &pci, &wiring, &be));
}

static void setup(void)
{
	vd_board_init(RAM_BASE, RAM_SIZE, IRQ, "network");
	kicks = 0;
	ring = (struct l4_net_ring *)alloc_exact(sizeof(*ring));
	l4_netring_reset(&prod, ring);
	l4_netring_init(&cons, ring);
	init_dev(false);
	vd_use(&dev.vp);
}

static void teardown(void)
{
	vd_board_free();
	free(ring);
	ring = NULL;
}

/* ---- the driver (vdriver.h) */

static struct vd_queue vq[VNET_QUEUES];

static uint64_t qbase(unsigned q)
{
	return q == VNET_RXQ ? RXQ_BASE : TXQ_BASE;
}

/* virtio_net's probe with the features want (all offered): both queues, DRIVER_OK. */
static void linux_probe(uint64_t want)
{
	ck_assert(vd_negotiate(want));
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_NUMQ, 2), VNET_QUEUES);
	for (unsigned q = 0; q < VNET_QUEUES; q++) {
		vd_wr(VIRTIO_PCI_QSELECT, 2, q);
		ck_assert_uint_eq(vd_rd(VIRTIO_PCI_QSIZE, 2), VNET_QUEUE_MAX);
		vd_queue(&vq[q], q, qbase(q), QNUM);
	}
	vd_wr(VIRTIO_PCI_STATUS, 1, vd_status() | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}

static void expect_used(unsigned q, uint16_t head, uint32_t len)
{
	uint16_t h;
	uint32_t l;

	vd_next_used(&vq[q], &h, &l);
	ck_assert_uint_eq(h, head);
	ck_assert_uint_eq(l, len);
}

/* ---- frames */

static void fill_frame(uint8_t *f, unsigned len, unsigned seed)
{
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed * 31 + (i >> 8));
}

static void net_hdr(uint8_t *h, uint8_t flags, uint8_t gso, uint16_t csum_start, uint16_t csum_offset)
{
	memset(h, 0, VNET_HDR_LEN);
	h[VNET_HDR_FLAGS] = flags;
	h[VNET_HDR_GSO_TYPE] = gso;
	put16(h + VNET_HDR_CSUM_START, csum_start);
	put16(h + VNET_HDR_CSUM_OFFSET, csum_offset);
}

/*
 * A transmit chain at descriptors d on: the header h and the len bytes of
 * frame at gpa at (the header first), in one descriptor (parts 0) or the
 * header alone and the frame in parts descriptors. Submitted.
 */
static void send(unsigned d, uint64_t at, const uint8_t *h, const uint8_t *frame, unsigned len, unsigned parts)
{
	memcpy(vd_gp(at), h, VNET_HDR_LEN);
	memcpy(vd_gp(at + VNET_HDR_LEN), frame, len);
	if (!parts) {
		vd_desc(&vq[VNET_TXQ], d, at, VNET_HDR_LEN + len, 0, 0);
	} else {
		vd_desc(&vq[VNET_TXQ], d, at, VNET_HDR_LEN, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
		for (unsigned i = 0; i < parts; i++) {
			unsigned piece = len / parts, from = piece * i;
			if (i + 1 == parts)
				piece = len - from;
			vd_desc(&vq[VNET_TXQ], d + 1 + i, at + VNET_HDR_LEN + from, piece,
				 i + 1 < parts ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(d + 2 + i));
		}
	}
	vd_submit(&vq[VNET_TXQ], (uint16_t)d);
}

/* The switch takes the next frame: it is frame, with meta's flags. */
static void expect_frame(const uint8_t *frame, unsigned len, uint8_t flags, uint16_t start, uint16_t offset)
{
	static uint8_t got[L4_NET_FRAME_MAX];
	struct l4_net_meta meta;
	unsigned n;

	ck_assert_int_eq(l4_netring_take(&cons, got, &n, &meta), L4_NETRING_FRAME);
	ck_assert_uint_eq(n, len);
	ck_assert_mem_eq(got, frame, len);
	ck_assert_uint_eq(meta.flags, flags);
	if (flags & L4_NET_F_NEEDS_CSUM) {
		ck_assert_uint_eq(meta.csum_start, start);
		ck_assert_uint_eq(meta.csum_offset, offset);
	}
}

static void expect_no_frame(void)
{
	uint8_t got[L4_NET_FRAME_MAX];
	unsigned n;

	ck_assert_int_eq(l4_netring_take(&cons, got, &n, NULL), L4_NETRING_EMPTY);
}

/* A receive chain at descriptors d on: len bytes at gpa at, in parts
 * device-writable descriptors. Made available (and notified). */
static void post_rx(unsigned d, uint64_t at, unsigned len, unsigned parts)
{
	for (unsigned i = 0; i < parts; i++) {
		unsigned piece = len / parts;
		if (i + 1 == parts)
			piece = len - piece * i;
		vd_desc(&vq[VNET_RXQ], d + i, at + (uint64_t)(len / parts) * i, piece,
			 VIRTQ_DESC_F_WRITE | (i + 1 < parts ? VIRTQ_DESC_F_NEXT : 0), (uint16_t)(d + i + 1));
	}
	memset(vd_gp(at), 0xee, len);
	vd_submit(&vq[VNET_RXQ], (uint16_t)d);
}

/* ------------------------------------------------------------ tests */

START_TEST(test_identity_offer_and_config)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);
	const uint32_t cfg = VIRTIO_PCI_DEVICE_CFG;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(pci_config_read(f, PCI_VENDOR_ID, 2), VIRTIO_PCI_VENDOR);
	ck_assert_uint_eq(pci_config_read(f, PCI_DEVICE_ID, 2), 0x1041);
	ck_assert_uint_eq(pci_config_read(f, PCI_REVISION_ID, 4) >> 8, 0x020000);
	ck_assert_uint_eq(vd_offered(), F_ALL);
	/* Offered bits only: segmentation offload (HOST_TSO4, GUEST_TSO4) and
	 * the control queue are refused. */
	ck_assert(!vd_negotiate(F_ALL | 1ull << 11));
	ck_assert(!vd_negotiate(F_ALL | 1ull << 7));
	ck_assert(!vd_negotiate(F_ALL | 1ull << 17));
	ck_assert(vd_negotiate(F_ALL));
	/* The configuration: the MAC byte by byte (as vp_modern reads it), the
	 * status, one queue pair, the MTU. */
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_MAC + i, 1), mac[i]);
	ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_MAC, 4), get32(mac));
	ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_STATUS, 2), VIRTIO_NET_S_LINK_UP);
	ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_MAX_PAIRS, 2), 1);
	ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_MTU, 2), 1500);
	ck_assert_uint_eq(vd_rd(cfg + VNET_CFG_SIZE, 1), 0);                 /* past the end */
	/* No transmit side, no device. */
	struct virtio_pci_config wiring = { .slot = SLOT + 1, .bar_base = BAR + 0x10000, .irq_line = IRQ };
	struct vnet_backend none = { .tx_commit = be_commit };
	static struct vnet other;
	ck_assert(!vnet_init(&other, &pci, &wiring, &none));
	ck_assert(!vnet_init(&other, &pci, &wiring, NULL));
}
END_TEST

/* Frames in one descriptor and in several reach the ring whole, in order;
 * the chains are used with length 0 and one interrupt. */
START_TEST(test_tx_frames_reach_the_ring)
{
	static uint8_t f1[L4_NET_FRAME_MAX], f2[60], f3[L4_NET_FRAME_MIN];
	uint8_t h[VNET_HDR_LEN];

	linux_probe(F_ALL);
	fill_frame(f1, sizeof(f1), 1);
	fill_frame(f2, sizeof(f2), 2);
	fill_frame(f3, sizeof(f3), 3);
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	send(0, TXBUF, h, f1, sizeof(f1), 0);
	send(2, TXBUF + 0x1000, h, f2, sizeof(f2), 3);
	send(8, TXBUF + 0x2000, h, f3, sizeof(f3), 1);
	expect_frame(f1, sizeof(f1), 0, 0, 0);
	expect_frame(f2, sizeof(f2), 0, 0, 0);
	expect_frame(f3, sizeof(f3), 0, 0, 0);
	expect_no_frame();
	expect_used(VNET_TXQ, 0, 0);
	expect_used(VNET_TXQ, 2, 0);
	expect_used(VNET_TXQ, 8, 0);
	ck_assert_int_eq(vd.level, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_uint_eq(dev.stats.tx_frames, 3);
	ck_assert_uint_eq(dev.stats.tx_bytes, sizeof(f1) + sizeof(f2) + sizeof(f3));
	ck_assert_uint_eq(dev.stats.tx_dropped, 0);
	/* A partial checksum goes with its place. */
	net_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 34, 6);
	send(0, TXBUF, h, f2, sizeof(f2), 2);
	expect_frame(f2, sizeof(f2), L4_NET_F_NEEDS_CSUM, 34, 6);
	ck_assert_uint_eq(vd.logs, 0);
}
END_TEST

/* Frames the device drops: used, counted by reason, nothing sent; the
 * next good frame goes. */
START_TEST(test_tx_drops)
{
	static uint8_t f[L4_NET_FRAME_MAX + 1];
	uint8_t h[VNET_HDR_LEN];

	linux_probe(F_ALL);
	fill_frame(f, sizeof(f), 4);
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	send(0, TXBUF, h, f, L4_NET_FRAME_MIN - 1, 0);                 /* no Ethernet header */
	send(1, TXBUF + 0x1000, h, f, 0, 0);                           /* the header alone */
	send(2, TXBUF + 0x2000, h, f, L4_NET_FRAME_MAX + 1, 2);         /* longer than the MTU */
	net_hdr(h, 0, 1 /* TCPV4 */, 0, 0);
	send(5, TXBUF + 0x3000, h, f, 100, 0);
	net_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 60, 0);   /* start past the end */
	send(6, TXBUF + 0x4000, h, f, 60, 0);
	net_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 50, 9);   /* the field past the end */
	send(7, TXBUF + 0x5000, h, f, 60, 0);
	expect_no_frame();
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_TXQ]), 6);
	ck_assert_uint_eq(dev.stats.tx_dropped, 6);
	ck_assert_uint_eq(dev.stats.tx_bad_length, 3);
	ck_assert_uint_eq(dev.stats.tx_gso, 1);
	ck_assert_uint_eq(dev.stats.tx_bad_csum, 2);
	ck_assert_uint_eq(dev.stats.tx_frames, 0);
	/* The last two bytes of the frame are a checksum field that fits. */
	net_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 50, 8);
	send(8, TXBUF + 0x6000, h, f, 60, 1);
	expect_frame(f, 60, L4_NET_F_NEEDS_CSUM, 50, 8);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

/* A full ring holds frames back in the guest's queue: none dropped, they
 * go in order once the switch has taken some; max bounds a call. */
START_TEST(test_tx_backpressure)
{
	static uint8_t f[8][100], got[L4_NET_FRAME_MAX];
	uint8_t h[VNET_HDR_LEN], filler[L4_NET_FRAME_MIN] = { 0 };

	linux_probe(F_ALL);
	for (unsigned i = 0; i < L4_NET_RING_SLOTS - 3; i++)
		ck_assert_int_eq(l4_netring_put(&prod, filler, sizeof(filler), NULL), L4_NETRING_FRAME);
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	for (unsigned i = 0; i < 8; i++) {
		fill_frame(f[i], sizeof(f[i]), 10 + i);
		send(2 * i, TXBUF + 0x800ull * i, h, f[i], sizeof(f[i]), 1);
	}
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_TXQ]), 3);                      /* 3 slots were free */
	ck_assert_uint_eq(dev.stats.tx_frames, 3);
	ck_assert_uint_eq(dev.stats.tx_dropped, 0);
	ck_assert_uint_gt(dev.stats.tx_stalls, 0);
	/* The switch takes the filler and the three; room for the rest. */
	for (unsigned i = 0; i < L4_NET_RING_SLOTS - 3; i++)
		ck_assert_int_eq(l4_netring_take(&cons, got, &(unsigned){ 0 }, NULL), L4_NETRING_FRAME);
	for (unsigned i = 0; i < 3; i++) {
		expect_frame(f[i], sizeof(f[i]), 0, 0, 0);
		expect_used(VNET_TXQ, (uint16_t)(2 * i), 0);
	}
	ck_assert_uint_eq(vnet_tx(&dev, 2), 2);                         /* max: more may wait */
	ck_assert_uint_eq(vnet_tx(&dev, 100), 3);
	ck_assert_uint_eq(vnet_tx(&dev, 100), 0);
	for (unsigned i = 3; i < 8; i++) {
		expect_frame(f[i], sizeof(f[i]), 0, 0, 0);
		expect_used(VNET_TXQ, (uint16_t)(2 * i), 0);
	}
	expect_no_frame();
	ck_assert_uint_eq(dev.stats.tx_frames, 8);
	ck_assert_uint_eq(dev.stats.tx_dropped, 0);
}
END_TEST

/* With a kick, a notification of either queue only kicks: the network
 * thread's vnet_tx moves the frames. */
START_TEST(test_kick_defers_the_work)
{
	uint8_t h[VNET_HDR_LEN], f[64];

	init_dev(true);
	linux_probe(F_ALL);
	ck_assert_uint_eq(kicks, 2);                                  /* (DRIVER_OK: both queues) */
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	fill_frame(f, sizeof(f), 5);
	send(0, TXBUF, h, f, sizeof(f), 0);
	post_rx(0, RXBUF, 2048, 1);
	ck_assert_uint_eq(kicks, 4);
	expect_no_frame();
	ck_assert_uint_eq(vnet_tx(&dev, 16), 1);
	expect_frame(f, sizeof(f), 0, 0, 0);
	expect_used(VNET_TXQ, 0, 0);
}
END_TEST

/* Merged receive buffers: a frame over three chains (one of them in two
 * descriptors), num_buffers 3, the bytes in order, each chain's length. */
START_TEST(test_rx_merged_buffers)
{
	static uint8_t f[1400];

	linux_probe(F_ALL);
	post_rx(0, RXBUF, 600, 1);
	post_rx(1, RXBUF + 0x1000, 600, 2);
	post_rx(3, RXBUF + 0x2000, 600, 1);
	post_rx(4, RXBUF + 0x3000, 600, 1);
	fill_frame(f, sizeof(f), 6);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 1);
	expect_used(VNET_RXQ, 0, 600);
	expect_used(VNET_RXQ, 1, 600);
	expect_used(VNET_RXQ, 3, VNET_HDR_LEN + sizeof(f) - 1200);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 3);
	const uint8_t *h = vd_gp(RXBUF);
	ck_assert_uint_eq(h[VNET_HDR_FLAGS], 0);
	ck_assert_uint_eq(h[VNET_HDR_GSO_TYPE], VIRTIO_NET_HDR_GSO_NONE);
	ck_assert_uint_eq(get16(RXBUF + VNET_HDR_NUM_BUFFERS), 3);
	ck_assert_mem_eq(vd_gp(RXBUF + VNET_HDR_LEN), f, 600 - VNET_HDR_LEN);
	ck_assert_mem_eq(vd_gp(RXBUF + 0x1000), f + 588, 600);
	ck_assert_mem_eq(vd_gp(RXBUF + 0x2000), f + 1188, sizeof(f) - 1188);
	ck_assert_uint_eq(*vd_gp(RXBUF + 0x2000 + sizeof(f) - 1188), 0xee);  /* nothing more */
	ck_assert_int_eq(vd.level, 1);
	ck_assert_uint_eq(vd.rises, 1);
	/* A small frame: one chain, num_buffers 1. */
	ck_assert_int_eq(vnet_rx(&dev, f, 60, NULL), 1);
	expect_used(VNET_RXQ, 4, VNET_HDR_LEN + 60);
	ck_assert_uint_eq(get16(RXBUF + 0x3000 + VNET_HDR_NUM_BUFFERS), 1);
	ck_assert_mem_eq(vd_gp(RXBUF + 0x3000 + VNET_HDR_LEN), f, 60);
	ck_assert_uint_eq(dev.stats.rx_frames, 2);
	ck_assert_uint_eq(dev.stats.rx_bytes, sizeof(f) + 60);
}
END_TEST

/* Without MRG_RXBUF: one big chain per frame, num_buffers 1; a chain too
 * small drops the frame and stays for a smaller one. */
START_TEST(test_rx_one_big_buffer)
{
	static uint8_t f[L4_NET_FRAME_MAX];

	linux_probe(F_NO_MRG);
	fill_frame(f, sizeof(f), 7);
	post_rx(0, RXBUF, VNET_HDR_LEN + L4_NET_FRAME_MAX, 2);          /* (exactly enough, in two descriptors) */
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 1);
	expect_used(VNET_RXQ, 0, VNET_HDR_LEN + sizeof(f));
	ck_assert_uint_eq(get16(RXBUF + VNET_HDR_NUM_BUFFERS), 1);
	ck_assert_mem_eq(vd_gp(RXBUF + VNET_HDR_LEN), f, sizeof(f));
	post_rx(2, RXBUF + 0x1000, 200, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), -1);
	ck_assert_uint_eq(dev.stats.rx_too_big, 1);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 1);
	ck_assert_int_eq(vnet_rx(&dev, f, 100, NULL), 1);
	expect_used(VNET_RXQ, 2, VNET_HDR_LEN + 100);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

/* Too few buffers: 0, nothing consumed (the ring as it was, no interrupt);
 * once the driver posts more, the same frame goes, first buffer first. */
START_TEST(test_rx_waits_for_buffers)
{
	static uint8_t f[1000];

	linux_probe(F_ALL);
	fill_frame(f, sizeof(f), 8);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 0);
	post_rx(0, RXBUF, 512, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 0);
	ck_assert_uint_eq(dev.vp.q[VNET_RXQ].last_avail, 0);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 0);
	ck_assert_uint_eq(vd.rises, 0);
	ck_assert_uint_eq(dev.stats.rx_waits, 2);
	ck_assert_uint_eq(dev.stats.rx_dropped, 0);
	/* (The event index asks the driver to notify its next buffer.) */
	ck_assert_uint_eq(get16(RXQ_BASE + 0x2000 + 4 + 8 * QNUM), 1);
	post_rx(1, RXBUF + 0x1000, 512, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 1);
	expect_used(VNET_RXQ, 0, 512);
	expect_used(VNET_RXQ, 1, VNET_HDR_LEN + sizeof(f) - 512);
	ck_assert_mem_eq(vd_gp(RXBUF + VNET_HDR_LEN), f, 500);
	ck_assert_mem_eq(vd_gp(RXBUF + 0x1000), f + 500, 500);
	/* A frame larger than all the queue's buffers together is dropped. */
	for (unsigned i = 0; i < QNUM; i++)
		post_rx(i, RXBUF + 0x40ull * i, 0x30, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), -1);
	ck_assert_uint_eq(dev.stats.rx_too_big, 1);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 2);
	ck_assert_int_eq(vnet_rx(&dev, f, 128, NULL), 1);                /* 140 bytes: 3 chains */
	ck_assert_uint_eq(get16(RXBUF + VNET_HDR_NUM_BUFFERS), 3);
	expect_used(VNET_RXQ, 0, 0x30);
	expect_used(VNET_RXQ, 1, 0x30);
	expect_used(VNET_RXQ, 2, VNET_HDR_LEN + 128 - 0x60);
}
END_TEST

/* A UDP/IPv4 frame with a partial checksum (the pseudo-header's sum in its
 * field, as Linux leaves it): len bytes, the UDP header at 34. */
static void udp_frame(uint8_t *f, unsigned len, uint32_t *pseudo)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	unsigned udp_len = len - 34;
	uint8_t ph[12];

	fill_frame(f, len, 9);
	f[12] = 0x08, f[13] = 0x00;                            /* IPv4 */
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8), f[17] = (uint8_t)(len - 14);
	f[22] = 64, f[23] = 17;                                /* TTL, UDP */
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	uint16_t ipsum = l4_inet_fold(l4_inet_sum(f + 14, 20, 0));
	f[24] = (uint8_t)(ipsum >> 8), f[25] = (uint8_t)ipsum;
	f[34] = 0x30, f[35] = 0x39, f[36] = 0x00, f[37] = 0x35;  /* ports 12345, 53 */
	f[38] = (uint8_t)(udp_len >> 8), f[39] = (uint8_t)udp_len;
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0, ph[9] = 17, ph[10] = (uint8_t)(udp_len >> 8), ph[11] = (uint8_t)udp_len;
	*pseudo = l4_inet_sum(ph, sizeof(ph), 0);
	f[40] = (uint8_t)(*pseudo >> 8), f[41] = (uint8_t)*pseudo;
}

START_TEST(test_rx_checksums)
{
	static uint8_t f[301], copy[301];
	const struct l4_net_meta partial = { .flags = L4_NET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6 };
	const struct l4_net_meta valid = { .flags = L4_NET_F_DATA_VALID };
	uint32_t pseudo;

	udp_frame(f, sizeof(f), &pseudo);
	memcpy(copy, f, sizeof(f));
	/* GUEST_CSUM: the partial checksum goes on as it is. */
	linux_probe(F_ALL);
	post_rx(0, RXBUF, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &partial), 1);
	ck_assert_uint_eq(*vd_gp(RXBUF + VNET_HDR_FLAGS), VIRTIO_NET_HDR_F_NEEDS_CSUM);
	ck_assert_uint_eq(get16(RXBUF + VNET_HDR_CSUM_START), 34);
	ck_assert_uint_eq(get16(RXBUF + VNET_HDR_CSUM_OFFSET), 6);
	ck_assert_mem_eq(vd_gp(RXBUF + VNET_HDR_LEN), f, sizeof(f));
	/* DATA_VALID: said. */
	post_rx(1, RXBUF + 0x1000, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &valid), 1);
	ck_assert_uint_eq(*vd_gp(RXBUF + 0x1000 + VNET_HDR_FLAGS), VIRTIO_NET_HDR_F_DATA_VALID);
	/* A checksum field outside the frame: dropped. */
	post_rx(2, RXBUF + 0x2000, 2048, 1);
	const struct l4_net_meta outside = { .flags = L4_NET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 266 };
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &outside), -1);
	const struct l4_net_meta past = { .flags = L4_NET_F_NEEDS_CSUM, .csum_start = 301, .csum_offset = 0 };
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &past), -1);
	ck_assert_uint_eq(dev.stats.rx_bad_csum, 2);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 2);
	/* Without GUEST_CSUM: completed in the copy (the sender's frame stays
	 * partial), flags 0; the UDP checksum checks out with the pseudo-header. */
	linux_probe(F_NO_CSUM);
	post_rx(0, RXBUF, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &partial), 1);
	ck_assert_mem_eq(f, copy, sizeof(f));
	const uint8_t *got = vd_gp(RXBUF + VNET_HDR_LEN);
	ck_assert_uint_eq(*vd_gp(RXBUF + VNET_HDR_FLAGS), 0);
	ck_assert_uint_eq(l4_inet_sum(got + 34, sizeof(f) - 34, pseudo), 0xffff);
	ck_assert_uint_eq(l4_inet_sum(got + 14, 20, 0), 0xffff);          /* (the IP header's, untouched) */
	ck_assert_mem_eq(got, f, 40);
	ck_assert_mem_eq(got + 42, f + 42, sizeof(f) - 42);
	/* ... and DATA_VALID is not passed on. */
	post_rx(1, RXBUF + 0x1000, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), &valid), 1);
	ck_assert_uint_eq(*vd_gp(RXBUF + 0x1000 + VNET_HDR_FLAGS), 0);
}
END_TEST

/* Bad frames from the switch and a device that is not running: dropped,
 * counted, nothing consumed. */
START_TEST(test_rx_drops)
{
	static uint8_t f[L4_NET_FRAME_MAX + 1];

	ck_assert_int_eq(vnet_rx(&dev, f, 60, NULL), -1);              /* no driver */
	linux_probe(F_ALL);
	post_rx(0, RXBUF, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, L4_NET_FRAME_MIN - 1, NULL), -1);
	ck_assert_int_eq(vnet_rx(&dev, f, L4_NET_FRAME_MAX + 1, NULL), -1);
	ck_assert_int_eq(vnet_rx(&dev, NULL, 60, NULL), -1);
	ck_assert_uint_eq(dev.stats.rx_stopped, 1);
	ck_assert_uint_eq(dev.stats.rx_bad_length, 3);
	ck_assert_uint_eq(dev.stats.rx_dropped, 4);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 0);
	ck_assert_int_eq(vnet_rx(&dev, f, L4_NET_FRAME_MAX, NULL), 1);
}
END_TEST

/* Chains a frame cannot be: the device needs a reset, says so (log, config
 * interrupt), sends and receives nothing; after the reset it works. */
START_TEST(test_malformed_chains)
{
	uint8_t h[VNET_HDR_LEN], f[100];

	fill_frame(f, sizeof(f), 11);
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	memcpy(vd_gp(TXBUF), h, VNET_HDR_LEN);
	memcpy(vd_gp(TXBUF + VNET_HDR_LEN), f, sizeof(f));
	for (unsigned kind = 0; kind < 9; kind++) {
		bool tx = kind < 5;
		linux_probe(F_ALL);
		vd.rises = 0;
		switch (kind) {
		case 0: /* a buffer outside RAM */
			vd_desc(&vq[VNET_TXQ], 0, TXBUF, VNET_HDR_LEN, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&vq[VNET_TXQ], 1, RAM_BASE + RAM_SIZE - 50, 100, 0, 0);
			break;
		case 1: /* a loop */
			vd_desc(&vq[VNET_TXQ], 0, TXBUF, VNET_HDR_LEN, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&vq[VNET_TXQ], 1, TXBUF + VNET_HDR_LEN, 100, VIRTQ_DESC_F_NEXT, 0);
			break;
		case 2: /* shorter than the header */
			vd_desc(&vq[VNET_TXQ], 0, TXBUF, VNET_HDR_LEN - 1, 0, 0);
			break;
		case 3: /* a device-writable buffer in a transmit chain */
			vd_desc(&vq[VNET_TXQ], 0, TXBUF, VNET_HDR_LEN + 100, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&vq[VNET_TXQ], 1, TXBUF + 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 4: /* a next index past the queue */
			vd_desc(&vq[VNET_TXQ], 0, TXBUF, VNET_HDR_LEN, VIRTQ_DESC_F_NEXT, QNUM + 1);
			break;
		case 5: /* a device-readable buffer before the room */
			vd_desc(&vq[VNET_RXQ], 0, RXBUF + 0x1000, 16, VIRTQ_DESC_F_NEXT, 1);
			vd_desc(&vq[VNET_RXQ], 1, RXBUF, 2048, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 6: /* less room than the header */
			vd_desc(&vq[VNET_RXQ], 0, RXBUF, VNET_HDR_LEN - 1, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 7: /* a receive buffer outside RAM */
			vd_desc(&vq[VNET_RXQ], 0, 0x1000, 2048, VIRTQ_DESC_F_WRITE, 0);
			break;
		case 8: /* a good first chain, a read-only second one */
			vd_desc(&vq[VNET_RXQ], 0, RXBUF, 64, VIRTQ_DESC_F_WRITE, 0);
			vd_desc(&vq[VNET_RXQ], 2, RXBUF + 0x1000, 64, 0, 0);
			break;
		}
		memset(vd_gp(RXBUF), 0xee, 64);
		vd_submit(&vq[tx ? VNET_TXQ : VNET_RXQ], 0);
		if (kind == 8)
			vd_submit(&vq[VNET_RXQ], 2);
		if (!tx)
			ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), -1);
		ck_assert_msg(vd_status() & VIRTIO_STATUS_NEEDS_RESET, "kind %u", kind);
		ck_assert_uint_eq(vd.logs, kind + 1);
		ck_assert_uint_eq(vd.rises, 1);
		ck_assert_uint_eq(vd_rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
		ck_assert_uint_eq(vd_used_idx(&vq[VNET_TXQ]), 0);
		ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 0);
		expect_no_frame();
		/* Stopped: nothing goes either way until the reset. */
		ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), -1);
		ck_assert_uint_eq(vnet_tx(&dev, 16), 0);
	}
	linux_probe(F_ALL);
	send(0, TXBUF, h, f, sizeof(f), 1);
	expect_frame(f, sizeof(f), 0, 0, 0);
	post_rx(0, RXBUF, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 1);
}
END_TEST

/* The driver resets between frames: what waited on the old rings is gone,
 * frames meanwhile are dropped (the device does not run), the new rings
 * start clean. */
START_TEST(test_reset_between_frames)
{
	static uint8_t got[L4_NET_FRAME_MAX];
	uint8_t h[VNET_HDR_LEN], f[80], filler[L4_NET_FRAME_MIN] = { 0 };

	init_dev(true);
	linux_probe(F_ALL);
	fill_frame(f, sizeof(f), 12);
	net_hdr(h, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	for (unsigned i = 0; i < L4_NET_RING_SLOTS - 1; i++)
		ck_assert_int_eq(l4_netring_put(&prod, filler, sizeof(filler), NULL), L4_NETRING_FRAME);
	send(0, TXBUF, h, f, sizeof(f), 0);
	send(1, TXBUF + 0x1000, h, f, sizeof(f), 0);
	ck_assert_uint_eq(vnet_tx(&dev, 16), 1);                         /* one waits */
	post_rx(0, RXBUF, 2048, 1);
	post_rx(1, RXBUF + 0x1000, 2048, 1);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 1);
	vd_wr(VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_int_eq(vd.level, 0);                                   /* the reset lowers INTx */
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), -1);
	ck_assert_uint_eq(vnet_tx(&dev, 16), 0);
	ck_assert_uint_eq(dev.stats.rx_stopped, 1);
	/* New rings, the ring drained: the old chains never come back. */
	for (unsigned i = 0; i < L4_NET_RING_SLOTS; i++)
		ck_assert_int_eq(l4_netring_take(&cons, got, &(unsigned){ 0 }, NULL), L4_NETRING_FRAME);
	linux_probe(F_ALL);
	ck_assert_uint_eq(vnet_tx(&dev, 16), 0);
	ck_assert_int_eq(vnet_rx(&dev, f, sizeof(f), NULL), 0);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_RXQ]), 0);
	ck_assert_uint_eq(vd_used_idx(&vq[VNET_TXQ]), 0);
	send(3, TXBUF + 0x2000, h, f, 40, 1);
	ck_assert_uint_eq(vnet_tx(&dev, 16), 1);
	expect_frame(f, 40, 0, 0, 0);
	expect_used(VNET_TXQ, 3, 0);
	expect_no_frame();
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

/* Link down and up: the status field, a new configuration generation and
 * the configuration-change interrupt, each time it changes. */
START_TEST(test_link_state)
{
	const uint32_t st = VIRTIO_PCI_DEVICE_CFG + VNET_CFG_STATUS;

	linux_probe(F_ALL);
	uint8_t gen = (uint8_t)vd_rd(VIRTIO_PCI_CFGGEN, 1);
	vnet_set_link(&dev, false);
	ck_assert_uint_eq(vd_rd(st, 2), 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_CFGGEN, 1), (uint8_t)(gen + 1));
	ck_assert_int_eq(vd.level, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(vd.level, 0);
	vnet_set_link(&dev, false);                                      /* no change, no interrupt */
	ck_assert_int_eq(vd.level, 0);
	vnet_set_link(&dev, true);
	ck_assert_uint_eq(vd_rd(st, 2), VIRTIO_NET_S_LINK_UP);
	ck_assert_uint_eq(vd.rises, 2);
	ck_assert_uint_eq(vd_rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	/* The link's state outlives a reset; a change before DRIVER_OK raises nothing. */
	vd_wr(VIRTIO_PCI_STATUS, 1, 0);
	vnet_set_link(&dev, false);
	ck_assert_uint_eq(vd.rises, 2);
	ck_assert_uint_eq(vd_rd(st, 2), 0);
	ck_assert(!(vd_status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

Suite *virtio_net_suite(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("virtio-net");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity_offer_and_config);
	tcase_add_test(tc, test_tx_frames_reach_the_ring);
	tcase_add_test(tc, test_tx_drops);
	tcase_add_test(tc, test_tx_backpressure);
	tcase_add_test(tc, test_kick_defers_the_work);
	tcase_add_test(tc, test_rx_merged_buffers);
	tcase_add_test(tc, test_rx_one_big_buffer);
	tcase_add_test(tc, test_rx_waits_for_buffers);
	tcase_add_test(tc, test_rx_checksums);
	tcase_add_test(tc, test_rx_drops);
	tcase_add_test(tc, test_malformed_chains);
	tcase_add_test(tc, test_reset_between_frames);
	tcase_add_test(tc, test_link_state);
	suite_add_tcase(s, tc);
	return s;
}
