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
#define COM_PORTS    8         /* a 16550's eight registers */
#define ISA_TO_GSI0  2         /* ISA IRQ 0 arrives at I/O APIC pin 2 (the usual override) */
#define LAPIC_BUS_HZ 100000000ull   /* the local APIC timer's input clock */
#define LAPIC_SVR_OFFSET   0xf0     /* spurious-interrupt vector register */
#define LAPIC_SVR_ON       0x1ff    /* software enabled, spurious vector 0xff */
#define LAPIC_LINT0_OFFSET 0x350
#define LAPIC_LINT1_OFFSET 0x360
#define LAPIC_DM_EXTINT    0x700    /* delivery mode ExtINT, unmasked */
#define LAPIC_DM_NMI       0x400    /* delivery mode NMI, unmasked */

#define XAPIC_BROADCAST  0xffu          /* the 8-bit destination of every CPU */
#define X2APIC_BROADCAST 0xffffffffu    /* the same, 32 bits */
#define DM_FIXED  0                     /* delivery modes, ICR and I/O APIC entry bits 10:8 */
#define DM_LOWEST 1
#define DM_NMI    4
#define DM_INIT   5
#define DM_SIPI   6

/* An ISA line: to the 8259 pair, and to the I/O APIC pin of that number
 * (IRQ 0 to pin 2, as PC firmware describes it). */
static void isa_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	pic_set_irq(&b->pic, line, level);
	ioapic_set_irq(&b->ioapic, line == 0 ? ISA_TO_GSI0 : line, level);
}

/* ---- interrupt delivery between the APICs */

static unsigned all_cpus(const struct board *b)
{
	return (1u << b->cpus) - 1;
}

/* The CPUs whose local APICs take destination dest (physical or logical). */
static unsigned match_dest(const struct board *b, uint32_t dest, bool logical)
{
	unsigned set = 0;

	for (unsigned i = 0; i < b->cpus; i++)
		if (lapic_match_dest(&b->cpu[i].lapic, dest, logical))
			set |= 1u << i;
	return set;
}

/* Whether a local APIC takes fixed interrupts (hardware and software enabled). */
static bool lapic_on(const struct lapic *l)
{
	return lapic_hw_enabled(l) && (l->svr & LAPIC_SVR_ENABLE);
}

/* Lowest priority: of the CPUs in set whose APICs are on, the one with the
 * lowest task priority class, the lowest number on a tie (0: none on). */
static unsigned lowest_priority(const struct board *b, unsigned set)
{
	unsigned best = BOARD_MAX_CPUS;

	for (unsigned i = 0; i < b->cpus; i++) {
		const struct lapic *l = &b->cpu[i].lapic;

		if (!(set >> i & 1) || !lapic_on(l))
			continue;
		if (best == BOARD_MAX_CPUS || (l->tpr >> 4) < (b->cpu[best].lapic.tpr >> 4))
			best = i;
	}
	return best == BOARD_MAX_CPUS ? 0 : 1u << best;
}

/* An interrupt message (IPI or I/O APIC) to the CPUs in set; whether one took it. */
static bool deliver(struct board *b, unsigned set, unsigned dm, uint8_t vector, bool level)
{
	bool taken = false;

	if (dm == DM_LOWEST)
		set = lowest_priority(b, set);
	for (unsigned i = 0; i < b->cpus; i++) {
		struct board_cpu *c = &b->cpu[i];

		if (!(set >> i & 1))
			continue;
		switch (dm) {
		case DM_FIXED:
		case DM_LOWEST:
			taken |= lapic_accept_irq(&c->lapic, vector, level);   /* (kicked by lapic.accepted) */
			break;
		case DM_NMI:
			c->kick = taken = true;
			if (b->nmi)
				b->nmi(b->ctx, i);
			break;
		case DM_INIT:
			lapic_reset(&c->lapic);
			c->wait_for_sipi = i != 0;            /* the BSP goes on at the reset vector */
			c->kick = taken = true;
			if (b->init)
				b->init(b->ctx, i);
			break;
		case DM_SIPI:
			if (!c->wait_for_sipi)
				break;                            /* running: ignores it */
			c->wait_for_sipi = false;
			c->kick = taken = true;
			if (b->sipi)
				b->sipi(b->ctx, i, vector);
			break;
		default:
			break;                                    /* SMI, reserved: dropped */
		}
	}
	return taken;
}

/* An I/O APIC message: to the local APICs its destination names. */
static bool ioapic_deliver(void *ctx, uint32_t dest, unsigned dest_mode, unsigned delivery_mode,
			   uint8_t vector, bool level)
{
	struct board *b = ctx;

	if (delivery_mode != DM_FIXED && delivery_mode != DM_LOWEST && delivery_mode != DM_NMI &&
	    delivery_mode != DM_INIT)
		return false;                                     /* SMI, ExtINT, reserved */
	if (dest == XAPIC_BROADCAST)
		dest = X2APIC_BROADCAST;                          /* (every CPU in x2APIC mode too) */
	return deliver(b, match_dest(b, dest, dest_mode), delivery_mode, vector, level);
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
	ioapic_eoi(&((struct board_cpu *)ctx)->board->ioapic, vector);
}

/* An IPI a local APIC sends (everything but a fixed one to itself): icr in
 * x2APIC layout, the destination in bits 63:32 (see lapic.h). */
static void lapic_ipi(void *ctx, uint64_t icr)
{
	struct board_cpu *from = ctx;
	struct board *b = from->board;
	uint32_t lo = (uint32_t)icr, dest = (uint32_t)(icr >> 32);
	unsigned dm = (lo & LAPIC_ICR_DM_MASK) >> 8, set;

	if (dm == DM_INIT && (lo & LAPIC_ICR_LEVEL) && !(lo & LAPIC_ICR_ASSERT))
		return;                                           /* INIT level de-assert: nothing */
	switch (lo & LAPIC_ICR_SH_MASK) {
	case LAPIC_ICR_SH_SELF:
		set = 1u << from->index;
		break;
	case LAPIC_ICR_SH_ALL:
		set = all_cpus(b);
		break;
	case LAPIC_ICR_SH_OTHERS:
		set = all_cpus(b) & ~(1u << from->index);
		break;
	default:
		set = match_dest(b, dest, lo & LAPIC_ICR_LOGICAL);
		break;
	}
	for (unsigned i = 0; i < b->cpus; i++)
		if (!lapic_hw_enabled(&b->cpu[i].lapic))
			set &= ~(1u << i);                        /* (no APIC: no IPIs) */
	deliver(b, set, dm, (uint8_t)(lo & LAPIC_ICR_VECTOR), false);   /* IPIs are edge triggered */
}

/*
 * The end of a call on behalf of cpu: kick every other CPU that got an
 * interrupt meanwhile (a fixed one in its IRR, by lapic.accepted; an NMI,
 * INIT or SIPI; CPU 0 a new 8259 vector through LINT0).
 */
static void kicks(struct board *b, unsigned cpu)
{
	if (!b->kick)
		return;
	struct board_cpu *c0 = &b->cpu[0];
	int extint = lapic_accepts_pic_intr(&c0->lapic) ? pic_pending_vector(&b->pic) : -1;
	if (extint >= 0 && extint != b->extint)
		c0->kick = true;
	b->extint = extint;
	for (unsigned i = 0; i < b->cpus; i++) {
		struct board_cpu *c = &b->cpu[i];

		if (c->lapic.accepted != c->accepted) {
			c->accepted = c->lapic.accepted;
			c->kick = true;
		}
		if (c->kick && i != cpu)
			b->kick(b->ctx, i);
		c->kick = false;
	}
}

void board_kick_pending(struct board *b)
{
	kicks(b, BOARD_NO_CPU);
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

/* ---- the devices on the bus */

/*
 * The bus's handlers (bus.h) for a model whose register functions take
 * (model, offset, size, now) and (model, offset, size, value, now);
 * first: the model's offset of the range's first address.
 */
#define BUS_HANDLERS(name, type, rd, wr, first)                                                         \
	static void name##_bus_read(void *dev, uint64_t off, unsigned size, vdev_time_t now, uint64_t *val) \
	{                                                                                               \
		*val = rd((type *)dev, (unsigned)(off + (first)), size, now);                           \
	}                                                                                               \
	static void name##_bus_write(void *dev, uint64_t off, unsigned size, uint64_t val, vdev_time_t now) \
	{                                                                                               \
		wr((type *)dev, (unsigned)(off + (first)), size, val, now);                             \
	}

/* The 8259s: chip 0 (master) and 1 (slave) of one model. */
static uint64_t pic0_read(struct pic *p, unsigned off, unsigned size, vdev_time_t now)
{
	return pic_read(p, 0, off, size, now);
}

static void pic0_write(struct pic *p, unsigned off, unsigned size, uint64_t val, vdev_time_t now)
{
	pic_write(p, 0, off, size, val, now);
}

static uint64_t pic1_read(struct pic *p, unsigned off, unsigned size, vdev_time_t now)
{
	return pic_read(p, 1, off, size, now);
}

static void pic1_write(struct pic *p, unsigned off, unsigned size, uint64_t val, vdev_time_t now)
{
	pic_write(p, 1, off, size, val, now);
}

BUS_HANDLERS(uart, struct uart, uart_read, uart_write, 0)
BUS_HANDLERS(pci, struct pci, pci_io_read, pci_io_write, 0)
BUS_HANDLERS(rtc, struct rtc, rtc_read, rtc_write, 0)
BUS_HANDLERS(pit, struct pit, pit_read, pit_write, 0)
BUS_HANDLERS(port_b, struct pit, pit_port61_read, pit_port61_write, 0)
BUS_HANDLERS(pic0, struct pic, pic0_read, pic0_write, 0)
BUS_HANDLERS(pic1, struct pic, pic1_read, pic1_write, 0)
BUS_HANDLERS(elcr, struct pic, pic_elcr_read, pic_elcr_write, 0)
BUS_HANDLERS(kbc_data, struct i8042, i8042_read, i8042_write, 0)
BUS_HANDLERS(kbc_cmd, struct i8042, i8042_read, i8042_write, KBC_CMD - KBC_DATA)
BUS_HANDLERS(debug_exit, const struct debugport, debugport_exit_read, debugport_exit_write, 0)
BUS_HANDLERS(debug_con, const struct debugport, debugport_con_read, debugport_con_write, 0)
BUS_HANDLERS(ioapic, struct ioapic, ioapic_mmio_read, ioapic_mmio_write, 0)
BUS_HANDLERS(virtio, struct virtio_pci, virtio_pci_read, virtio_pci_write, 0)

#define ON_BUS(sp, at, len, model, name, k)                                                     \
	((struct bus_range){ .space = (sp), .base = (at), .length = (len), .dev = (void *)(model), \
			     .read = name##_bus_read, .write = name##_bus_write, .kind = (k) })

/* The ports and MMIO ranges of board.h: the ports first, the busiest
 * first among them (bus.h says why); of the MMIO ranges the virtio BARs
 * before the I/O APIC. */
static void attach_devices(struct board *b)
{
	const struct bus_range ranges[] = {
		ON_BUS(BUS_PIO, BOARD_COM1, COM_PORTS, &b->uart, uart, BOARD_PORT_UART),
		ON_BUS(BUS_PIO, PCI_PORTS, PCI_IO_SIZE, &b->pci, pci, BOARD_PORT_PCI),
		ON_BUS(BUS_PIO, RTC_PORTS, 2, &b->rtc, rtc, BOARD_PORT_RTC),
		ON_BUS(BUS_PIO, PIC_MASTER_PORT, 2, &b->pic, pic0, BOARD_PORT_PIC),
		ON_BUS(BUS_PIO, PIC_SLAVE_PORT, 2, &b->pic, pic1, BOARD_PORT_PIC),
		ON_BUS(BUS_PIO, PIC_ELCR, 2, &b->pic, elcr, BOARD_PORT_PIC),
		ON_BUS(BUS_PIO, PIT_PORTS, 4, &b->pit, pit, BOARD_PORT_PIT),
		ON_BUS(BUS_PIO, PORT_B, 1, &b->pit, port_b, BOARD_PORT_PIT),
		ON_BUS(BUS_PIO, KBC_DATA, 1, &b->kbc, kbc_data, BOARD_PORT_OTHER),
		ON_BUS(BUS_PIO, KBC_CMD, 1, &b->kbc, kbc_cmd, BOARD_PORT_OTHER),
		ON_BUS(BUS_PIO, BOARD_EXIT_PORT, 1, &b->debug, debug_exit, BOARD_PORT_OTHER),
		ON_BUS(BUS_PIO, BOARD_E9_PORT, 1, &b->debug, debug_con, BOARD_PORT_OTHER),
		/* POST codes and I/O delays: a known port that does nothing. */
		{ .space = BUS_PIO, .base = POST_PORT, .length = 1, .kind = BOARD_PORT_OTHER },
	};

	bus_init(&b->bus);
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		bus_add(&b->bus, &ranges[i]);
	/* (Before the I/O APIC: a BAR the guest puts over it wins, as before.) */
	for (unsigned i = 0; i < b->virtio_fns; i++) {
		struct virtio_pci *vp = b->virtio_fn[i].vp;
		uint64_t bar = virtio_pci_bar(vp);
		b->virtio_fn[i].range = bus_add(&b->bus, &ON_BUS(BUS_MMIO, bar, bar ? VIRTIO_PCI_BAR_SIZE : 0, vp,
								 virtio, 0));
	}
	bus_add(&b->bus, &ON_BUS(BUS_MMIO, IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_SIZE, &b->ioapic, ioapic, 0));
}

/* The guest moved a virtio function's BAR or switched its decoding
 * (pci.h): the bus follows. */
static void virtio_bar_changed(void *ctx, struct pci_function *f, unsigned reg)
{
	struct board *b = ctx;

	(void)reg;
	for (unsigned i = 0; i < b->virtio_fns; i++) {
		const struct board_virtio *v = &b->virtio_fn[i];
		if (v->vp->fn != f)
			continue;
		uint64_t bar = virtio_pci_bar(v->vp);
		bus_move(&b->bus, v->range, bar, bar ? VIRTIO_PCI_BAR_SIZE : 0);
	}
}

/* A virtio function's wiring on the board: its slot, BAR and line; guest
 * RAM, the interrupt lines, the BAR callback and the log. */
static struct virtio_pci_config virtio_wiring(struct board *b, const struct board_config *cfg, unsigned slot,
					      uint64_t bar, unsigned irq)
{
	return (struct virtio_pci_config){ .slot = slot, .bar_base = bar, .irq_line = irq, .ram = &cfg->ram,
					   .irq = &b->irq, .bar_changed = virtio_bar_changed, .bar_ctx = b,
					   .log = cfg->log, .log_ctx = cfg->ctx };
}

/* A virtio function that came up goes on the bus (attach_devices). */
static bool add_virtio(struct board *b, bool present, struct virtio_pci *vp)
{
	if (present)
		b->virtio_fn[b->virtio_fns++] = (struct board_virtio){ .vp = vp, .range = -1 };
	return present;
}

void board_init(struct board *b, const struct board_config *cfg, vdev_time_t now)
{
	unsigned cpus = cfg->cpus < 1 ? 1 : cfg->cpus > BOARD_MAX_CPUS ? BOARD_MAX_CPUS : cfg->cpus;

	*b = (struct board){ .cpus = cpus, .extint = -1, .console = cfg->console, .reset = cfg->reset,
			     .exit = cfg->exit, .init = cfg->init, .sipi = cfg->sipi, .nmi = cfg->nmi,
			     .kick = cfg->kick, .ctx = cfg->ctx };
	b->irq = (struct vdev_irq){ .set = isa_irq, .ctx = b };
	pic_init(&b->pic);
	pit_init(&b->pit, &b->irq, 0, now);
	uart_init(&b->uart, &b->irq, BOARD_COM1_IRQ, uart_tx, b);
	rtc_init(&b->rtc, &b->irq, 8, now, cfg->unix_time);
	i8042_init(&b->kbc, &b->irq, kbc_reset, b);
	debugport_init(&b->debug, debug_exit, uart_tx, b);
	pci_init(&b->pci);
	ioapic_init(&b->ioapic, ioapic_deliver, b);
	b->ioapic.id = BOARD_IOAPIC_ID(cpus) << IOAPIC_ID_SHIFT;   /* as firmware programs it */
	for (unsigned i = 0; i < cpus; i++) {
		struct board_cpu *c = &b->cpu[i];
		struct lapic_config lc = {
			.apic_id = i, .bsp = i == 0, .bus_hz = LAPIC_BUS_HZ, .tsc_hz = cfg->tsc_hz,
			.tsc_offset = cfg->tsc_at_0,
			.phys_bits = 39, .eoi = lapic_eoi, .ipi = lapic_ipi, .ctx = c,
		};
		c->board = b;
		c->index = i;
		c->wait_for_sipi = i != 0;
		lapic_init(&c->lapic, &lc);
	}
	if (cfg->ram.map && cfg->virtio_tx) {
		struct vcon_host host = { .tx = cfg->virtio_tx, .ctx = cfg->ctx };
		struct virtio_pci_config w = virtio_wiring(b, cfg, BOARD_VIRTIO_SLOT, BOARD_VIRTIO_BAR, BOARD_VIRTIO_IRQ);
		b->has_virtio = add_virtio(b, vcon_init(&b->virtio, &b->pci, &w, &host), &b->virtio.vp);
	}
	if (cfg->ram.map && cfg->disk) {
		struct virtio_pci_config w = virtio_wiring(b, cfg, BOARD_DISK_SLOT, BOARD_DISK_BAR, BOARD_DISK_IRQ);
		b->has_disk = add_virtio(b, vblk_init(&b->disk, &b->pci, &w, cfg->disk), &b->disk.vp);
	}
	if (cfg->ram.map && cfg->net) {
		struct virtio_pci_config w = virtio_wiring(b, cfg, BOARD_NET_SLOT, BOARD_NET_BAR, BOARD_NET_IRQ);
		b->has_net = add_virtio(b, vnet_init(&b->net, &b->pci, &w, cfg->net), &b->net.vp);
	}
	attach_devices(b);
	/* What PC firmware leaves: the BSP's local APIC on, in virtual-wire
	 * mode (the 8259's INTR through LINT0 as ExtINT, NMI on LINT1). */
	struct lapic *bsp = &b->cpu[0].lapic;
	lapic_mmio_write(bsp, LAPIC_SVR_OFFSET, 4, LAPIC_SVR_ON, now);
	lapic_mmio_write(bsp, LAPIC_LINT0_OFFSET, 4, LAPIC_DM_EXTINT, now);
	lapic_mmio_write(bsp, LAPIC_LINT1_OFFSET, 4, LAPIC_DM_NMI, now);
}

struct lapic *board_lapic(struct board *b, unsigned cpu)
{
	return &b->cpu[cpu].lapic;
}

bool board_waits_for_sipi(const struct board *b, unsigned cpu)
{
	return b->cpu[cpu].wait_for_sipi;
}

void board_eoi_vector(struct board *b, unsigned cpu, uint8_t vector)
{
	lapic_eoi_vector(&b->cpu[cpu].lapic, vector);
	kicks(b, cpu);
}

/* Runs every timer up to now (the kicks are the caller's). */
static void advance(struct board *b, vdev_time_t now)
{
	pit_advance(&b->pit, now);
	rtc_advance(&b->rtc, now);
	for (unsigned i = 0; i < b->cpus; i++)
		lapic_advance(&b->cpu[i].lapic, now);
}

void board_advance(struct board *b, unsigned cpu, vdev_time_t now)
{
	advance(b, now);
	kicks(b, cpu);
}

vdev_time_t board_next_event(const struct board *b)
{
	vdev_time_t t = pit_next_event(&b->pit), r = rtc_next_event(&b->rtc);

	if (r < t)
		t = r;
	for (unsigned i = 0; i < b->cpus; i++) {
		vdev_time_t l = lapic_next_event(&b->cpu[i].lapic);

		if (l < t)
			t = l;
	}
	return t;
}

size_t board_input(struct board *b, unsigned cpu, const uint8_t *buf, size_t n, bool virtio, vdev_time_t now)
{
	size_t took;

	advance(b, now);
	if (virtio)
		took = b->has_virtio ? vcon_receive(&b->virtio, buf, n) : 0;
	else
		took = uart_receive(&b->uart, buf, n);
	kicks(b, cpu);
	return took;
}

uint64_t board_in(struct board *b, unsigned cpu, unsigned port, unsigned size, vdev_time_t now)
{
	uint64_t v;

	advance(b, now);
	const struct bus_range *r = bus_read(&b->bus, BUS_PIO, port, size, now, &v);
	b->port_accesses[r ? r->kind : BOARD_PORT_NONE]++;
	kicks(b, cpu);
	return v;
}

void board_out(struct board *b, unsigned cpu, unsigned port, unsigned size, uint64_t value, vdev_time_t now)
{
	advance(b, now);
	const struct bus_range *r = bus_write(&b->bus, BUS_PIO, port, size, value, now);
	b->port_accesses[r ? r->kind : BOARD_PORT_NONE]++;
	kicks(b, cpu);
}

/*
 * MMIO by cpu. Its local APIC's page comes first and is not on the bus:
 * each CPU's own APIC claims its page (where its IA32_APIC_BASE puts it)
 * before an access leaves the CPU, as on real processors; then the bus
 * (the virtio BAR, the I/O APIC).
 */
static bool mmio_read(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t *value,
		      vdev_time_t now)
{
	struct lapic *l = &b->cpu[cpu].lapic;
	uint64_t lapic = lapic_mmio_base(l);

	if (gpa - lapic < LAPIC_MMIO_SIZE && lapic_mmio_enabled(l)) {
		*value = lapic_mmio_read(l, gpa - lapic, size, now);
		return true;
	}
	return bus_read(&b->bus, BUS_MMIO, gpa, size, now, value) != NULL;
}

static bool mmio_write(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t value,
		       vdev_time_t now)
{
	struct lapic *l = &b->cpu[cpu].lapic;
	uint64_t lapic = lapic_mmio_base(l);

	if (gpa - lapic < LAPIC_MMIO_SIZE && lapic_mmio_enabled(l)) {
		lapic_mmio_write(l, gpa - lapic, size, value, now);
		return true;
	}
	return bus_write(&b->bus, BUS_MMIO, gpa, size, value, now) != NULL;
}

bool board_mmio_read(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t *value,
		     vdev_time_t now)
{
	advance(b, now);
	bool ok = mmio_read(b, cpu, gpa, size, value, now);
	kicks(b, cpu);
	return ok;
}

bool board_mmio_write(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t value,
		      vdev_time_t now)
{
	advance(b, now);
	bool ok = mmio_write(b, cpu, gpa, size, value, now);
	kicks(b, cpu);
	return ok;
}

static bool lapic_msr(uint32_t msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

bool board_msr_read(struct board *b, unsigned cpu, uint32_t msr, uint64_t *value, bool *handled,
		    vdev_time_t now)
{
	*handled = lapic_msr(msr);
	if (!*handled)
		return false;
	advance(b, now);
	bool ok = lapic_msr_read(&b->cpu[cpu].lapic, msr, value, now);
	kicks(b, cpu);
	return ok;
}

bool board_msr_write(struct board *b, unsigned cpu, uint32_t msr, uint64_t value, bool *handled,
		     vdev_time_t now)
{
	*handled = lapic_msr(msr);
	if (!*handled)
		return false;
	advance(b, now);
	bool ok = lapic_msr_write(&b->cpu[cpu].lapic, msr, value, now);
	kicks(b, cpu);
	return ok;
}

void board_set_cr8(struct board *b, unsigned cpu, uint64_t cr8)
{
	struct lapic *l = &b->cpu[cpu].lapic;

	if ((l->tpr >> 4) != (cr8 & 15))             /* (keeps a TPR's low bits) */
		l->tpr = (uint32_t)(cr8 & 15) << 4;
}

unsigned board_cr8(const struct board *b, unsigned cpu)
{
	return b->cpu[cpu].lapic.tpr >> 4;
}

unsigned board_tpr_threshold(const struct board *b, unsigned cpu)
{
	const struct lapic *l = &b->cpu[cpu].lapic;
	int v = lapic_requested_vector(l);

	if (v < 0 || lapic_pending_vector(l) >= 0 || l->vid)
		return 0;                  /* (with virtual-interrupt delivery the CPU holds it back) */
	unsigned class = (unsigned)v >> 4, cr8 = board_cr8(b, cpu);
	return class < cr8 ? class : cr8;
}

/* Whether the 8259's INTR reaches cpu: CPU 0's LINT0 only. */
static bool takes_extint(const struct board *b, unsigned cpu)
{
	return cpu == 0 && lapic_accepts_pic_intr(&b->cpu[0].lapic);
}

int board_pending(const struct board *b, unsigned cpu)
{
	int v = lapic_pending_vector(&b->cpu[cpu].lapic);

	if (v >= 0)
		return v;
	return takes_extint(b, cpu) ? pic_pending_vector(&b->pic) : -1;
}

int board_ack(struct board *b, unsigned cpu)
{
	struct lapic *l = &b->cpu[cpu].lapic;
	int v = lapic_pending_vector(l);

	if (v >= 0) {
		lapic_ack(l, (uint8_t)v);
		return v;
	}
	v = takes_extint(b, cpu) ? pic_ack(&b->pic) : -1;
	kicks(b, cpu);                 /* (notes the 8259's next vector as CPU 0's) */
	return v;
}
