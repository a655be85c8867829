/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio console: see virtio_console.h. */
#include "virtio_console.h"

/* Hands the bytes of a device-readable segment to the host. */
static int tx_segment(struct vcon *c, const struct virtq_seg *s)
{
	uint32_t off = 0;

	/* Bounded by s->len / VCON_TX_CHUNK + 1 passes. */
	while (off < s->len) {
		unsigned n = s->len - off < VCON_TX_CHUNK ? s->len - off : VCON_TX_CHUNK;

		if (vdev_ram_read(&c->vp.ram, s->gpa + off, c->txbuf, n))
			return -1;
		if (c->host.tx)
			c->host.tx(c->host.ctx, c->txbuf, n);
		off += n;
	}
	return 0;
}

/* Consumes what is available on the transmitq. */
static void tx_process(struct vcon *c)
{
	struct virtq *q = virtio_pci_queue(&c->vp, VCON_TXQ);
	const char *error = NULL;
	bool used = false;

	if (!q || !virtio_pci_enter(&c->vp))
		return;
	/* At most a queue's worth: what a driver adds meanwhile, it notifies. */
	for (uint32_t i = 0; i < q->size && !error; i++) {
		int r = virtq_pop(q, &c->chain);

		if (r == VIRTQ_EMPTY)
			break;
		if (r == VIRTQ_BAD) {
			error = q->error;
			break;
		}
		for (unsigned j = 0; j < c->chain.nseg && !error; j++)
			if (!c->chain.seg[j].writable && tx_segment(c, &c->chain.seg[j]))
				error = "a transmit buffer is not guest RAM";
		if (!error && virtq_push(q, c->chain.head, 0))
			error = q->error;
		used |= !error;
	}
	if (used)
		virtio_pci_used(&c->vp, VCON_TXQ);
	if (error)
		virtio_pci_error(&c->vp, error);
	virtio_pci_leave(&c->vp);
}

/*
 * Fills the device-writable segments of the chain from buf (n bytes left);
 * returns the bytes written or -1. Used lengths are 32 bits, so one chain
 * takes at most 4 GiB - 1.
 */
static int64_t rx_fill_chain(struct vcon *c, const uint8_t *buf, size_t n)
{
	uint32_t written = 0;

	for (unsigned j = 0; j < c->chain.nseg && written < n; j++) {
		const struct virtq_seg *s = &c->chain.seg[j];
		size_t room = n - written;

		if (!s->writable)
			continue;
		if (room > UINT32_MAX - written)
			room = UINT32_MAX - written;
		uint32_t len = s->len < room ? s->len : (uint32_t)room;
		if (vdev_ram_write(&c->vp.ram, s->gpa, buf + written, len))
			return -1;
		written += len;
	}
	return written;
}

size_t vcon_receive(struct vcon *c, const uint8_t *buf, size_t n)
{
	struct virtq *q = virtio_pci_queue(&c->vp, VCON_RXQ);
	const char *error = NULL;
	bool used = false;
	size_t done = 0;

	if (!buf || !n || !q || !virtio_pci_enter(&c->vp))
		return 0;
	for (uint32_t i = 0; i < q->size && done < n && !error; i++) {
		int r = virtq_pop(q, &c->chain);
		int64_t got;

		if (r == VIRTQ_EMPTY)
			break;
		if (r == VIRTQ_BAD) {
			error = q->error;
			break;
		}
		got = rx_fill_chain(c, buf + done, n - done);
		if (got < 0) {
			error = "a receive buffer is not guest RAM";
			break;
		}
		if (virtq_push(q, c->chain.head, (uint32_t)got)) {
			error = q->error;
			break;
		}
		used = true;
		done += (size_t)got;
	}
	if (used)
		virtio_pci_used(&c->vp, VCON_RXQ);
	if (error)
		virtio_pci_error(&c->vp, error);
	virtio_pci_leave(&c->vp);
	return done;
}

/* ------------------------------------------------------------ the transport's calls */

static void vcon_notify(void *dev, unsigned q)
{
	struct vcon *c = dev;

	if (q == VCON_TXQ)
		tx_process(c);
	else if (q == VCON_RXQ && c->host.rx_ready)
		c->host.rx_ready(c->host.ctx);
}

/*
 * Configuration space: one port (max_nr_ports 1), no size (cols and rows
 * 0, meaningless without VIRTIO_CONSOLE_F_SIZE), emerg_wr reads 0.
 */
static uint32_t vcon_config_read(void *dev, unsigned off, unsigned size)
{
	uint8_t cfg[VCON_CFG_SIZE] = { 0 };

	(void)dev;
	cfg[VCON_CFG_MAX_NR_PORTS] = 1;                    /* (little-endian u32 1) */
	return virtio_config_bytes(cfg, off, size);
}

static const struct virtio_device_ops vcon_ops = {
	.config_read = vcon_config_read,
	.notify = vcon_notify,
	/* (config writes: nothing is writable without EMERG_WRITE; reset: no state of its own) */
};

bool vcon_init(struct vcon *c, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vcon_host *host)
{
	struct virtio_pci_config cfg = *wiring;

	__builtin_memset(c, 0, sizeof(*c));
	if (host)
		c->host = *host;
	cfg.name = "console";
	cfg.device_type = VIRTIO_ID_CONSOLE;
	cfg.class_code = VCON_PCI_CLASS;
	cfg.features = 0;
	cfg.queues = VCON_NR_QUEUES;
	cfg.queue_max = VCON_QUEUE_NUM_MAX;
	cfg.config_size = VCON_CFG_SIZE;
	cfg.ops = &vcon_ops;
	cfg.dev = c;
	return virtio_pci_init(&c->vp, pci, &cfg);
}
