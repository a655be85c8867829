/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio block device: see virtio_blk.h. */
#include "virtio_blk.h"

enum { VBLK_RQ = 0 };                      /* the request queue */

/* The gpa of byte off of the chain's writable part (off < c->writable). */
static uint64_t writable_gpa(const struct virtq_chain *c, uint64_t off)
{
	for (unsigned i = 0; i < c->nseg; i++) {
		if (!c->seg[i].writable)
			continue;
		if (off < c->seg[i].len)
			return c->seg[i].gpa + off;
		off -= c->seg[i].len;
	}
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Pops and checks a request: 1, 0 (none) or -1 (malformed: NEEDS_RESET). */
static int take(struct vblk *b, struct vblk_req *r)
{
	struct virtq *q = virtio_pci_queue(&b->vp, VBLK_RQ);
	uint8_t h[VBLK_HEADER];

	if (!q)
		return 0;
	int got = virtq_pop(q, &r->chain);
	if (got == VIRTQ_EMPTY)
		return 0;
	const char *error = got == VIRTQ_BAD ? q->error : NULL;
	if (!error && (r->chain.readable < VBLK_HEADER || !r->chain.writable))
		error = "a block request without its header or status byte";
	if (!error && virtq_chain_read(&b->vp.ram, &r->chain, 0, h, VBLK_HEADER))
		error = "a block request header is not guest RAM";
	if (error) {
		virtio_pci_error(&b->vp, error);
		return -1;
	}
	r->type = le32(h);
	r->sector = (uint64_t)le32(h + 8) | (uint64_t)le32(h + 12) << 32;
	r->status_gpa = writable_gpa(&r->chain, r->chain.writable - 1);
	r->data = r->type == VIRTIO_BLK_T_OUT ? r->chain.readable - VBLK_HEADER : r->chain.writable - 1;
	r->status = VIRTIO_BLK_S_IOERR;
	r->written = 0;
	r->gen = b->gen;
	return 1;
}

int vblk_take(struct vblk *b, struct vblk_req *r)
{
	if (!virtio_pci_enter(&b->vp))
		return 0;
	int got = take(b, r);
	virtio_pci_leave(&b->vp);
	return got;
}

/* IN or OUT: the sectors, a buffer's worth at a time. */
static uint8_t transfer(struct vblk *b, struct vblk_req *r)
{
	const struct vblk_backend *be = &b->be;
	bool in = r->type == VIRTIO_BLK_T_IN;
	uint64_t sectors = r->data / VBLK_SECTOR;

	if (r->data % VBLK_SECTOR || r->sector > be->sectors || sectors > be->sectors - r->sector ||
	    (!in && be->read_only))
		return VIRTIO_BLK_S_IOERR;
	for (uint64_t done = 0; done < sectors;) {
		unsigned n = sectors - done < be->buf_sectors ? (unsigned)(sectors - done) : be->buf_sectors;
		uint64_t off = (in ? 0 : VBLK_HEADER) + done * VBLK_SECTOR;
		if (in) {
			if (!be->read || be->read(be->ctx, r->sector + done, n) ||
			    virtq_chain_write(&b->vp.ram, &r->chain, done * VBLK_SECTOR, be->buf, (uint64_t)n * VBLK_SECTOR))
				return VIRTIO_BLK_S_IOERR;
			r->written = (uint32_t)((done + n) * VBLK_SECTOR);
		} else if (virtq_chain_read(&b->vp.ram, &r->chain, off, be->buf, (uint64_t)n * VBLK_SECTOR) || !be->write ||
			   be->write(be->ctx, r->sector + done, n)) {
			return VIRTIO_BLK_S_IOERR;
		}
		done += n;
	}
	return VIRTIO_BLK_S_OK;
}

void vblk_do(struct vblk *b, struct vblk_req *r)
{
	const struct vblk_backend *be = &b->be;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		r->status = transfer(b, r);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->status = be->flush && be->flush(be->ctx) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = r->data < VBLK_ID_BYTES ? r->data : VBLK_ID_BYTES;
		r->status = virtq_chain_write(&b->vp.ram, &r->chain, 0, be->id, n) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		r->written = r->status ? 0 : (uint32_t)n;
		break;
	}
	default:
		r->status = VIRTIO_BLK_S_UNSUPP;
	}
	b->requests++;
	b->errors += r->status != VIRTIO_BLK_S_OK;
}

static void finish(struct vblk *b, struct vblk_req *r)
{
	struct virtq *q = virtio_pci_queue(&b->vp, VBLK_RQ);

	if (!q || r->gen != b->gen)
		return;         /* the driver reset the device meanwhile: the chain is gone */
	if (vdev_ram_write(&b->vp.ram, r->status_gpa, &r->status, 1)) {
		virtio_pci_error(&b->vp, "a block request's status byte is not guest RAM");
		return;
	}
	if (virtq_push(q, r->chain.head, r->written + 1)) {
		virtio_pci_error(&b->vp, q->error);
		return;
	}
	virtio_pci_used(&b->vp, VBLK_RQ);
}

void vblk_finish(struct vblk *b, struct vblk_req *r)
{
	if (!virtio_pci_enter(&b->vp))
		return;
	finish(b, r);
	virtio_pci_leave(&b->vp);
}

/* At most a queue's worth (what comes meanwhile, the driver notifies). */
static unsigned process(struct vblk *b, int (*take_fn)(struct vblk *, struct vblk_req *),
			void (*finish_fn)(struct vblk *, struct vblk_req *))
{
	unsigned n = 0;

	while (n < VBLK_QUEUE_MAX && take_fn(b, &b->req) == 1) {
		vblk_do(b, &b->req);
		finish_fn(b, &b->req);
		n++;
	}
	return n;
}

unsigned vblk_process(struct vblk *b)
{
	return process(b, vblk_take, vblk_finish);
}

/* ------------------------------------------------------------ the transport's calls */

static void vblk_notify(void *dev, unsigned q)
{
	struct vblk *b = dev;

	if (q != VBLK_RQ)
		return;
	if (b->be.kick)
		b->be.kick(b->be.ctx);
	else
		process(b, take, finish);      /* (inside the transport's callback already) */
}

static uint32_t vblk_config_read(void *dev, unsigned off, unsigned size)
{
	const struct vblk *b = dev;
	uint8_t cfg[VBLK_CFG_SIZE] = { 0 };

	for (unsigned i = 0; i < 8; i++)
		cfg[VBLK_CFG_CAPACITY + i] = (uint8_t)(b->be.sectors >> (8 * i));
	cfg[VBLK_CFG_SEG_MAX] = VBLK_SEG_MAX;
	cfg[VBLK_CFG_BLK_SIZE + 1] = VBLK_SECTOR >> 8;
	return virtio_config_bytes(cfg, off, size);
}

static void vblk_reset(void *dev)
{
	struct vblk *b = dev;

	b->gen++;       /* a request taken before is dropped at its finish */
}

static const struct virtio_device_ops vblk_ops = {
	.config_read = vblk_config_read,
	.notify = vblk_notify,
	.reset = vblk_reset,
	/* (config writes: writeback is not offered, nothing is writable) */
};

bool vblk_init(struct vblk *b, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vblk_backend *be)
{
	struct virtio_pci_config cfg = *wiring;

	__builtin_memset(b, 0, sizeof(*b));
	if (!be || !be->buf || !be->buf_sectors)
		return false;
	b->be = *be;
	cfg.name = "block";
	cfg.device_type = VIRTIO_ID_BLOCK;
	cfg.class_code = VBLK_PCI_CLASS;
	cfg.features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
		       (be->read_only ? 1ull << VIRTIO_BLK_F_RO : 0);
	cfg.queues = 1;
	cfg.queue_max = VBLK_QUEUE_MAX;
	cfg.config_size = VBLK_CFG_SIZE;
	cfg.ops = &vblk_ops;
	cfg.dev = b;
	return virtio_pci_init(&b->vp, pci, &cfg);
}
