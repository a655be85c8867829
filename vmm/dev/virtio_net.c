/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio network device: see virtio_net.h. */
#include "virtio_net.h"
#include "l4inet.h"

_Static_assert(sizeof(((struct l4_net_slot *)0)->frame) >= L4_NET_FRAME_MAX, "a slot holds the longest frame");

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static bool negotiated(const struct vnet *n, unsigned bit)
{
	return n->vp.driver_features >> bit & 1;
}

static bool bad_length(uint64_t len)
{
	return len < L4_NET_FRAME_MIN || len > L4_NET_FRAME_MAX;
}

/* Whether a partial checksum's 16-bit field, offset bytes past start,
 * lies inside a frame of len bytes (l4_inet_complete's bounds). */
static bool csum_fits(unsigned len, unsigned start, unsigned offset)
{
	return start < len && offset <= len - start && len - start - offset >= 2;
}

/* A frame dropped: the direction's total and the reason. */
static void drop(unsigned long long *total, unsigned long long *why)
{
	(*total)++;
	(*why)++;
}

/* ------------------------------------------------------------ transmit */

enum tx_result { TX_MOVED, TX_DROPPED, TX_FULL, TX_MALFORMED };

/*
 * The frame of the chain in n->chain[0] into a backend slot: moved,
 * dropped (counted), full (no slot: the chain goes back), or malformed
 * (*error says why). A frame is checked before a slot is taken, so a bad
 * one is dropped even while the switch is behind.
 */
static enum tx_result tx_frame(struct vnet *n, const char **error)
{
	const struct virtq_chain *c = &n->chain[0];
	struct vnet_stats *st = &n->stats;
	struct l4_net_meta meta = { 0 };
	uint8_t h[VNET_HDR_LEN];

	if (c->writable)
		*error = "a transmit buffer is device-writable";
	else if (c->readable < VNET_HDR_LEN)
		*error = "a transmit chain is shorter than its header";
	else if (virtq_chain_read(&n->vp.ram, c, 0, h, VNET_HDR_LEN))
		*error = "a transmit buffer is not guest RAM";
	if (*error)
		return TX_MALFORMED;
	uint64_t len = c->readable - VNET_HDR_LEN;
	if (bad_length(len)) {
		drop(&st->tx_dropped, &st->tx_bad_length);
		return TX_DROPPED;
	}
	if (h[VNET_HDR_GSO_TYPE] != VIRTIO_NET_HDR_GSO_NONE) {
		drop(&st->tx_dropped, &st->tx_gso);
		return TX_DROPPED;
	}
	if (h[VNET_HDR_FLAGS] & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		meta = (struct l4_net_meta){ .flags = L4_NET_F_NEEDS_CSUM, .csum_start = le16(h + VNET_HDR_CSUM_START),
					     .csum_offset = le16(h + VNET_HDR_CSUM_OFFSET) };
		if (!csum_fits((unsigned)len, meta.csum_start, meta.csum_offset)) {
			drop(&st->tx_dropped, &st->tx_bad_csum);
			return TX_DROPPED;
		}
	}
	struct l4_net_slot *slot = n->be.tx_reserve(n->be.ctx);
	if (!slot)
		return TX_FULL;
	if (virtq_chain_read(&n->vp.ram, c, VNET_HDR_LEN, slot->frame, len)) {
		*error = "a transmit buffer is not guest RAM";
		return TX_MALFORMED;
	}
	n->be.tx_commit(n->be.ctx, (unsigned)len, &meta);
	st->tx_frames++;
	st->tx_bytes += len;
	return TX_MOVED;
}

/* vnet_tx inside the transport (see virtio_net.h). */
static unsigned tx(struct vnet *n, unsigned max)
{
	struct virtq *q = virtio_pci_queue(&n->vp, VNET_TXQ);
	const char *error = NULL;
	unsigned moved = 0;
	bool used = false;

	if (!q)
		return 0;
	for (uint32_t taken = 0; moved < max && taken < q->size; taken++) {
		int got = virtq_pop(q, &n->chain[0]);
		if (got == VIRTQ_EMPTY)
			break;
		if (got == VIRTQ_BAD) {
			error = q->error;
			break;
		}
		enum tx_result r = tx_frame(n, &error);
		if (r == TX_FULL) {
			virtq_unpop(q, 1);             /* it waits for the next call */
			n->stats.tx_stalls++;
			break;
		}
		if (r == TX_MALFORMED)
			break;
		if (virtq_push(q, n->chain[0].head, 0)) {
			error = q->error;
			break;
		}
		used = true;
		moved += r == TX_MOVED;
	}
	if (used)
		virtio_pci_used(&n->vp, VNET_TXQ);
	if (error)
		virtio_pci_error(&n->vp, error);
	return moved;
}

unsigned vnet_tx(struct vnet *n, unsigned max)
{
	if (!virtio_pci_enter(&n->vp))
		return 0;
	unsigned moved = tx(n, max);
	virtio_pci_leave(&n->vp);
	return moved;
}

/* ------------------------------------------------------------ receive */

/*
 * Puts the header h (all but num_buffers) and the frame into the guest's
 * receive chains, the first chain's header last, once num_buffers is
 * known: 1 placed and pushed; 0 too few buffers posted; -1 too large for
 * one chain without MRG_RXBUF, or for the whole queue; -2 malformed
 * (*error). With 0 and -1 every chain popped goes back (what was written
 * into them the driver never sees as used). At most a queue's worth of
 * chains, each at least a header's worth.
 */
static int rx_place(struct vnet *n, struct virtq *q, const uint8_t *frame, unsigned len, uint8_t *h,
		    const char **error)
{
	bool merge = negotiated(n, VIRTIO_NET_F_MRG_RXBUF);
	uint32_t total = VNET_HDR_LEN + len, done = 0, k = 0;

	for (; done < total; k++) {
		struct virtq_chain *c = &n->chain[k ? 1 : 0];

		if (k == q->size) {
			virtq_unpop(q, (uint16_t)k);
			return -1;
		}
		int got = virtq_pop(q, c);
		if (got == VIRTQ_EMPTY) {
			virtq_unpop(q, (uint16_t)k);
			return 0;
		}
		if (got == VIRTQ_BAD)
			*error = q->error;
		else if (c->readable)
			*error = "a receive buffer is device-readable";
		else if (c->writable < VNET_HDR_LEN)
			*error = "a receive chain has less room than the header";
		if (*error)
			return -2;
		if (!merge && c->writable < total) {
			virtq_unpop(q, 1);
			return -1;
		}
		uint32_t room = c->writable < total - done ? (uint32_t)c->writable : total - done;
		uint32_t skip = k ? 0 : VNET_HDR_LEN;          /* the first chain's header comes later */
		if (virtq_chain_write(&n->vp.ram, c, skip, frame + (done + skip - VNET_HDR_LEN), room - skip)) {
			*error = "a receive buffer is not guest RAM";
			return -2;
		}
		n->used[k] = (struct virtq_used){ .head = c->head, .len = room };
		done += room;
	}
	put_le16(h + VNET_HDR_NUM_BUFFERS, (uint16_t)k);
	if (virtq_chain_write(&n->vp.ram, &n->chain[0], 0, h, VNET_HDR_LEN)) {
		*error = "a receive buffer is not guest RAM";
		return -2;
	}
	if (virtq_push_all(q, n->used, k)) {
		*error = q->error;
		return -2;
	}
	return 1;
}

/* vnet_rx inside the transport's bracket (see virtio_net.h). */
static int rx(struct vnet *n, const uint8_t *frame, unsigned len, const struct l4_net_meta *meta)
{
	struct virtq *q = virtio_pci_queue(&n->vp, VNET_RXQ);
	struct vnet_stats *st = &n->stats;
	uint8_t flags = meta ? meta->flags : 0, h[VNET_HDR_LEN] = { 0 };
	bool partial_ok = negotiated(n, VIRTIO_NET_F_GUEST_CSUM);
	const char *error = NULL;

	if (!q) {
		drop(&st->rx_dropped, &st->rx_stopped);
		return -1;
	}
	if (!frame || bad_length(len)) {
		drop(&st->rx_dropped, &st->rx_bad_length);
		return -1;
	}
	if (flags & L4_NET_F_NEEDS_CSUM) {
		if (!csum_fits(len, meta->csum_start, meta->csum_offset)) {
			drop(&st->rx_dropped, &st->rx_bad_csum);
			return -1;
		}
		if (partial_ok) {
			h[VNET_HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			put_le16(h + VNET_HDR_CSUM_START, meta->csum_start);
			put_le16(h + VNET_HDR_CSUM_OFFSET, meta->csum_offset);
		} else {
			/* The caller keeps its frame (it may come again): complete a copy. */
			__builtin_memcpy(n->frame, frame, len);
			l4_inet_complete(n->frame, len, meta->csum_start, meta->csum_offset);
			frame = n->frame;
		}
	} else if ((flags & L4_NET_F_DATA_VALID) && partial_ok) {
		h[VNET_HDR_FLAGS] = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	int placed = rx_place(n, q, frame, len, h, &error);
	if (placed == 1) {
		st->rx_frames++;
		st->rx_bytes += len;
		virtio_pci_used(&n->vp, VNET_RXQ);
	} else if (placed == 0) {
		st->rx_waits++;
	} else if (placed == -1) {
		drop(&st->rx_dropped, &st->rx_too_big);
	} else {
		drop(&st->rx_dropped, &st->rx_stopped);
		virtio_pci_error(&n->vp, error);
		placed = -1;
	}
	return placed;
}

int vnet_rx(struct vnet *n, const uint8_t *frame, unsigned len, const struct l4_net_meta *meta)
{
	if (!virtio_pci_enter(&n->vp))
		return 0;                      /* (from inside a device callback: later) */
	int r = rx(n, frame, len, meta);
	virtio_pci_leave(&n->vp);
	return r;
}

void vnet_set_link(struct vnet *n, bool up)
{
	if (up == n->link_up)
		return;
	n->link_up = up;
	virtio_pci_config_changed(&n->vp);
}

/* ------------------------------------------------------------ the transport's calls */

static void vnet_notify(void *dev, unsigned q)
{
	struct vnet *n = dev;

	if (n->be.kick)
		n->be.kick(n->be.ctx);
	else if (q == VNET_TXQ)
		tx(n, VNET_QUEUE_MAX);         /* (inside the transport's callback already) */
}

static uint32_t vnet_config_read(void *dev, unsigned off, unsigned size)
{
	const struct vnet *n = dev;
	uint8_t cfg[VNET_CFG_SIZE] = { 0 };

	__builtin_memcpy(cfg + VNET_CFG_MAC, n->be.mac, sizeof(n->be.mac));
	cfg[VNET_CFG_STATUS] = n->link_up ? VIRTIO_NET_S_LINK_UP : 0;
	cfg[VNET_CFG_MAX_PAIRS] = 1;
	put_le16(cfg + VNET_CFG_MTU, VNET_MTU);
	return virtio_config_bytes(cfg, off, size);
}

static const struct virtio_device_ops vnet_ops = {
	.config_read = vnet_config_read,
	.notify = vnet_notify,
	/* (config writes: the MAC is not writable without CTRL_MAC_ADDR; reset:
	 * nothing of the device lasts between calls but the link and counters) */
};

bool vnet_init(struct vnet *n, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vnet_backend *be)
{
	struct virtio_pci_config cfg = *wiring;

	__builtin_memset(n, 0, sizeof(*n));
	if (!be || !be->tx_reserve || !be->tx_commit)
		return false;
	n->be = *be;
	n->link_up = true;
	cfg.name = "network";
	cfg.device_type = VIRTIO_ID_NET;
	cfg.class_code = VNET_PCI_CLASS;
	cfg.features = 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_MTU |
		       1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS;
	cfg.queues = VNET_QUEUES;
	cfg.queue_max = VNET_QUEUE_MAX;
	cfg.config_size = VNET_CFG_SIZE;
	cfg.ops = &vnet_ops;
	cfg.dev = n;
	return virtio_pci_init(&n->vp, pci, &cfg);
}
