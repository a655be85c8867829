/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio console over virtio-mmio: see virtio_console.h. */
#include "virtio_console.h"

/* Split virtqueue layout (virtio 1.1 section 2.6), all fields little-endian. */
#define VRING_DESC_SIZE 16         /* struct virtq_desc: addr, len, flags, next */
#define VRING_DESC_ADDR 0          /* le64: buffer guest-physical address */
#define VRING_DESC_LEN 8           /* le32: buffer length */
#define VRING_DESC_FLAGS 12        /* le16: VRING_DESC_F_* */
#define VRING_DESC_NEXT 14         /* le16: next descriptor when F_NEXT */
#define VRING_DESC_F_NEXT 0x1      /* the chain continues at next */
#define VRING_DESC_F_WRITE 0x2     /* device-writable (else device-readable) */
#define VRING_DESC_F_INDIRECT 0x4  /* buffer holds a descriptor table (not offered) */

#define VRING_AVAIL_FLAGS 0        /* le16: VRING_AVAIL_F_* */
#define VRING_AVAIL_IDX 2          /* le16: where the driver puts the next entry */
#define VRING_AVAIL_RING 4         /* le16 ring[num]: descriptor chain heads */
#define VRING_AVAIL_ENTRY_SIZE 2   /* bytes of one avail ring entry */
#define VRING_AVAIL_F_NO_INTERRUPT 0x1  /* driver asks for no used-buffer interrupts */

#define VRING_USED_IDX 2           /* le16: where the device puts the next entry */
#define VRING_USED_RING 4          /* struct virtq_used_elem ring[num] */
#define VRING_USED_ELEM_SIZE 8     /* le32 id (chain head), le32 len (bytes written) */
#define VRING_USED_ELEM_LEN 4      /* offset of len in the element */

/* Ring sizes and alignments (virtio 1.1 section 2.6, table "Virtqueue Part"). */
#define VRING_DESC_ALIGN 16
#define VRING_AVAIL_ALIGN 2
#define VRING_USED_ALIGN 4
#define VRING_AVAIL_BYTES(num) (6ull + 2ull * (num))   /* flags, idx, ring, used_event */
#define VRING_USED_BYTES(num) (6ull + 8ull * (num))    /* flags, idx, ring, avail_event */

/* Status bits the driver may set; DEVICE_NEEDS_RESET belongs to the device. */
#define VCON_DRIVER_STATUS (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			    VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
			    VIRTIO_STATUS_FAILED)
#define VCON_STATUS_MASK 0xffu     /* Status holds 8 bits; QEMU's model also masks */
#define VCON_QUEUE_READY_BIT 0x1u  /* QueueReady: 1 = the driver may use the queue */
#define VCON_REG_SIZE 4            /* control registers: 32-bit, aligned accesses only */
#define VCON_FEATURE_WORDS 2       /* 32-bit feature words holding bits 0..63 */

/* ------------------------------------------------------------ little-endian bytes */

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

/* ------------------------------------------------------------ guest memory */

/* True when [base, base + size) wraps past the top of the address space. */
static bool range_wraps(uint64_t base, uint64_t size)
{
	return size && base + (size - 1) < base;
}

static int ram_read(const struct vcon *d, uint64_t gpa, void *buf, unsigned len)
{
	if (!d->ram.read || range_wraps(gpa, len))
		return -1;
	return d->ram.read(d->ram.ctx, gpa, buf, len) ? -1 : 0;
}

static int ram_write(const struct vcon *d, uint64_t gpa, const void *buf, unsigned len)
{
	if (!d->ram.write || range_wraps(gpa, len))
		return -1;
	return d->ram.write(d->ram.ctx, gpa, buf, len) ? -1 : 0;
}

/* ------------------------------------------------------------ interrupts and status */

/* Level semantics: asserted while any InterruptStatus bit is set. */
static void update_irq(struct vcon *d)
{
	bool level = d->interrupt_status != 0;

	if (level != d->irq_level) {
		d->irq_level = level;
		vdev_irq_set(&d->irq, d->irq_line, level);
	}
}

/*
 * The guest broke the protocol: the device stops until reset and, once the
 * driver is running, says so with a configuration-change interrupt
 * (virtio 1.1 section 2.1.2).
 */
static void device_error(struct vcon *d)
{
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
}

static bool device_running(const struct vcon *d)
{
	uint8_t want = VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	uint8_t stop = VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED;

	return (d->status & (want | stop)) == want;
}

static bool queue_live(const struct vcon *d, const struct vcon_queue *q)
{
	return q->ready && device_running(d);
}

/*
 * FEATURES_OK is accepted only for a subset of what was offered that
 * includes VERSION_1: this device has no legacy interface to fall back on.
 */
static bool features_acceptable(const struct vcon *d)
{
	return !d->driver_features_extra && !(d->driver_features & ~VCON_FEATURES) &&
	       (d->driver_features & (1ull << VIRTIO_F_VERSION_1));
}

/* ------------------------------------------------------------ virtqueues */

/* The ring layout the driver gave, checked when it sets QueueReady. */
static bool queue_layout_ok(const struct vcon_queue *q)
{
	uint64_t num = q->num;

	if (num == 0 || num > VCON_QUEUE_NUM_MAX || (num & (num - 1)))
		return false;   /* split queue sizes are powers of two (2.6) */
	if (q->desc % VRING_DESC_ALIGN || q->avail % VRING_AVAIL_ALIGN || q->used % VRING_USED_ALIGN)
		return false;
	return !range_wraps(q->desc, VRING_DESC_SIZE * num) &&
	       !range_wraps(q->avail, VRING_AVAIL_BYTES(num)) &&
	       !range_wraps(q->used, VRING_USED_BYTES(num));
}

/*
 * Buffers the driver made available since the device last looked: -1 when
 * avail->idx cannot be read or claims more than the queue holds.
 */
static int avail_pending(const struct vcon *d, const struct vcon_queue *q)
{
	uint8_t raw[2];
	uint16_t n;

	if (ram_read(d, q->avail + VRING_AVAIL_IDX, raw, sizeof(raw)))
		return -1;
	n = (uint16_t)(le16(raw) - q->last_avail);
	return n > q->num ? -1 : n;
}

static int avail_head(const struct vcon *d, const struct vcon_queue *q, uint16_t *head)
{
	uint8_t raw[2];
	uint64_t slot = q->last_avail & (q->num - 1);

	if (ram_read(d, q->avail + VRING_AVAIL_RING + VRING_AVAIL_ENTRY_SIZE * slot, raw, sizeof(raw)))
		return -1;
	*head = le16(raw);
	return 0;
}

/*
 * Copies the descriptor chain starting at head into d->chain, each entry
 * read once so that the guest changing the table meanwhile cannot change
 * what was checked. Returns its length, or 0 for a malformed chain: an
 * index beyond the queue, more descriptors than the queue has (a cycle),
 * INDIRECT (not negotiated), a device-readable descriptor after a
 * device-writable one (2.6.4.2), or a buffer wrapping past 2^64.
 */
static unsigned read_chain(struct vcon *d, const struct vcon_queue *q, uint16_t head)
{
	uint32_t idx = head;
	bool writable = false;
	unsigned n;

	for (n = 0; n < q->num; n++) {
		struct vcon_desc *c = &d->chain[n];
		uint8_t raw[VRING_DESC_SIZE];

		if (idx >= q->num || ram_read(d, q->desc + (uint64_t)idx * VRING_DESC_SIZE, raw, sizeof(raw)))
			return 0;
		c->addr = le64(raw + VRING_DESC_ADDR);
		c->len = le32(raw + VRING_DESC_LEN);
		c->flags = le16(raw + VRING_DESC_FLAGS);
		c->next = le16(raw + VRING_DESC_NEXT);
		if (c->flags & VRING_DESC_F_INDIRECT)
			return 0;
		if (c->flags & VRING_DESC_F_WRITE)
			writable = true;
		else if (writable)
			return 0;
		if (range_wraps(c->addr, c->len))
			return 0;
		if (!(c->flags & VRING_DESC_F_NEXT))
			return n + 1;
		idx = c->next;
	}
	return 0;
}

/* Returns the chain at head to the driver with len bytes written into it. */
static int push_used(const struct vcon *d, struct vcon_queue *q, uint16_t head, uint32_t len)
{
	uint8_t elem[VRING_USED_ELEM_SIZE], idx[2];
	uint64_t slot = q->used_idx & (q->num - 1);

	put_le32(elem, head);
	put_le32(elem + VRING_USED_ELEM_LEN, len);
	if (ram_write(d, q->used + VRING_USED_RING + VRING_USED_ELEM_SIZE * slot, elem, sizeof(elem)))
		return -1;
	/* The element is in place before the index that publishes it. */
	q->used_idx++;
	put_le16(idx, q->used_idx);
	return ram_write(d, q->used + VRING_USED_IDX, idx, sizeof(idx));
}

/*
 * After a pass over a queue: interrupt for new used buffers unless the
 * driver suppressed it (no EVENT_IDX, so only VRING_AVAIL_F_NO_INTERRUPT
 * counts), and a device error if the pass failed.
 */
static void finish_pass(struct vcon *d, const struct vcon_queue *q, bool used, bool ok)
{
	uint8_t raw[2];

	if (used) {
		if (ram_read(d, q->avail + VRING_AVAIL_FLAGS, raw, sizeof(raw)))
			ok = false;
		else if (!(le16(raw) & VRING_AVAIL_F_NO_INTERRUPT))
			d->interrupt_status |= VIRTIO_MMIO_INT_VRING;
	}
	if (!ok)
		device_error(d);
	update_irq(d);
}

/* Hands the bytes of a device-readable descriptor to the host. */
static int tx_desc(struct vcon *d, const struct vcon_desc *c)
{
	uint32_t off = 0;

	/* Bounded by c->len / VCON_TX_CHUNK + 1 passes. */
	while (off < c->len) {
		unsigned n = c->len - off < VCON_TX_CHUNK ? c->len - off : VCON_TX_CHUNK;

		if (ram_read(d, c->addr + off, d->txbuf, n))
			return -1;
		if (d->host.tx)
			d->host.tx(d->host.ctx, d->txbuf, n);
		off += n;
	}
	return 0;
}

/*
 * Checks that the first and last byte of every device-readable buffer of
 * the chain are RAM, so the usual malformed buffer (running off the end of
 * RAM, or not RAM at all) fails before any of its chain is sent. A buffer
 * spanning a hole in RAM still fails partway, after the bytes before it.
 */
static int tx_check_ends(const struct vcon *d, unsigned n)
{
	uint8_t byte;
	unsigned j;

	for (j = 0; j < n; j++) {
		const struct vcon_desc *c = &d->chain[j];

		if ((c->flags & VRING_DESC_F_WRITE) || !c->len)
			continue;
		if (ram_read(d, c->addr, &byte, 1) || ram_read(d, c->addr + c->len - 1, &byte, 1))
			return -1;
	}
	return 0;
}

/*
 * Consumes everything available on the transmitq. Device-writable
 * descriptors (legal at the end of a chain) carry nothing to send; used
 * length is 0 because the device wrote nothing, as Linux expects.
 */
static void tx_process(struct vcon *d)
{
	struct vcon_queue *q = &d->q[VCON_TXQ];
	bool used = false, ok = true;
	int pending, i;

	if (d->busy || !queue_live(d, q))
		return;
	d->busy = true;
	pending = avail_pending(d, q);
	if (pending < 0)
		ok = false;
	for (i = 0; ok && i < pending; i++) {
		uint16_t head;
		unsigned n, j;

		if (avail_head(d, q, &head) || !(n = read_chain(d, q, head)) || tx_check_ends(d, n)) {
			ok = false;
			break;
		}
		for (j = 0; ok && j < n; j++)
			if (!(d->chain[j].flags & VRING_DESC_F_WRITE) && tx_desc(d, &d->chain[j]))
				ok = false;
		if (!ok)
			break;
		q->last_avail++;
		if (push_used(d, q, head, 0))
			ok = false;
		else
			used = true;
	}
	finish_pass(d, q, used, ok);
	d->busy = false;
}

/*
 * Fills the device-writable descriptors of one chain from buf (n bytes
 * left); returns the bytes written or -1 when a buffer is not RAM. Used
 * lengths are 32 bits, so one chain takes at most 4 GiB - 1.
 */
static int64_t rx_fill_chain(struct vcon *d, unsigned count, const uint8_t *buf, size_t n)
{
	uint32_t written = 0;
	unsigned j;

	for (j = 0; j < count && written < n; j++) {
		const struct vcon_desc *c = &d->chain[j];
		size_t room = n - written;
		uint32_t len;

		if (!(c->flags & VRING_DESC_F_WRITE))
			continue;
		if (room > UINT32_MAX - written)
			room = UINT32_MAX - written;
		len = c->len < room ? c->len : (uint32_t)room;
		if (len && ram_write(d, c->addr, buf + written, len))
			return -1;
		written += len;
	}
	return written;
}

size_t vcon_receive(struct vcon *d, const uint8_t *buf, size_t n)
{
	struct vcon_queue *q = &d->q[VCON_RXQ];
	bool used = false, ok = true;
	size_t done = 0;
	int pending, i;

	if (!buf || !n || d->busy || !queue_live(d, q))
		return 0;
	d->busy = true;
	pending = avail_pending(d, q);
	if (pending < 0)
		ok = false;
	for (i = 0; ok && i < pending && done < n; i++) {
		uint16_t head;
		unsigned count;
		int64_t got;

		if (avail_head(d, q, &head) || !(count = read_chain(d, q, head))) {
			ok = false;
			break;
		}
		got = rx_fill_chain(d, count, buf + done, n - done);
		if (got < 0) {
			ok = false;
			break;
		}
		q->last_avail++;
		if (push_used(d, q, head, (uint32_t)got)) {
			ok = false;
			break;
		}
		used = true;
		done += (size_t)got;
	}
	finish_pass(d, q, used, ok);
	d->busy = false;
	return done;
}

/* ------------------------------------------------------------ registers */

/* Back to the power-on state, keeping the wiring; the IRQ line drops. */
static void device_reset(struct vcon *d)
{
	struct vcon_guest_ram ram = d->ram;
	struct vdev_irq irq = d->irq;
	struct vcon_host host = d->host;
	unsigned line = d->irq_line;
	bool level = d->irq_level;

	__builtin_memset(d, 0, sizeof(*d));
	d->ram = ram;
	d->irq = irq;
	d->irq_line = line;
	d->host = host;
	d->irq_level = level;
	update_irq(d);
}

void vcon_init(struct vcon *d, const struct vcon_guest_ram *ram, const struct vdev_irq *irq,
	       unsigned irq_line, const struct vcon_host *host)
{
	__builtin_memset(d, 0, sizeof(*d));
	if (ram)
		d->ram = *ram;
	if (irq)
		d->irq = *irq;
	d->irq_line = irq_line;
	if (host)
		d->host = *host;
}

static struct vcon_queue *selected_queue(struct vcon *d)
{
	return d->queue_sel < VCON_NR_QUEUES ? &d->q[d->queue_sel] : NULL;
}

static void set_half(uint64_t *reg, bool high, uint32_t value)
{
	if (high)
		*reg = (*reg & 0xffffffffull) | (uint64_t)value << 32;
	else
		*reg = (*reg & ~0xffffffffull) | value;
}

/*
 * The driver's status write. Bits only accumulate: the driver may not
 * clear them (2.1.1) except by writing 0, which resets. Returns true when
 * the receiveq just became usable.
 */
static bool write_status(struct vcon *d, uint32_t value)
{
	uint8_t add;

	value &= VCON_STATUS_MASK;
	if (!value) {
		device_reset(d);
		return false;
	}
	add = (uint8_t)(value & VCON_DRIVER_STATUS & ~d->status);
	if ((add & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(d))
		add &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	d->status |= add;
	if (!(add & VIRTIO_STATUS_DRIVER_OK))
		return false;
	/* An error found before DRIVER_OK is reported now that a driver listens. */
	if (d->status & VIRTIO_STATUS_NEEDS_RESET)
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
	/* Buffers a driver queued before DRIVER_OK may be used from now on. */
	tx_process(d);
	return queue_live(d, &d->q[VCON_RXQ]);
}

/*
 * QueueReady: a valid layout starts the queue with fresh ring indices (the
 * driver has just initialised the rings); an invalid one needs a reset.
 */
static void write_queue_ready(struct vcon *d, struct vcon_queue *q, uint32_t value)
{
	if (!(value & VCON_QUEUE_READY_BIT)) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	if (!queue_layout_ok(q)) {
		device_error(d);
		return;
	}
	q->ready = true;
	q->last_avail = 0;
	q->used_idx = 0;
}

/* A write to a queue's layout, ignored while the queue is in use. */
static void write_queue_layout(struct vcon_queue *q, unsigned offset, uint32_t value)
{
	if (!q || q->ready)
		return;
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&q->avail, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	default:
		set_half(&q->used, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	}
}

static void write_driver_features(struct vcon *d, uint32_t value)
{
	/* Negotiation is over once FEATURES_OK was accepted. */
	if (d->status & VIRTIO_STATUS_FEATURES_OK)
		return;
	if (d->driver_features_sel < VCON_FEATURE_WORDS)
		set_half(&d->driver_features, d->driver_features_sel == 1, value);
	else if (value)
		d->driver_features_extra = true;   /* bits beyond 63: never offered */
}

/* A 32-bit control register write; returns true to signal rx_ready. */
static bool write_reg(struct vcon *d, unsigned offset, uint32_t value)
{
	struct vcon_queue *q = selected_queue(d);

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_driver_features(d, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_layout(q, offset, value);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			write_queue_ready(d, q, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without NOTIFICATION_DATA the value is just the queue index. */
		if (value == VCON_TXQ)
			tx_process(d);
		else if (value == VCON_RXQ)
			return queue_live(d, &d->q[VCON_RXQ]);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		return write_status(d, value);
	default:
		break;   /* read-only or reserved */
	}
	return false;
}

static uint32_t read_reg(struct vcon *d, unsigned offset)
{
	const struct vcon_queue *q = selected_queue(d);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:
		return VIRTIO_ID_CONSOLE;
	case VIRTIO_MMIO_VENDOR_ID:
		return VCON_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->device_features_sel < VCON_FEATURE_WORDS ?
			       (uint32_t)(VCON_FEATURES >> (32 * d->device_features_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? VCON_QUEUE_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q && q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;   /* the configuration space never changes */
	default:
		return 0;   /* write-only or reserved */
	}
}

/*
 * Configuration space: one port (max_nr_ports 1), no size (cols and rows
 * 0, meaningless without VIRTIO_CONSOLE_F_SIZE), emerg_wr reads 0.
 */
static uint64_t read_config(unsigned off, unsigned size)
{
	uint8_t cfg[VCON_CFG_SIZE];
	uint32_t v = 0;
	unsigned i;

	if ((size != 1 && size != 2 && size != 4) || off % size || off + size > VCON_CFG_SIZE)
		return vdev_open_bus(size);
	__builtin_memset(cfg, 0, sizeof(cfg));
	put_le32(cfg + VCON_CFG_MAX_NR_PORTS, 1);
	for (i = 0; i < size; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

uint64_t vcon_read(struct vcon *d, unsigned offset, unsigned size, vdev_time_t now)
{
	(void)now;
	if (offset >= VCON_MMIO_SIZE)
		return vdev_open_bus(size);
	if (offset >= VIRTIO_MMIO_CONFIG)
		return read_config(offset - VIRTIO_MMIO_CONFIG, size);
	if (size != VCON_REG_SIZE || offset % VCON_REG_SIZE)
		return vdev_open_bus(size);
	return read_reg(d, offset);
}

void vcon_write(struct vcon *d, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	bool rx_ready;

	(void)now;
	/* Configuration space writes are ignored as well: nothing there is writable. */
	if (d->busy || size != VCON_REG_SIZE || offset % VCON_REG_SIZE || offset >= VIRTIO_MMIO_CONFIG)
		return;
	rx_ready = write_reg(d, offset, (uint32_t)value);
	update_irq(d);
	if (rx_ready && d->host.rx_ready)
		d->host.rx_ready(d->host.ctx);
}
