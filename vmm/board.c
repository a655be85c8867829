/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual PC (see board.h). */
#include "board.h"

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT  0xa0
#define PIC_ELCR     0x4d0
#define PIT_PORTS    0x40
#define PORT_B       0x61
#define KBC_DATA     0x60
#define KBC_CMD      0x64
#define RTC_PORTS    0x70
#define PCI_PORTS    0xcf8
#define POST_PORT    0x80
#define ISA_TO_GSI0  2         /* ISA IRQ 0 arrives at I/O APIC pin 2 (the usual override) */
#define LAPIC_BUS_HZ 100000000ull   /* the local APIC timer's input clock */
#define LAPIC_SVR_OFFSET   0xf0     /* spurious-interrupt vector register */
#define LAPIC_SVR_ON       0x1ff    /* software enabled, spurious vector 0xff */
#define LAPIC_LINT0_OFFSET 0x350
#define LAPIC_LINT1_OFFSET 0x360
#define LAPIC_DM_EXTINT    0x700    /* delivery mode ExtINT, unmasked */
#define LAPIC_DM_NMI       0x400    /* delivery mode NMI, unmasked */

/* An ISA line: to the 8259 pair, and to the I/O APIC pin of that number
 * (IRQ 0 to pin 2, as PC firmware describes it). */
static void isa_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	pic_set_irq(&b->pic, line, level);
	ioapic_set_irq(&b->ioapic, line == 0 ? ISA_TO_GSI0 : line, level);
}

/* An I/O APIC message: to our one local APIC if it is addressed. */
static void ioapic_deliver(void *ctx, uint32_t dest, unsigned dest_mode, unsigned delivery_mode,
			   uint8_t vector, bool level)
{
	struct board *b = ctx;

	(void)dest, (void)dest_mode;
	if (delivery_mode == 0 || delivery_mode == 1)     /* fixed, lowest priority */
		lapic_accept_irq(&b->lapic, vector, level);
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
	ioapic_eoi(&((struct board *)ctx)->ioapic, vector);
}

static void lapic_ipi(void *ctx, uint64_t icr)
{
	(void)ctx, (void)icr;      /* one vCPU: no one else to reach */
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct board *b = ctx;

	if (b->console)
		b->console(b->ctx, byte);
}

static void kbc_reset(void *ctx)
{
	struct board *b = ctx;

	if (b->reset)
		b->reset(b->ctx);
}

static void debug_exit(void *ctx, uint64_t code)
{
	struct board *b = ctx;

	if (b->exit)
		b->exit(b->ctx, code);
}

void board_init(struct board *b, const struct board_config *cfg, vdev_time_t now)
{
	*b = (struct board){ .console = cfg->console, .reset = cfg->reset, .exit = cfg->exit, .ctx = cfg->ctx };
	b->irq = (struct vdev_irq){ .set = isa_irq, .ctx = b };
	pic_init(&b->pic);
	pit_init(&b->pit, &b->irq, 0, now);
	uart_init(&b->uart, &b->irq, BOARD_COM1_IRQ, uart_tx, b);
	rtc_init(&b->rtc, &b->irq, 8, now, cfg->unix_time);
	i8042_init(&b->kbc, &b->irq, kbc_reset, b);
	debugport_init(&b->debug, debug_exit, uart_tx, b);
	pci_init(&b->pci);
	ioapic_init(&b->ioapic, ioapic_deliver, b);
	struct lapic_config lc = {
		.apic_id = 0, .bsp = true, .bus_hz = LAPIC_BUS_HZ, .tsc_hz = cfg->tsc_hz,
		.tsc_offset = cfg->tsc_at_0,
		.phys_bits = 39, .eoi = lapic_eoi, .ipi = lapic_ipi, .ctx = b,
	};
	lapic_init(&b->lapic, &lc);
	if (cfg->ram.read && cfg->virtio_tx) {
		struct vcon_host host = { .tx = cfg->virtio_tx, .ctx = cfg->ctx };
		b->has_virtio = vpci_console_init(&b->virtio, &b->pci, BOARD_VIRTIO_SLOT, BOARD_VIRTIO_BAR,
						  BOARD_VIRTIO_IRQ, &cfg->ram, &b->irq, &host);
	}
	/* What PC firmware leaves: the local APIC on, in virtual-wire mode (the
	 * 8259's INTR through LINT0 as ExtINT, NMI on LINT1). */
	lapic_mmio_write(&b->lapic, LAPIC_SVR_OFFSET, 4, LAPIC_SVR_ON, now);
	lapic_mmio_write(&b->lapic, LAPIC_LINT0_OFFSET, 4, LAPIC_DM_EXTINT, now);
	lapic_mmio_write(&b->lapic, LAPIC_LINT1_OFFSET, 4, LAPIC_DM_NMI, now);
}

size_t board_input(struct board *b, const uint8_t *buf, size_t n, bool virtio, vdev_time_t now)
{
	board_advance(b, now);
	if (virtio)
		return b->has_virtio ? vcon_receive(&b->virtio.con, buf, n) : 0;
	return uart_receive(&b->uart, buf, n);
}

/* Which device a port belongs to (statistics, and the first step of decoding it). */
static enum board_port_kind port_kind(unsigned port)
{
	if (port - BOARD_COM1 < 8)
		return BOARD_PORT_UART;
	if (port - PIC_MASTER_PORT < 2 || port - PIC_SLAVE_PORT < 2 || port - PIC_ELCR < 2)
		return BOARD_PORT_PIC;
	if (port - PIT_PORTS < 4 || port == PORT_B)
		return BOARD_PORT_PIT;
	if (port - RTC_PORTS < 2)
		return BOARD_PORT_RTC;
	if (port - PCI_PORTS < 8)
		return BOARD_PORT_PCI;
	if (port == KBC_DATA || port == KBC_CMD || port == BOARD_EXIT_PORT || port == BOARD_E9_PORT ||
	    port == POST_PORT)
		return BOARD_PORT_OTHER;
	return BOARD_PORT_NONE;
}

/* The 8259 (0 master, 1 slave) of a PIC port, and its register. */
static unsigned pic_of(unsigned port)
{
	return port - PIC_SLAVE_PORT < 2;
}

uint64_t board_in(struct board *b, unsigned port, unsigned size, vdev_time_t now)
{
	enum board_port_kind kind = port_kind(port);

	board_advance(b, now);
	b->port_accesses[kind]++;
	switch (kind) {
	case BOARD_PORT_UART:
		return uart_read(&b->uart, port - BOARD_COM1, size, now);
	case BOARD_PORT_PIC:
		if (port - PIC_ELCR < 2)
			return pic_elcr_read(&b->pic, port - PIC_ELCR, size, now);
		return pic_read(&b->pic, pic_of(port), port & 1, size, now);
	case BOARD_PORT_PIT:
		return port == PORT_B ? pit_port61_read(&b->pit, 0, size, now) :
					pit_read(&b->pit, port - PIT_PORTS, size, now);
	case BOARD_PORT_RTC:
		return rtc_read(&b->rtc, port - RTC_PORTS, size, now);
	case BOARD_PORT_PCI:
		return pci_io_read(&b->pci, port - PCI_PORTS, size, now);
	case BOARD_PORT_OTHER:
		if (port == KBC_DATA || port == KBC_CMD)
			return i8042_read(&b->kbc, port - KBC_DATA, size, now);
		if (port == BOARD_EXIT_PORT)
			return debugport_exit_read(&b->debug, 0, size, now);
		if (port == BOARD_E9_PORT)
			return debugport_con_read(&b->debug, 0, size, now);
		break;                                   /* POST codes read as all ones */
	default:
		break;
	}
	return vdev_open_bus(size);
}

void board_out(struct board *b, unsigned port, unsigned size, uint64_t value, vdev_time_t now)
{
	enum board_port_kind kind = port_kind(port);

	board_advance(b, now);
	b->port_accesses[kind]++;
	switch (kind) {
	case BOARD_PORT_UART:
		uart_write(&b->uart, port - BOARD_COM1, size, value, now);
		break;
	case BOARD_PORT_PIC:
		if (port - PIC_ELCR < 2)
			pic_elcr_write(&b->pic, port - PIC_ELCR, size, value, now);
		else
			pic_write(&b->pic, pic_of(port), port & 1, size, value, now);
		break;
	case BOARD_PORT_PIT:
		if (port == PORT_B)
			pit_port61_write(&b->pit, 0, size, value, now);
		else
			pit_write(&b->pit, port - PIT_PORTS, size, value, now);
		break;
	case BOARD_PORT_RTC:
		rtc_write(&b->rtc, port - RTC_PORTS, size, value, now);
		break;
	case BOARD_PORT_PCI:
		pci_io_write(&b->pci, port - PCI_PORTS, size, value, now);
		break;
	case BOARD_PORT_OTHER:
		if (port == KBC_DATA || port == KBC_CMD)
			i8042_write(&b->kbc, port - KBC_DATA, size, value, now);
		else if (port == BOARD_EXIT_PORT)
			debugport_exit_write(&b->debug, 0, size, value, now);
		else if (port == BOARD_E9_PORT)
			debugport_con_write(&b->debug, 0, size, value, now);
		break;                                   /* POST codes: ignored */
	default:
		break;
	}
}

bool board_mmio_read(struct board *b, uint64_t gpa, unsigned size, uint64_t *value, vdev_time_t now)
{
	uint64_t lapic = lapic_mmio_base(&b->lapic);

	board_advance(b, now);
	if (gpa - lapic < 0x1000 && lapic_mmio_enabled(&b->lapic)) {
		*value = lapic_mmio_read(&b->lapic, gpa - lapic, size, now);
		return true;
	}
	if (b->has_virtio && vpci_console_read(&b->virtio, gpa, size, value, now))
		return true;
	if (gpa - IOAPIC_DEFAULT_BASE < IOAPIC_MMIO_SIZE) {
		*value = ioapic_mmio_read(&b->ioapic, gpa - IOAPIC_DEFAULT_BASE, size, now);
		return true;
	}
	*value = vdev_open_bus(size);
	return false;
}

bool board_mmio_write(struct board *b, uint64_t gpa, unsigned size, uint64_t value, vdev_time_t now)
{
	uint64_t lapic = lapic_mmio_base(&b->lapic);

	board_advance(b, now);
	if (gpa - lapic < 0x1000 && lapic_mmio_enabled(&b->lapic)) {
		lapic_mmio_write(&b->lapic, gpa - lapic, size, value, now);
		return true;
	}
	if (b->has_virtio && vpci_console_write(&b->virtio, gpa, size, value, now))
		return true;
	if (gpa - IOAPIC_DEFAULT_BASE < IOAPIC_MMIO_SIZE) {
		ioapic_mmio_write(&b->ioapic, gpa - IOAPIC_DEFAULT_BASE, size, value, now);
		return true;
	}
	return false;
}

static bool lapic_msr(uint32_t msr)
{
	return msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);  /* APIC base, TSC deadline, x2APIC */
}

bool board_msr_read(struct board *b, uint32_t msr, uint64_t *value, bool *handled, vdev_time_t now)
{
	*handled = lapic_msr(msr);
	if (!*handled)
		return false;
	board_advance(b, now);
	return lapic_msr_read(&b->lapic, msr, value, now);
}

bool board_msr_write(struct board *b, uint32_t msr, uint64_t value, bool *handled, vdev_time_t now)
{
	*handled = lapic_msr(msr);
	if (!*handled)
		return false;
	board_advance(b, now);
	return lapic_msr_write(&b->lapic, msr, value, now);
}

void board_advance(struct board *b, vdev_time_t now)
{
	pit_advance(&b->pit, now);
	rtc_advance(&b->rtc, now);
	lapic_advance(&b->lapic, now);
}

vdev_time_t board_next_event(const struct board *b)
{
	vdev_time_t t = pit_next_event(&b->pit), r = rtc_next_event(&b->rtc), l = lapic_next_event(&b->lapic);

	if (r < t)
		t = r;
	return l < t ? l : t;
}

void board_set_cr8(struct board *b, uint64_t cr8)
{
	if ((b->lapic.tpr >> 4) != (cr8 & 15))             /* (keeps a TPR's low bits) */
		b->lapic.tpr = (uint32_t)(cr8 & 15) << 4;
}

unsigned board_cr8(const struct board *b)
{
	return b->lapic.tpr >> 4;
}

unsigned board_tpr_threshold(const struct board *b)
{
	int v = lapic_requested_vector(&b->lapic);

	if (v < 0 || lapic_pending_vector(&b->lapic) >= 0 || b->lapic.vid)
		return 0;                  /* (with virtual-interrupt delivery the CPU holds it back) */
	unsigned class = (unsigned)v >> 4, cr8 = board_cr8(b);
	return class < cr8 ? class : cr8;
}

int board_pending(const struct board *b)
{
	int v = lapic_pending_vector(&b->lapic);

	if (v >= 0)
		return v;
	return lapic_accepts_pic_intr(&b->lapic) ? pic_pending_vector(&b->pic) : -1;
}

int board_ack(struct board *b)
{
	int v = lapic_pending_vector(&b->lapic);

	if (v >= 0) {
		lapic_ack(&b->lapic, (uint8_t)v);
		return v;
	}
	return lapic_accepts_pic_intr(&b->lapic) ? pic_ack(&b->pic) : -1;
}
