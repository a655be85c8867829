/* SPDX-License-Identifier: BSD-2-Clause */
/* The modern virtio-pci transport: see virtio_pci.h. */
#include "virtio_pci.h"

#define PCI_CAP_VENDOR 0x09          /* vendor-specific capability */
#define CFG_COMMON 1                 /* virtio_pci_cap.cfg_type values (4.1.4) */
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4
#define CAP_BODY_LEN 14              /* struct virtio_pci_cap after id and next */
#define NOTIFY_CAP_BODY_LEN 18       /* ... and notify_off_multiplier */

/* Status bits the driver may set; DEVICE_NEEDS_RESET is the device's. */
#define DRIVER_STATUS (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK | \
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_FAILED)
#define FEATURE_WORDS 2              /* 32-bit feature words holding bits 0..63 */

static void add_cap(struct pci_function *f, uint8_t type, uint32_t offset, uint32_t length, bool notify)
{
	uint8_t body[NOTIFY_CAP_BODY_LEN] = { 0 };
	unsigned len = notify ? NOTIFY_CAP_BODY_LEN : CAP_BODY_LEN;

	body[0] = (uint8_t)(len + 2);        /* cap_len counts id and next too */
	body[1] = type;
	body[2] = 0;                         /* BAR 0 */
	for (unsigned i = 0; i < 4; i++) {
		body[6 + i] = (uint8_t)(offset >> (8 * i));
		body[10 + i] = (uint8_t)(length >> (8 * i));
		if (notify)
			body[14 + i] = (uint8_t)(VIRTIO_PCI_NOTIFY_MULT >> (8 * i));
	}
	pci_add_capability(f, PCI_CAP_VENDOR, body, len);
}

/* ------------------------------------------------------------ interrupts and status */

/* INTx is level triggered: asserted while the ISR has a bit set. */
static void update_irq(struct virtio_pci *vp)
{
	bool level = vp->isr != 0;

	if (level != vp->irq_level) {
		vp->irq_level = level;
		vdev_irq_set(&vp->irq, vp->cfg.irq_line, level);
	}
}

static bool running(const struct virtio_pci *vp)
{
	uint8_t want = VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	uint8_t stop = VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED;

	return (vp->status & (want | stop)) == want;
}

struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q)
{
	return q < vp->cfg.queues && vp->q[q].ready && running(vp) ? &vp->q[q] : NULL;
}

/* The configuration-change interrupt, once a driver listens (DRIVER_OK). */
static void config_interrupt(struct virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		vp->isr |= VIRTIO_PCI_ISR_CONFIG;
	update_irq(vp);
}

/*
 * The driver broke the protocol: the device stops until reset and, once the
 * driver is running, says so with a configuration-change interrupt (2.1.2).
 */
void virtio_pci_error(struct virtio_pci *vp, const char *why)
{
	if (!(vp->status & VIRTIO_STATUS_NEEDS_RESET) && vp->cfg.log)
		vp->cfg.log(vp->cfg.log_ctx, vp->cfg.name, why);
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	config_interrupt(vp);
}

/* A new generation, so that a driver reading several fields across the
 * change reads them again (4.1.4.3.1), and the interrupt (2.4.2). */
void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->config_gen++;
	config_interrupt(vp);
}

void virtio_pci_used(struct virtio_pci *vp, unsigned q)
{
	int want = virtq_notify(&vp->q[q]);

	if (want < 0) {
		virtio_pci_error(vp, vp->q[q].error);
		return;
	}
	if (want)
		vp->isr |= VIRTIO_PCI_ISR_QUEUE;
	update_irq(vp);
}

bool virtio_pci_enter(struct virtio_pci *vp)
{
	if (vp->busy)
		return false;
	vp->busy = true;
	return true;
}

void virtio_pci_leave(struct virtio_pci *vp)
{
	vp->busy = false;
}

/* Tells the device that queue q may hold buffers, if it runs. */
static void notify(struct virtio_pci *vp, unsigned q)
{
	if (virtio_pci_queue(vp, q) && vp->cfg.ops->notify)
		vp->cfg.ops->notify(vp->cfg.dev, q);
}

/* ------------------------------------------------------------ reset and set-up */

/* Back to the power-on state, the wiring kept; the INTx line drops. */
static void transport_reset(struct virtio_pci *vp)
{
	for (unsigned i = 0; i < VIRTIO_PCI_MAX_QUEUES; i++) {
		virtq_reset(&vp->q[i]);
		vp->q[i].size = i < vp->cfg.queues ? vp->cfg.queue_max : 0;
	}
	vp->driver_features = 0;
	vp->driver_features_extra = false;
	vp->dfselect = vp->gfselect = 0;
	vp->qselect = 0;
	vp->status = 0;
	vp->isr = 0;
	update_irq(vp);
}

bool virtio_pci_init(struct virtio_pci *vp, struct pci *pci, const struct virtio_pci_config *cfg)
{
	uint32_t max = cfg->queue_max;

	__builtin_memset(vp, 0, sizeof(*vp));
	if (!cfg->ops || !cfg->queues || cfg->queues > VIRTIO_PCI_MAX_QUEUES || !max || max > VIRTQ_MAX_SIZE ||
	    (max & (max - 1)) || cfg->config_size > VIRTIO_PCI_CONFIG_MAX)
		return false;
	struct pci_function_desc d = {
		.device = cfg->slot, .function = 0, .vendor_id = VIRTIO_PCI_VENDOR,
		.device_id = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + cfg->device_type), .class_code = cfg->class_code,
		.revision = VIRTIO_PCI_REVISION, .subsystem_vendor_id = VIRTIO_PCI_VENDOR,
		.subsystem_id = VIRTIO_PCI_SUBSYSTEM_ID, .interrupt_pin = 1,
		.bar = { [0] = { .type = PCI_BAR_MEM32, .size = VIRTIO_PCI_BAR_SIZE } },
		.changed = cfg->bar_changed, .ctx = cfg->bar_ctx,
	};
	vp->cfg = *cfg;
	vp->cfg.ram = NULL;
	vp->cfg.irq = NULL;
	if (cfg->ram)
		vp->ram = *cfg->ram;
	if (cfg->irq)
		vp->irq = *cfg->irq;
	vp->device_features = cfg->features | VIRTIO_PCI_FEATURES;
	vp->fn = pci_add_function(pci, &d);
	if (!vp->fn)
		return false;
	add_cap(vp->fn, CFG_COMMON, VIRTIO_PCI_COMMON, VIRTIO_PCI_COMMON_END, false);
	add_cap(vp->fn, CFG_NOTIFY, VIRTIO_PCI_NOTIFY, VIRTIO_PCI_NOTIFY_MULT * cfg->queues, true);
	add_cap(vp->fn, CFG_ISR, VIRTIO_PCI_ISR, 1, false);
	add_cap(vp->fn, CFG_DEVICE, VIRTIO_PCI_DEVICE_CFG, cfg->config_size, false);
	/* What firmware leaves: the BAR placed and decoded, the interrupt line routed. */
	pci_config_set(vp->fn, PCI_BASE_ADDRESS_0, 4, (uint32_t)cfg->bar_base);
	pci_config_set(vp->fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_config_set(vp->fn, PCI_INTERRUPT_LINE, 1, cfg->irq_line);
	transport_reset(vp);
	return true;
}

uint64_t virtio_pci_bar(const struct virtio_pci *vp)
{
	return pci_bar_enabled(vp->fn, 0) ? pci_bar_base(vp->fn, 0) : 0;
}

/* ------------------------------------------------------------ the driver's writes */

/*
 * FEATURES_OK is accepted only for a subset of what was offered that
 * includes VERSION_1: there is no legacy interface to fall back on.
 */
static bool features_acceptable(const struct virtio_pci *vp)
{
	return !vp->driver_features_extra && !(vp->driver_features & ~vp->device_features) &&
	       (vp->driver_features & (1ull << VIRTIO_F_VERSION_1));
}

/* The driver's status write: bits only accumulate (2.1.1), 0 resets. */
static void write_status(struct virtio_pci *vp, uint8_t value)
{
	if (!value) {
		transport_reset(vp);
		if (vp->cfg.ops->reset)
			vp->cfg.ops->reset(vp->cfg.dev);
		return;
	}
	uint8_t add = value & DRIVER_STATUS & (uint8_t)~vp->status;
	if ((add & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vp))
		add &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	vp->status |= add;
	if (!(add & VIRTIO_STATUS_DRIVER_OK))
		return;
	/* An error found before DRIVER_OK is reported now that a driver listens. */
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET) {
		vp->isr |= VIRTIO_PCI_ISR_CONFIG;
		update_irq(vp);
	}
	/* Buffers the driver queued before DRIVER_OK may be used from now on. */
	for (unsigned q = 0; q < vp->cfg.queues; q++)
		notify(vp, q);
}

/* queue_enable: a valid layout starts the queue, an invalid one needs a reset. */
static void enable_queue(struct virtio_pci *vp, struct virtq *q)
{
	if (q->ready)
		return;
	if (!virtq_start(q, &vp->ram, vp->driver_features, vp->cfg.queue_max))
		virtio_pci_error(vp, q->error);
}

static void set_half(uint64_t *reg, bool high, uint32_t value)
{
	if (high)
		*reg = (*reg & 0xffffffffull) | (uint64_t)value << 32;
	else
		*reg = (*reg & ~0xffffffffull) | value;
}

/*
 * The field of the common configuration an access at off of size bytes
 * is, or -1: each field takes its own width, and the 64-bit ring
 * addresses also their 32-bit halves (*high says which).
 */
static int common_field(uint64_t off, unsigned size, bool *high)
{
	static const uint8_t width[VIRTIO_PCI_COMMON_END] = {
		[VIRTIO_PCI_DFSELECT] = 4, [VIRTIO_PCI_DF] = 4, [VIRTIO_PCI_GFSELECT] = 4, [VIRTIO_PCI_GF] = 4,
		[VIRTIO_PCI_MSIX] = 2, [VIRTIO_PCI_NUMQ] = 2, [VIRTIO_PCI_STATUS] = 1, [VIRTIO_PCI_CFGGEN] = 1,
		[VIRTIO_PCI_QSELECT] = 2, [VIRTIO_PCI_QSIZE] = 2, [VIRTIO_PCI_QMSIX] = 2, [VIRTIO_PCI_QENABLE] = 2,
		[VIRTIO_PCI_QNOFF] = 2, [VIRTIO_PCI_QDESC] = 8, [VIRTIO_PCI_QDRIVER] = 8, [VIRTIO_PCI_QDEVICE] = 8,
	};

	*high = false;
	if (off >= VIRTIO_PCI_COMMON_END)
		return -1;
	if (off >= VIRTIO_PCI_QDESC && size == 4 && off % 8 == 4) {
		*high = true;
		return (int)(off - 4);
	}
	if (width[off] == 8)
		return size == 8 || size == 4 ? (int)off : -1;
	return width[off] && width[off] == size ? (int)off : -1;
}

/* The selected queue's address field at off (QDESC, QDRIVER or QDEVICE). */
static uint64_t *ring_address(struct virtq *q, int off)
{
	return off == VIRTIO_PCI_QDESC ? &q->desc : off == VIRTIO_PCI_QDRIVER ? &q->avail : &q->used;
}

static struct virtq *selected(struct virtio_pci *vp)
{
	return vp->qselect < vp->cfg.queues ? &vp->q[vp->qselect] : NULL;
}

static uint64_t common_read(struct virtio_pci *vp, uint64_t off, unsigned size)
{
	struct virtq *q = selected(vp);
	bool high;
	int field = common_field(off, size, &high);

	switch (field) {
	case VIRTIO_PCI_DFSELECT: return vp->dfselect;
	case VIRTIO_PCI_DF:
		return vp->dfselect < FEATURE_WORDS ? (uint32_t)(vp->device_features >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_GFSELECT: return vp->gfselect;
	case VIRTIO_PCI_GF:
		return vp->gfselect < FEATURE_WORDS ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_PCI_MSIX: case VIRTIO_PCI_QMSIX: return VIRTIO_PCI_NO_VECTOR;
	case VIRTIO_PCI_NUMQ: return vp->cfg.queues;
	case VIRTIO_PCI_STATUS: return vp->status;
	case VIRTIO_PCI_CFGGEN: return vp->config_gen;
	case VIRTIO_PCI_QSELECT: return vp->qselect;
	case VIRTIO_PCI_QSIZE: return q ? q->size : 0;
	case VIRTIO_PCI_QENABLE: return q && q->ready;
	case VIRTIO_PCI_QNOFF: return q ? vp->qselect : 0;
	case VIRTIO_PCI_QDESC: case VIRTIO_PCI_QDRIVER: case VIRTIO_PCI_QDEVICE: {
		uint64_t a = q ? *ring_address(q, field) : 0;
		return size == 8 ? a : high ? a >> 32 : (uint32_t)a;
	}
	default: return 0;
	}
}

static void common_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t val)
{
	struct virtq *q = selected(vp);
	bool high;
	int field = common_field(off, size, &high);

	switch (field) {
	case VIRTIO_PCI_DFSELECT: vp->dfselect = (uint32_t)val; break;
	case VIRTIO_PCI_GFSELECT: vp->gfselect = (uint32_t)val; break;
	case VIRTIO_PCI_GF:
		if (vp->status & VIRTIO_STATUS_FEATURES_OK)
			break;                                 /* negotiation is over */
		if (vp->gfselect < FEATURE_WORDS)
			set_half(&vp->driver_features, vp->gfselect == 1, (uint32_t)val);
		else if ((uint32_t)val)
			vp->driver_features_extra = true;      /* bits beyond 63: never offered */
		break;
	case VIRTIO_PCI_STATUS: write_status(vp, (uint8_t)val); break;
	case VIRTIO_PCI_QSELECT: vp->qselect = (uint16_t)val; break;
	case VIRTIO_PCI_QSIZE:
		if (q && !q->ready)
			q->size = (uint16_t)val;
		break;
	case VIRTIO_PCI_QENABLE:
		if (q && (val & 1))
			enable_queue(vp, q);               /* (0 cannot disable it: only a reset) */
		break;
	case VIRTIO_PCI_QDESC: case VIRTIO_PCI_QDRIVER: case VIRTIO_PCI_QDEVICE:
		if (!q || q->ready)
			break;
		if (size == 8)
			*ring_address(q, field) = val;
		else
			set_half(ring_address(q, field), high, (uint32_t)val);
		break;
	default: break;                                    /* read only, MSI-X, or no field */
	}
}

/* A device configuration access, if it lies within it, naturally aligned. */
static bool config_access(const struct virtio_pci *vp, uint64_t off, unsigned size, unsigned *at)
{
	if (off < VIRTIO_PCI_DEVICE_CFG || off - VIRTIO_PCI_DEVICE_CFG >= vp->cfg.config_size)
		return false;
	*at = (unsigned)(off - VIRTIO_PCI_DEVICE_CFG);
	return (size == 1 || size == 2 || size == 4) && *at % size == 0 && *at + size <= vp->cfg.config_size;
}

uint64_t virtio_pci_read(struct virtio_pci *vp, uint64_t off, unsigned size, vdev_time_t now)
{
	unsigned at;

	(void)now;
	if (off < VIRTIO_PCI_COMMON_END)
		return common_read(vp, off, size);
	if (off == VIRTIO_PCI_ISR) {
		/* Reading the ISR acknowledges it and lowers INTx (4.1.4.5). */
		uint8_t isr = vp->isr;
		vp->isr = 0;
		update_irq(vp);
		return isr;
	}
	if (config_access(vp, off, size, &at))
		return vp->cfg.ops->config_read ? vp->cfg.ops->config_read(vp->cfg.dev, at, size) : 0;
	return 0;
}

void virtio_pci_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t value, vdev_time_t now)
{
	unsigned at;

	(void)now;
	if (vp->busy)
		return;                                    /* from inside a device callback */
	if (off < VIRTIO_PCI_COMMON_END) {
		common_write(vp, off, size, value);
	} else if (off >= VIRTIO_PCI_NOTIFY && off < VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * vp->cfg.queues) {
		/* Without NOTIFICATION_DATA the value is just the queue's index. */
		notify(vp, (unsigned)(off - VIRTIO_PCI_NOTIFY) / VIRTIO_PCI_NOTIFY_MULT);
	} else if (config_access(vp, off, size, &at) && vp->cfg.ops->config_write) {
		vp->cfg.ops->config_write(vp->cfg.dev, at, size, (uint32_t)value);
	}
}
