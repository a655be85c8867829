/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio network device (virtio 1.1 section 5.1, device type 1) on the
 * virtio-pci transport (virtio_pci.h): queue 0 the receiveq, queue 1 the
 * transmitq (no control queue, one queue pair). Its other side is a port
 * of the virtual switch (include/l4/net.h): the VMM's glue hands the
 * device a backend over libl4's frame ring (l4netring.h), and the device
 * copies guest buffers straight into the ring's slots and frames into the
 * guest's buffers, once each way.
 *
 * Features offered (besides the transport's VERSION_1 and ring features):
 * VIRTIO_NET_F_CSUM and F_GUEST_CSUM (partial checksums both ways, as the
 * switch carries them), F_MTU (1500), F_MAC, F_MRG_RXBUF, F_STATUS. No
 * segmentation offload: a frame is at most L4_NET_FRAME_MAX bytes. Every
 * buffer starts with the 12-byte struct virtio_net_hdr (VERSION_1 has
 * num_buffers whether or not MRG_RXBUF is negotiated). Configuration: mac,
 * status (VIRTIO_NET_S_LINK_UP), max_virtqueue_pairs (1), mtu.
 *
 * Transmit (vnet_tx): a chain is the header and the frame, all
 * device-readable. Each frame is checked, then copied into a slot the
 * backend gives; with none free (the switch is behind) its chain goes
 * back to the queue and the call stops: the frames wait in the guest's
 * queue (backpressure, nothing dropped) until the next call. A header
 * with VIRTIO_NET_HDR_F_NEEDS_CSUM becomes the slot's L4_NET_F_NEEDS_CSUM
 * with its csum_start and csum_offset. Dropped (used, counted in
 * tx_dropped and by reason): a frame shorter than an Ethernet header or
 * longer than L4_NET_FRAME_MAX, one with a gso_type (not offered), one
 * whose checksum field lies outside it.
 *
 * Receive (vnet_rx): a frame goes into the guest's posted buffers, the
 * header first. With MRG_RXBUF it may span several chains (num_buffers
 * says how many, and the driver sees all of them used at once); without,
 * it must fit one chain (else it is dropped and the chain stays for a
 * smaller frame; so too a frame larger than all the queue's buffers
 * together). If the posted buffers do not hold it, nothing is consumed
 * and the caller keeps the frame for after the driver's next
 * notification. Checksums: a partial one (L4_NET_F_NEEDS_CSUM)
 * goes to a driver that negotiated GUEST_CSUM as VIRTIO_NET_HDR_F_NEEDS_CSUM;
 * for another driver the device completes it in the copy (l4inet.h). A
 * frame the switch vouches for (L4_NET_F_DATA_VALID) is marked
 * VIRTIO_NET_HDR_F_DATA_VALID under GUEST_CSUM. Dropped (counted): a frame
 * of a bad length, a partial checksum whose field lies outside the frame,
 * any frame while the device is not running (no DRIVER_OK, or it needs a
 * reset).
 *
 * What is malformed (the virtqueue checks the chain itself, virtqueue.h;
 * then DEVICE_NEEDS_RESET, as every device here): a transmit chain with a
 * device-writable buffer or without a whole header, a receive chain with
 * a device-readable buffer or less room than a header. Each call does
 * bounded work: at most a queue's worth of chains.
 *
 * Notifications of either queue call the backend's kick (under the VMM's
 * lock, inside the transport's callback): the VMM's network thread then
 * calls vnet_tx, and vnet_rx with the frames it holds. Without a kick
 * (NULL, the host unit tests) a transmit notification runs vnet_tx's work
 * at once. Every call runs under the VMM's lock, as every device call; no
 * state lasts from one call to the next but the counters and the link, so
 * a driver reset between calls needs nothing of the device.
 *
 * Besides the usual headers this one takes libl4's l4netring.h (the ring's
 * slot and a frame's flags): pure C, as a device model must be.
 */
#ifndef VMM_DEV_VIRTIO_NET_H
#define VMM_DEV_VIRTIO_NET_H

#include "virtio_pci.h"
#include "l4netring.h"

#define VIRTIO_ID_NET 1u                  /* virtio 1.1 section 5: network card */
#define VNET_PCI_CLASS 0x020000u          /* network controller, Ethernet */

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM       0         /* the device takes partial checksums */
#define VIRTIO_NET_F_GUEST_CSUM 1         /* the driver takes partial checksums */
#define VIRTIO_NET_F_MTU        3         /* mtu in the configuration */
#define VIRTIO_NET_F_MAC        5         /* mac in the configuration */
#define VIRTIO_NET_F_MRG_RXBUF  15        /* a frame may span receive buffers */
#define VIRTIO_NET_F_STATUS     16        /* status in the configuration */

/* struct virtio_net_config (5.1.4), little-endian. */
#define VNET_CFG_MAC        0x00          /* u8[6] */
#define VNET_CFG_STATUS     0x06          /* le16 */
#define VNET_CFG_MAX_PAIRS  0x08          /* le16 max_virtqueue_pairs */
#define VNET_CFG_MTU        0x0a          /* le16 */
#define VNET_CFG_SIZE       0x0c
#define VIRTIO_NET_S_LINK_UP 1u
#define VNET_MTU 1500u                    /* L4_NET_FRAME_MAX less the Ethernet header */

/* struct virtio_net_hdr (5.1.6), little-endian. */
#define VNET_HDR_FLAGS       0            /* u8 */
#define VNET_HDR_GSO_TYPE    1            /* u8 */
#define VNET_HDR_CSUM_START  6            /* le16 (after le16 hdr_len, le16 gso_size) */
#define VNET_HDR_CSUM_OFFSET 8            /* le16 */
#define VNET_HDR_NUM_BUFFERS 10           /* le16 */
#define VNET_HDR_LEN         12
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_GSO_NONE     0u

#define VNET_QUEUE_MAX 256                /* each queue's size */
enum { VNET_RXQ = 0, VNET_TXQ = 1, VNET_QUEUES = 2 };

struct vnet_backend {
	uint8_t mac[6];
	/* Toward the switch: a free slot, or NULL (the ring is full), then
	 * commit it with the frame's length (L4_NET_FRAME_MIN..MAX) and flags.
	 * A slot reserved and not committed is not used (the next reserve may
	 * give it again), as l4_netring_reserve does. */
	struct l4_net_slot *(*tx_reserve)(void *ctx);
	void (*tx_commit)(void *ctx, unsigned len, const struct l4_net_meta *meta);
	/* The guest notified a queue (under the VMM's lock, inside the
	 * device's callback): wake the network thread. NULL: vnet does the
	 * transmit work at once (tests). */
	void (*kick)(void *ctx);
	void *ctx;
};

/* The counters: every frame either way, and each reason for a drop. */
struct vnet_stats {
	unsigned long long tx_frames, tx_bytes, tx_dropped;
	unsigned long long tx_bad_length;  /* shorter than an Ethernet header, longer than L4_NET_FRAME_MAX */
	unsigned long long tx_gso;         /* a segmentation offload the device did not offer */
	unsigned long long tx_bad_csum;    /* NEEDS_CSUM with its field outside the frame */
	unsigned long long tx_stalls;      /* calls that found the backend full (frames wait, none dropped) */
	unsigned long long rx_frames, rx_bytes, rx_dropped;
	unsigned long long rx_bad_length;  /* the same bounds as transmit */
	unsigned long long rx_bad_csum;    /* a partial checksum's field outside the frame */
	unsigned long long rx_stopped;     /* the device not running (no driver, or it needs a reset) or
					    * stopping at this frame's malformed chain */
	unsigned long long rx_too_big;     /* larger than the posted chain without MRG_RXBUF, or than the
					    * whole queue's buffers */
	unsigned long long rx_waits;       /* calls that found too few buffers (the caller keeps the frame) */
};

struct vnet {
	struct virtio_pci vp;             /* its transport: the board reads and writes its BAR */
	struct vnet_backend be;
	bool link_up;
	struct vnet_stats stats;
	/* A receive's chains: the first (its header is written last, with
	 * num_buffers) and the one being filled; what each got, pushed at once. */
	struct virtq_chain chain[2];
	struct virtq_used used[VNET_QUEUE_MAX];
	uint8_t frame[L4_NET_FRAME_MAX];  /* a frame whose checksum the device completes */
};

/*
 * Power-on state, the link up, registered on pci as wiring says (slot,
 * BAR, interrupt line, guest RAM, IRQ output, BAR-change and log
 * callbacks; the device's own fields of wiring are ignored); be is copied.
 * false if the PCI registry refuses it or be lacks tx_reserve or tx_commit.
 */
bool vnet_init(struct vnet *n, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vnet_backend *be);

/*
 * Moves up to max frames from the guest's transmitq into backend slots
 * (copying guest buffers straight into slot->frame), with the used ring
 * and the interrupt as the driver asks. Stops when tx_reserve gives NULL
 * (the frames wait in the guest's queue: backpressure, no drop), when the
 * queue is empty, or after a queue's worth of chains (dropped frames
 * count there, not toward max). Returns the frames moved: max says that
 * more may wait.
 */
unsigned vnet_tx(struct vnet *n, unsigned max);

/*
 * One frame (len bytes, flags in meta, which may be NULL) for the guest:
 * 1 placed in its receive buffers (with MRG_RXBUF over several, with
 * num_buffers set), the used ring and the interrupt; 0 the guest has not
 * posted enough buffers (nothing consumed: try again after the next
 * kick); -1 dropped (a bad frame, the device not running, or too large
 * for one chain without MRG_RXBUF; counted).
 */
int vnet_rx(struct vnet *n, const uint8_t *frame, unsigned len, const struct l4_net_meta *meta);

/* The link's state in the status field; a change raises the
 * configuration-change interrupt. */
void vnet_set_link(struct vnet *n, bool up);

#endif
