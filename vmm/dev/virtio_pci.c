/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio console on the modern virtio-pci transport (see virtio_pci.h). */
#include "virtio_pci.h"

#define PCI_CAP_VENDOR 0x09          /* vendor-specific capability */
#define CFG_COMMON 1                 /* virtio_pci_cap.cfg_type values */
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4

/* Common configuration offsets (virtio 1.1, 4.1.4.3). */
enum {
	CC_DFSELECT = 0x00, CC_DF = 0x04, CC_GFSELECT = 0x08, CC_GF = 0x0c, CC_MSIX = 0x10,
	CC_NUMQ = 0x12, CC_STATUS = 0x14, CC_CFGGEN = 0x15, CC_QSELECT = 0x16, CC_QSIZE = 0x18,
	CC_QMSIX = 0x1a, CC_QENABLE = 0x1c, CC_QNOFF = 0x1e, CC_QDESC = 0x20, CC_QDRIVER = 0x28,
	CC_QDEVICE = 0x30, CC_END = 0x38,
};

/* The virtio-mmio low registers of each 64-bit queue address. */
static const unsigned qaddr_reg[3] = {
	VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DEVICE_LOW,
};

static void add_cap(struct pci_function *f, uint8_t type, uint32_t offset, uint32_t length, bool notify)
{
	uint8_t body[18] = { 0 };
	unsigned len = notify ? 18 : 14;

	body[0] = (uint8_t)(len + 2);        /* cap_len counts id and next too */
	body[1] = type;
	body[2] = 0;                         /* BAR 0 */
	for (unsigned i = 0; i < 4; i++) {
		body[6 + i] = (uint8_t)(offset >> (8 * i));
		body[10 + i] = (uint8_t)(length >> (8 * i));
		if (notify)
			body[14 + i] = (uint8_t)(VPCI_NOTIFY_MULT >> (8 * i));
	}
	pci_add_capability(f, PCI_CAP_VENDOR, body, len);
}

bool vpci_console_init(struct vpci_console *v, struct pci *pci, unsigned slot, uint64_t bar_base,
		       unsigned irq_line, const struct vcon_guest_ram *ram, const struct vdev_irq *irq,
		       const struct vcon_host *host)
{
	struct pci_function_desc d = {
		.device = slot, .function = 0, .vendor_id = VPCI_VENDOR, .device_id = VPCI_DEVICE_CONSOLE,
		.class_code = VPCI_CLASS_OTHER_COMM, .revision = 1, .subsystem_vendor_id = VPCI_VENDOR,
		.subsystem_id = 0x40, .interrupt_pin = 1,
		.bar = { [0] = { .type = PCI_BAR_MEM32, .size = VPCI_BAR_SIZE } },
	};

	__builtin_memset(v, 0, sizeof(*v));
	vcon_init(&v->con, ram, irq, irq_line, host);
	v->fn = pci_add_function(pci, &d);
	if (!v->fn)
		return false;
	add_cap(v->fn, CFG_COMMON, VPCI_COMMON, CC_END, false);
	add_cap(v->fn, CFG_NOTIFY, VPCI_NOTIFY, VPCI_NOTIFY_MULT * VPCI_QUEUES, true);
	add_cap(v->fn, CFG_ISR, VPCI_ISR, 1, false);
	add_cap(v->fn, CFG_DEVICE, VPCI_DEVICE_CFG, VCON_CFG_SIZE, false);
	/* What firmware leaves: the BAR placed and decoded, the interrupt line routed. */
	pci_config_set(v->fn, 0x10, 4, (uint32_t)bar_base);
	pci_config_set(v->fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_config_set(v->fn, PCI_INTERRUPT_LINE, 1, irq_line);
	for (unsigned q = 0; q < VPCI_QUEUES; q++)
		v->qsize[q] = 256;
	return true;
}

/* Offset of gpa in the BAR, if the BAR decodes it. */
static bool in_bar(const struct vpci_console *v, uint64_t gpa, unsigned size, uint32_t *off)
{
	uint64_t base = pci_bar_base(v->fn, 0);

	if (!pci_bar_enabled(v->fn, 0) || gpa < base || gpa - base >= VPCI_BAR_SIZE ||
	    size > VPCI_BAR_SIZE - (gpa - base))
		return false;
	*off = (uint32_t)(gpa - base);
	return true;
}

static uint64_t common_read(struct vpci_console *v, uint32_t off, unsigned size, vdev_time_t now)
{
	struct vcon *c = &v->con;
	unsigned q = v->qsel < VPCI_QUEUES ? v->qsel : 0;

	switch (off) {
	case CC_DFSELECT: return v->dfsel;
	case CC_DF:
		vcon_write(c, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, v->dfsel, now);
		return vcon_read(c, VIRTIO_MMIO_DEVICE_FEATURES, 4, now);
	case CC_GFSELECT: return v->drfsel;
	case CC_GF: return v->drfsel < 2 ? v->drf[v->drfsel] : 0;
	case CC_MSIX: case CC_QMSIX: return VPCI_NO_VECTOR;
	case CC_NUMQ: return VPCI_QUEUES;
	case CC_STATUS: return vcon_read(c, VIRTIO_MMIO_STATUS, 4, now) & 0xff;
	case CC_CFGGEN: return vcon_read(c, VIRTIO_MMIO_CONFIG_GENERATION, 4, now) & 0xff;
	case CC_QSELECT: return v->qsel;
	case CC_QSIZE: return v->qsel < VPCI_QUEUES ? v->qsize[q] : 0;
	case CC_QENABLE:
		vcon_write(c, VIRTIO_MMIO_QUEUE_SEL, 4, v->qsel, now);
		return vcon_read(c, VIRTIO_MMIO_QUEUE_READY, 4, now);
	case CC_QNOFF: return v->qsel;
	case CC_QDESC: case CC_QDESC + 4: case CC_QDRIVER: case CC_QDRIVER + 4:
	case CC_QDEVICE: case CC_QDEVICE + 4: {
		uint64_t a = v->qaddr[q][(off - CC_QDESC) / 8];
		return size == 8 ? a : (off & 4 ? a >> 32 : (uint32_t)a);
	}
	default: return 0;
	}
}

static void common_write(struct vpci_console *v, uint32_t off, unsigned size, uint64_t val, vdev_time_t now)
{
	struct vcon *c = &v->con;
	unsigned q = v->qsel < VPCI_QUEUES ? v->qsel : 0;

	switch (off) {
	case CC_DFSELECT: v->dfsel = (uint32_t)val; break;
	case CC_GFSELECT: v->drfsel = (uint32_t)val; break;
	case CC_GF:
		if (v->drfsel < 2)
			v->drf[v->drfsel] = (uint32_t)val;
		vcon_write(c, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, v->drfsel, now);
		vcon_write(c, VIRTIO_MMIO_DRIVER_FEATURES, 4, (uint32_t)val, now);
		break;
	case CC_STATUS:
		if ((val & 0xff) == 0) {          /* reset: this layer too */
			v->dfsel = v->drfsel = 0;
			v->drf[0] = v->drf[1] = 0;
			for (unsigned i = 0; i < VPCI_QUEUES; i++) {
				v->qsize[i] = 256;
				v->qaddr[i][0] = v->qaddr[i][1] = v->qaddr[i][2] = 0;
			}
		}
		vcon_write(c, VIRTIO_MMIO_STATUS, 4, val & 0xff, now);
		break;
	case CC_QSELECT: v->qsel = (uint16_t)val; break;
	case CC_QSIZE:
		if (v->qsel < VPCI_QUEUES)
			v->qsize[q] = (uint16_t)val;
		break;
	case CC_QENABLE:
		if (v->qsel >= VPCI_QUEUES || !(val & 1))
			break;
		/* The queue's whole layout goes to the core, then it is made ready. */
		vcon_write(c, VIRTIO_MMIO_QUEUE_SEL, 4, q, now);
		vcon_write(c, VIRTIO_MMIO_QUEUE_NUM, 4, v->qsize[q], now);
		for (unsigned i = 0; i < 3; i++) {
			vcon_write(c, qaddr_reg[i], 4, (uint32_t)v->qaddr[q][i], now);
			vcon_write(c, qaddr_reg[i] + 4, 4, v->qaddr[q][i] >> 32, now);
		}
		vcon_write(c, VIRTIO_MMIO_QUEUE_READY, 4, 1, now);
		break;
	case CC_QDESC: case CC_QDESC + 4: case CC_QDRIVER: case CC_QDRIVER + 4:
	case CC_QDEVICE: case CC_QDEVICE + 4: {
		if (v->qsel >= VPCI_QUEUES)
			break;
		uint64_t *a = &v->qaddr[q][(off - CC_QDESC) / 8];
		if (size == 8)
			*a = val;
		else if (off & 4)
			*a = (*a & 0xffffffffull) | (uint64_t)(uint32_t)val << 32;
		else
			*a = (*a & ~0xffffffffull) | (uint32_t)val;
		break;
	}
	default: break;                            /* read-only or MSI-X: ignored */
	}
}

bool vpci_console_read(struct vpci_console *v, uint64_t gpa, unsigned size, uint64_t *value,
		       vdev_time_t now)
{
	uint32_t off;

	if (!in_bar(v, gpa, size, &off))
		return false;
	*value = 0;
	if (off < CC_END) {
		*value = common_read(v, off, size, now);
	} else if (off == VPCI_ISR) {
		/* Reading ISR status acknowledges it (and lowers INTx). */
		uint64_t isr = vcon_read(&v->con, VIRTIO_MMIO_INTERRUPT_STATUS, 4, now) & 3;
		if (isr)
			vcon_write(&v->con, VIRTIO_MMIO_INTERRUPT_ACK, 4, isr, now);
		*value = isr;
	} else if (off >= VPCI_DEVICE_CFG && off < VPCI_DEVICE_CFG + VCON_CFG_SIZE) {
		*value = vcon_read(&v->con, VIRTIO_MMIO_CONFIG + (off - VPCI_DEVICE_CFG), size, now);
	}
	return true;
}

bool vpci_console_write(struct vpci_console *v, uint64_t gpa, unsigned size, uint64_t value,
			vdev_time_t now)
{
	uint32_t off;

	if (!in_bar(v, gpa, size, &off))
		return false;
	if (off < CC_END)
		common_write(v, off, size, value, now);
	else if (off >= VPCI_NOTIFY && off < VPCI_NOTIFY + VPCI_NOTIFY_MULT * VPCI_QUEUES)
		vcon_write(&v->con, VIRTIO_MMIO_QUEUE_NOTIFY, 4, (off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT, now);
	return true;
}
