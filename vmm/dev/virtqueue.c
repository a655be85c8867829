/* SPDX-License-Identifier: BSD-2-Clause */
/* The split virtqueue, device side: see virtqueue.h. */
#include "virtqueue.h"

/* Offsets within a descriptor. */
#define DESC_ADDR  0
#define DESC_LEN   8
#define DESC_FLAGS 12
#define DESC_NEXT  14

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static bool wraps(uint64_t base, uint64_t len)
{
	return len && base + (len - 1) < base;
}

/* A little-endian 16-bit field of a ring. */
static int read16(const struct virtq *q, uint64_t gpa, uint16_t *v)
{
	uint8_t raw[2];

	if (vdev_ram_read(q->ram, gpa, raw, sizeof(raw)))
		return -1;
	*v = le16(raw);
	return 0;
}

static int write16(const struct virtq *q, uint64_t gpa, uint16_t v)
{
	uint8_t raw[2];

	put_le16(raw, v);
	return vdev_ram_write(q->ram, gpa, raw, sizeof(raw));
}

static int fail(struct virtq *q, const char *why)
{
	q->error = why;
	return VIRTQ_BAD;
}

void virtq_reset(struct virtq *q)
{
	__builtin_memset(q, 0, sizeof(*q));
}

bool virtq_start(struct virtq *q, const struct vdev_ram *ram, uint64_t features, uint32_t max_size)
{
	uint64_t size = q->size;

	q->ready = false;
	if (max_size > VIRTQ_MAX_SIZE)
		max_size = VIRTQ_MAX_SIZE;
	if (size == 0 || size > max_size || (size & (size - 1))) {
		q->error = "queue size is 0, too large or not a power of two";
		return false;
	}
	if (q->desc % VIRTQ_DESC_ALIGN || q->avail % VIRTQ_AVAIL_ALIGN || q->used % VIRTQ_USED_ALIGN) {
		q->error = "a ring is misaligned";
		return false;
	}
	if (wraps(q->desc, VIRTQ_DESC_SIZE * size) || wraps(q->avail, VIRTQ_AVAIL_BYTES(size)) ||
	    wraps(q->used, VIRTQ_USED_BYTES(size))) {
		q->error = "a ring wraps past the top of the address space";
		return false;
	}
	q->ram = ram;
	q->indirect = features >> VIRTIO_F_INDIRECT_DESC & 1;
	q->event_idx = features >> VIRTIO_F_EVENT_IDX & 1;
	q->last_avail = q->used_idx = q->signalled = 0;
	q->error = NULL;
	q->ready = true;
	return true;
}

/*
 * Adds descriptor d (already read) to the chain: its checks as a buffer.
 * *writable says whether a device-writable one came before.
 */
static int add_segment(struct virtq *q, struct virtq_chain *c, uint64_t addr, uint32_t len, uint16_t flags,
		       bool *writable)
{
	bool w = flags & VIRTQ_DESC_F_WRITE;

	if (!w && *writable)
		return fail(q, "a device-readable descriptor follows a device-writable one");
	*writable |= w;
	if (!len)
		return 0;                 /* no bytes: nothing to check or access */
	if (!vdev_ram_map(q->ram, addr, len))
		return fail(q, "a buffer is not (all) guest RAM");
	if (c->nseg == VIRTQ_MAX_CHAIN)
		return fail(q, "the chain has more segments than the device takes");
	c->seg[c->nseg++] = (struct virtq_seg){ .gpa = addr, .len = len, .writable = w };
	if (w)
		c->writable += len;
	else
		c->readable += len;
	return 0;
}

/*
 * Walks the chain at head into *c. Each step reads one descriptor, from the
 * queue's table (at most size of them: more must have visited one twice)
 * or from the one indirect table (at most its length), so the walk ends.
 */
static int walk(struct virtq *q, uint16_t head, struct virtq_chain *c)
{
	uint64_t table = q->desc;
	uint32_t entries = q->size, steps = 0, idx = head;
	bool indirect = false, writable = false;

	c->head = head;
	c->nseg = 0;
	c->readable = c->writable = 0;
	for (;;) {
		uint8_t raw[VIRTQ_DESC_SIZE];

		if (idx >= entries)
			return fail(q, indirect ? "an indirect descriptor's next is beyond its table" :
					     "a descriptor index is beyond the queue");
		if (steps++ == entries)
			return fail(q, indirect ? "the indirect chain loops" : "the chain loops (longer than the queue)");
		if (vdev_ram_read(q->ram, table + (uint64_t)idx * VIRTQ_DESC_SIZE, raw, sizeof(raw)))
			return fail(q, "the descriptor table is not guest RAM");
		uint64_t addr = le64(raw + DESC_ADDR);
		uint32_t len = le32(raw + DESC_LEN);
		uint16_t flags = le16(raw + DESC_FLAGS), next = le16(raw + DESC_NEXT);

		if (flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return fail(q, "an indirect descriptor without VIRTIO_F_INDIRECT_DESC");
			if (indirect)
				return fail(q, "an indirect descriptor inside an indirect table");
			if (flags & VIRTQ_DESC_F_NEXT)
				return fail(q, "an indirect descriptor with NEXT");
			if (!len || len % VIRTQ_DESC_SIZE)
				return fail(q, "an indirect table's length is not a whole number of descriptors");
			if (len / VIRTQ_DESC_SIZE > VIRTQ_MAX_CHAIN)
				return fail(q, "an indirect table is longer than the device takes");
			if (!vdev_ram_map(q->ram, addr, len))
				return fail(q, "an indirect table is not (all) guest RAM");
			/* (Its WRITE flag means nothing, 2.6.5.3.2.) */
			table = addr;
			entries = len / VIRTQ_DESC_SIZE;
			steps = 0;
			idx = 0;
			indirect = true;
			continue;
		}
		if (add_segment(q, c, addr, len, flags, &writable))
			return VIRTQ_BAD;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_CHAIN;
		idx = next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head;

	if (!q->ready)
		return VIRTQ_EMPTY;
	if (read16(q, q->avail + VIRTQ_AVAIL_IDX, &avail_idx))
		return fail(q, "the avail ring is not guest RAM");
	uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending > q->size)
		return fail(q, "the avail index is more than the queue size ahead");
	if (!pending)
		return VIRTQ_EMPTY;
	/* The ring entry and the descriptors after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (read16(q, q->avail + VIRTQ_AVAIL_RING + 2ull * (q->last_avail & (q->size - 1)), &head))
		return fail(q, "the avail ring is not guest RAM");
	if (walk(q, head, c) != VIRTQ_CHAIN)
		return VIRTQ_BAD;
	/* With the event index: the driver notifies again when it makes the
	 * entry after this one available (avail_event, after the used ring). */
	if (q->event_idx && write16(q, q->used + VIRTQ_USED_RING + VIRTQ_USED_ELEM_SIZE * q->size,
				    (uint16_t)(q->last_avail + 1)))
		return fail(q, "the used ring is not guest RAM");
	q->last_avail++;
	return VIRTQ_CHAIN;
}

int virtq_push_all(struct virtq *q, const struct virtq_used *used, unsigned n)
{
	uint8_t elem[VIRTQ_USED_ELEM_SIZE];

	for (unsigned i = 0; i < n; i++) {
		uint16_t at = (uint16_t)(q->used_idx + i) & (q->size - 1);
		put_le32(elem, used[i].head);
		put_le32(elem + 4, used[i].len);
		if (vdev_ram_write(q->ram, q->used + VIRTQ_USED_RING + VIRTQ_USED_ELEM_SIZE * at, elem, sizeof(elem))) {
			q->error = "the used ring is not guest RAM";
			return -1;
		}
	}
	/* The elements are in place before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (write16(q, q->used + VIRTQ_USED_IDX, (uint16_t)(q->used_idx + n))) {
		q->error = "the used ring is not guest RAM";
		return -1;
	}
	q->used_idx = (uint16_t)(q->used_idx + n);
	return 0;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	const struct virtq_used one = { head, len };

	return virtq_push_all(q, &one, 1);
}

void virtq_unpop(struct virtq *q, uint16_t n)
{
	q->last_avail = (uint16_t)(q->last_avail - n);
}

/* Copies between buf and len bytes at off of the chain's readable or
 * writable segments (to guest RAM if writable). */
static int chain_copy(const struct vdev_ram *ram, const struct virtq_chain *c, bool writable, uint64_t off,
		      uint8_t *buf, uint64_t len)
{
	for (unsigned i = 0; i < c->nseg && len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint64_t n = s->len - off < len ? s->len - off : len;
		int r = writable ? vdev_ram_write(ram, s->gpa + off, buf, n) : vdev_ram_read(ram, s->gpa + off, buf, n);
		if (r)
			return -1;
		buf += n;
		len -= n;
		off = 0;
	}
	return len ? -1 : 0;
}

int virtq_chain_read(const struct vdev_ram *ram, const struct virtq_chain *c, uint64_t off, void *buf, uint64_t len)
{
	return chain_copy(ram, c, false, off, buf, len);
}

int virtq_chain_write(const struct vdev_ram *ram, const struct virtq_chain *c, uint64_t off, const void *buf,
		      uint64_t len)
{
	return chain_copy(ram, c, true, off, (uint8_t *)(uintptr_t)buf, len);   /* (only read from) */
}

int virtq_notify(struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx, v;

	if (old == now)
		return 0;
	q->signalled = now;
	/* The used index must be visible before we read what the driver wants
	 * (a store, then a load: only a full fence orders them); else a driver
	 * that just re-enabled interrupts and saw the old index waits forever. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx) {
		/* used_event, after the avail ring: interrupt when the used index
		 * steps past it (vring_need_event). */
		if (read16(q, q->avail + VIRTQ_AVAIL_RING + 2ull * q->size, &v)) {
			q->error = "the avail ring is not guest RAM";
			return -1;
		}
		return (uint16_t)(now - v - 1) < (uint16_t)(now - old);
	}
	if (read16(q, q->avail, &v)) {
		q->error = "the avail ring is not guest RAM";
		return -1;
	}
	return !(v & VIRTQ_AVAIL_F_NO_INTERRUPT);
}
