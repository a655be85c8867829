/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual PC of the VMM (vmm/board.c): port and MMIO decoding, the
 * interrupt routing from ISA lines through the 8259 pair (virtual wire)
 * and the I/O APIC to the local APIC, and the debug/console callbacks.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/board.h"

static struct board b;
static char console[256];
static unsigned console_len;
static uint64_t exit_code = ~0ull;
static int resets;

static void on_console(void *ctx, uint8_t byte)
{
	(void)ctx;
	if (console_len < sizeof(console) - 1)
		console[console_len++] = (char)byte;
}

static void on_reset(void *ctx)
{
	(void)ctx;
	resets++;
}

static void on_exit(void *ctx, uint64_t code)
{
	(void)ctx;
	exit_code = code;
}

static void setup(void)
{
	struct board_config cfg = { .tsc_hz = 1000000000ull, .unix_time = 1764115200,
				    .console = on_console, .reset = on_reset, .exit = on_exit };
	memset(console, 0, sizeof(console));
	console_len = 0;
	exit_code = ~0ull;
	resets = 0;
	board_init(&b, &cfg, 0);
}

/* Programs the 8259 pair as Linux does: vectors 0x30/0x38, everything unmasked. */
static void init_pic(void)
{
	board_out(&b, 0, 0x20, 1, 0x11, 0);
	board_out(&b, 0, 0x21, 1, 0x30, 0);
	board_out(&b, 0, 0x21, 1, 0x04, 0);
	board_out(&b, 0, 0x21, 1, 0x01, 0);
	board_out(&b, 0, 0xa0, 1, 0x11, 0);
	board_out(&b, 0, 0xa1, 1, 0x38, 0);
	board_out(&b, 0, 0xa1, 1, 0x02, 0);
	board_out(&b, 0, 0xa1, 1, 0x01, 0);
	board_out(&b, 0, 0x21, 1, 0x00, 0);
	board_out(&b, 0, 0xa1, 1, 0x00, 0);
}

START_TEST(test_uart_output_reaches_the_console)
{
	const char *s = "hi\n";
	for (const char *p = s; *p; p++)
		board_out(&b, 0, 0x3f8, 1, (uint64_t)*p, 0);
	ck_assert_str_eq(console, "hi\n");
	/* LSR says the transmitter is empty: polling drivers go on. */
	ck_assert_uint_eq(board_in(&b, 0, 0x3fd, 1, 0) & 0x60, 0x60);
}
END_TEST

START_TEST(test_unclaimed_ports_read_all_ones)
{
	ck_assert_uint_eq(board_in(&b, 0, 0x2f8, 1, 0), 0xff);      /* no COM2 */
	ck_assert_uint_eq(board_in(&b, 0, 0x1234, 2, 0), 0xffff);
	ck_assert_uint_eq(board_in(&b, 0, 0x1234, 4, 0), 0xffffffffull);
	board_out(&b, 0, 0x1234, 1, 0, 0);
	ck_assert_uint_eq(b.port_accesses[BOARD_PORT_NONE], 4);
	board_out(&b, 0, 0x80, 1, 0x55, 0);                          /* I/O delay: a known port */
	ck_assert_uint_eq(b.port_accesses[BOARD_PORT_NONE], 4);
	ck_assert_uint_eq(b.port_accesses[BOARD_PORT_OTHER], 1);
	board_out(&b, 0, 0x21, 1, 0xa5, 0);                          /* the master 8259's mask */
	board_out(&b, 0, 0xa1, 1, 0x5a, 0);                          /* the slave's */
	ck_assert_uint_eq(board_in(&b, 0, 0x21, 1, 0), 0xa5);
	ck_assert_uint_eq(board_in(&b, 0, 0xa1, 1, 0), 0x5a);
	ck_assert_uint_eq(b.port_accesses[BOARD_PORT_PIC], 4);
}
END_TEST

START_TEST(test_debug_ports)
{
	board_out(&b, 0, BOARD_EXIT_PORT, 1, 3, 0);
	ck_assert_uint_eq(exit_code, 7);                          /* (3 << 1) | 1 */
	board_out(&b, 0, BOARD_E9_PORT, 1, 'x', 0);
	ck_assert_str_eq(console, "x");
}
END_TEST

START_TEST(test_keyboard_controller_resets)
{
	board_out(&b, 0, 0x64, 1, 0xfe, 0);
	ck_assert_int_eq(resets, 1);
}
END_TEST

START_TEST(test_pit_interrupt_through_pic_in_virtual_wire_mode)
{
	init_pic();
	ck_assert_int_eq(board_pending(&b, 0), -1);
	/* PIT channel 0, mode 2, 1 ms (1193 ticks of 1.193182 MHz). */
	board_out(&b, 0, 0x43, 1, 0x34, 0);
	board_out(&b, 0, 0x40, 1, 1193 & 0xff, 0);
	board_out(&b, 0, 0x40, 1, 1193 >> 8, 0);
	vdev_time_t due = board_next_event(&b);
	ck_assert(due != VDEV_NEVER);
	ck_assert(due <= 1100000);
	board_advance(&b, 0, due);
	/* The local APIC is in virtual-wire mode: the 8259's vector comes through. */
	ck_assert_int_eq(board_pending(&b, 0), 0x30);
	ck_assert_int_eq(board_ack(&b, 0), 0x30);
	ck_assert_int_eq(board_pending(&b, 0), -1);                 /* in service until EOI */
	board_out(&b, 0, 0x20, 1, 0x20, due);                        /* EOI */
	board_advance(&b, 0, due + 2000000);
	ck_assert_int_eq(board_pending(&b, 0), 0x30);                /* the next period */
}
END_TEST

START_TEST(test_masked_line_is_not_pending)
{
	init_pic();
	board_out(&b, 0, 0x21, 1, 0x10, 0);                          /* mask IRQ 4 */
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);                         /* UART: THRE interrupt on */
	board_out(&b, 0, 0x3fc, 1, 0x08, 0);                         /* OUT2: the line reaches the PIC */
	ck_assert_int_eq(board_pending(&b, 0), -1);
	board_out(&b, 0, 0x21, 1, 0x00, 0);                          /* unmask */
	ck_assert_int_eq(board_pending(&b, 0), 0x34);
}
END_TEST

START_TEST(test_ioapic_routes_to_local_apic)
{
	uint64_t v;
	/* I/O APIC pin 4 (COM1): vector 0x41, edge, unmasked, to APIC 0. */
	ck_assert(board_mmio_write(&b, 0, 0xfec00000, 4, 0x10 + 2 * 4, 0));
	ck_assert(board_mmio_write(&b, 0, 0xfec00010, 4, 0x41, 0));
	ck_assert(board_mmio_write(&b, 0, 0xfec00000, 4, 0x11 + 2 * 4, 0));
	ck_assert(board_mmio_write(&b, 0, 0xfec00010, 4, 0, 0));
	/* With the local APIC's LINT0 masked the 8259 path is off. */
	ck_assert(board_mmio_write(&b, 0, 0xfee00350, 4, 0x10000, 0));
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	board_out(&b, 0, 0x3fc, 1, 0x08, 0);
	ck_assert_int_eq(board_pending(&b, 0), 0x41);
	ck_assert_int_eq(board_ack(&b, 0), 0x41);
	/* The local APIC's ISR has it now; EOI through MMIO. */
	ck_assert(board_mmio_read(&b, 0, 0xfee00100 + 0x10 * (0x41 / 32), 4, &v, 0));
	ck_assert_uint_eq(v & (1u << (0x41 % 32)), 1u << (0x41 % 32));
	ck_assert(board_mmio_write(&b, 0, 0xfee000b0, 4, 0, 0));
	ck_assert(board_mmio_read(&b, 0, 0xfee00100 + 0x10 * (0x41 / 32), 4, &v, 0));
	ck_assert_uint_eq(v & (1u << (0x41 % 32)), 0);
}
END_TEST

START_TEST(test_mmio_outside_devices)
{
	uint64_t v = 0;
	ck_assert(!board_mmio_read(&b, 0, 0xfeb00000, 4, &v, 0));
	ck_assert_uint_eq(v, 0xffffffffull);
	ck_assert(!board_mmio_write(&b, 0, 0xfeb00000, 4, 1, 0));
}
END_TEST

START_TEST(test_apic_msrs)
{
	uint64_t v;
	bool handled;
	ck_assert(board_msr_read(&b, 0, 0x1b, &v, &handled, 0));
	ck_assert(handled);
	ck_assert_uint_eq(v & 0xfffff000ull, 0xfee00000ull);
	ck_assert(v & (1u << 8));                                 /* BSP */
	ck_assert(!board_msr_read(&b, 0, 0x10, &v, &handled, 0));   /* not the board's */
	ck_assert(!handled);
	/* x2APIC registers fault while the APIC is in xAPIC mode. */
	ck_assert(!board_msr_read(&b, 0, 0x802, &v, &handled, 0));
	ck_assert(handled);
}
END_TEST

START_TEST(test_rtc_and_pci_decode)
{
	board_out(&b, 0, 0x70, 1, 0x0a, 0);
	ck_assert_uint_eq(board_in(&b, 0, 0x71, 1, 0) & 0x70, 0x20); /* divider 010: running */
	board_out(&b, 0, 0xcf8, 4, 0x80000000ull, 0);                /* 00:00.0, vendor/device */
	ck_assert_uint_eq(board_in(&b, 0, 0xcfc, 4, 0), 0x12378086ull);
	board_out(&b, 0, 0xcf8, 4, 0x80000800ull, 0);                /* 00:01.0: absent */
	ck_assert_uint_eq(board_in(&b, 0, 0xcfc, 4, 0), 0xffffffffull);
}
END_TEST

START_TEST(test_typed_input_reaches_the_uart)
{
	init_pic();
	board_out(&b, 0, 0x3f9, 1, 0x01, 0);                          /* IER: receive data */
	board_out(&b, 0, 0x3fc, 1, 0x08, 0);                          /* MCR OUT2: IRQ to the PIC */
	ck_assert_uint_eq(board_input(&b, 0, (const uint8_t *)"ab", 2, false, 0), 1); /* no FIFO: one */
	ck_assert_uint_eq(board_in(&b, 0, 0x3f8, 1, 0), 'a');
	board_out(&b, 0, 0x3fa, 1, 0x07, 0);                          /* FCR: FIFO on, cleared */
	ck_assert_uint_eq(board_input(&b, 0, (const uint8_t *)"ls\r", 3, false, 0), 3);
	ck_assert_int_eq(board_pending(&b, 0), 0x34);                 /* IRQ 4 */
	ck_assert_uint_eq(board_in(&b, 0, 0x3fd, 1, 0) & 1, 1);        /* LSR: data ready */
	ck_assert_uint_eq(board_in(&b, 0, 0x3f8, 1, 0), 'l');
	ck_assert_uint_eq(board_in(&b, 0, 0x3f8, 1, 0), 's');
	ck_assert_uint_eq(board_in(&b, 0, 0x3f8, 1, 0), '\r');
	ck_assert_uint_eq(board_in(&b, 0, 0x3fd, 1, 0) & 1, 0);
	/* The FIFO holds 16: the rest waits with the caller. */
	uint8_t many[40];
	memset(many, 'x', sizeof(many));
	ck_assert_uint_eq(board_input(&b, 0, many, sizeof(many), false, 0), 16);
	/* No virtio console on this board: nothing goes there. */
	ck_assert_uint_eq(board_input(&b, 0, many, 1, true, 0), 0);
}
END_TEST

START_TEST(test_cr8_is_the_task_priority)
{
	uint64_t v = 0;
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x51, false));
	ck_assert_int_eq(lapic_requested_vector(board_lapic(&b, 0)), 0x51);
	/* CR8 6 holds class 5 back: nothing to take, threshold 5. */
	board_set_cr8(&b, 0, 6);
	ck_assert_uint_eq(board_cr8(&b, 0), 6);
	ck_assert_int_eq(board_pending(&b, 0), -1);
	ck_assert_uint_eq(board_tpr_threshold(&b, 0), 5);
	ck_assert(board_mmio_read(&b, 0, 0xfee00080, 4, &v, 0));
	ck_assert_uint_eq(v, 0x60);
	/* CR8 4: it goes; no threshold needed. */
	board_set_cr8(&b, 0, 4);
	ck_assert_int_eq(board_pending(&b, 0), 0x51);
	ck_assert_uint_eq(board_tpr_threshold(&b, 0), 0);
	/* A TPR write through the xAPIC page is CR8 for the guest; setting
	 * the same CR8 back keeps the TPR's low bits. */
	ck_assert(board_mmio_write(&b, 0, 0xfee00080, 4, 0x75, 0));
	ck_assert_uint_eq(board_cr8(&b, 0), 7);
	ck_assert_uint_eq(board_tpr_threshold(&b, 0), 5);
	board_set_cr8(&b, 0, 7);
	ck_assert(board_mmio_read(&b, 0, 0xfee00080, 4, &v, 0));
	ck_assert_uint_eq(v, 0x75);
	/* The threshold never exceeds CR8 (or the VM entry would fail): an
	 * in-service vector holds class 5 back, CR8 is 2. */
	board_set_cr8(&b, 0, 0);
	ck_assert_int_eq(board_ack(&b, 0), 0x51);
	ck_assert(lapic_accept_irq(board_lapic(&b, 0), 0x52, false));
	board_set_cr8(&b, 0, 2);
	ck_assert_int_eq(board_pending(&b, 0), -1);
	ck_assert_uint_eq(board_tpr_threshold(&b, 0), 2);
}
END_TEST

/* The guest reads the host's TSC: a TSC deadline is in its terms, and the
 * board's time 0 is when its TSC read tsc_at_0. */
START_TEST(test_tsc_deadline_in_the_guests_tsc)
{
	struct board_config cfg = { .tsc_hz = 1000000000ull, .tsc_at_0 = 5000000000ull,
				    .console = on_console, .reset = on_reset, .exit = on_exit };
	board_init(&b, &cfg, 0);
	bool handled = false;
	ck_assert(board_mmio_write(&b, 0, 0xfee00320, 4, 0x40000 | 0xec, 0));   /* LVTT: TSC deadline */
	ck_assert(board_msr_write(&b, 0, 0x6e0, 5000000000ull + 2000, &handled, 0));
	ck_assert(handled);
	ck_assert_uint_eq(board_next_event(&b), 2000);                       /* ns after time 0 */
	board_advance(&b, 0, 1999);
	ck_assert_int_eq(board_pending(&b, 0), -1);
	board_advance(&b, 0, 2000);
	ck_assert_int_eq(board_pending(&b, 0), 0xec);
}
END_TEST

/* A board with guest RAM has the virtio console at 00:01.0. */
static uint8_t vram[0x10000];

static uint8_t *vram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa > sizeof(vram) || len > sizeof(vram) - gpa ? NULL : vram + gpa;
}

static void virtio_tx(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		on_console(NULL, buf[i]);
}

static void vwr(uint32_t off, unsigned size, uint64_t val)
{
	ck_assert(board_mmio_write(&b, 0, BOARD_VIRTIO_BAR + off, size, val, 0));
}

START_TEST(test_typed_input_reaches_the_virtio_console)
{
	struct board_config cfg = { .tsc_hz = 1000000000ull, .console = on_console, .reset = on_reset,
				    .exit = on_exit, .ram = { .map = vram_map },
				    .virtio_tx = virtio_tx };
	memset(vram, 0, sizeof(vram));
	board_init(&b, &cfg, 0);
	ck_assert(b.has_virtio);
	init_pic();
	/* Before the driver is up, the device takes nothing. */
	ck_assert_uint_eq(board_input(&b, 0, (const uint8_t *)"x", 1, true, 0), 0);
	/* The driver: VERSION_1, receive queue 0 of 8 at 0x1000/0x2000/0x3000. */
	vwr(0x14, 1, 1 | 2);
	vwr(0x08, 4, 1);
	vwr(0x0c, 4, 1);
	vwr(0x14, 1, 1 | 2 | 8);
	vwr(0x16, 2, 0);
	vwr(0x18, 2, 8);
	vwr(0x20, 4, 0x1000);
	vwr(0x28, 4, 0x2000);
	vwr(0x30, 4, 0x3000);
	vwr(0x1c, 2, 1);
	vwr(0x14, 1, 1 | 2 | 8 | 4);
	/* One device-writable buffer of 4 bytes at 0x4000. */
	uint64_t addr = 0x4000;
	uint32_t len = 4;
	uint16_t flags = 2, idx = 1;                               /* VIRTQ_DESC_F_WRITE */
	memcpy(vram + 0x1000, &addr, 8);
	memcpy(vram + 0x1008, &len, 4);
	memcpy(vram + 0x100c, &flags, 2);
	memcpy(vram + 0x2002, &idx, 2);
	vwr(VIRTIO_PCI_NOTIFY, 2, 0);
	ck_assert_uint_eq(board_input(&b, 0, (const uint8_t *)"date\r", 5, true, 0), 4);
	ck_assert_int_eq(memcmp(vram + 0x4000, "date", 4), 0);
	uint16_t used_idx;
	uint32_t used_len;
	memcpy(&used_idx, vram + 0x3002, 2);
	memcpy(&used_len, vram + 0x3008, 4);
	ck_assert_uint_eq(used_idx, 1);
	ck_assert_uint_eq(used_len, 4);
	ck_assert_int_eq(board_pending(&b, 0), 0x3b);                 /* IRQ 11 on the second 8259 */
	/* No buffer left: the rest waits. The UART is not fed instead. */
	ck_assert_uint_eq(board_input(&b, 0, (const uint8_t *)"\r", 1, true, 0), 0);
	ck_assert_uint_eq(board_in(&b, 0, 0x3fd, 1, 0) & 1, 0);
}
END_TEST

/* The virtio BAR on the bus follows what the guest programs through
 * 0xcf8/0xcfc, and a BAR over the I/O APIC hides it, as before. */
static void cfg_write(unsigned reg, unsigned size, uint32_t val)
{
	board_out(&b, 0, 0xcf8, 4, 0x80000000u | BOARD_VIRTIO_SLOT << 11 | (reg & 0xfc), 0);
	board_out(&b, 0, 0xcfc + (reg & 3), size, val, 0);
}

START_TEST(test_virtio_bar_moves_on_the_bus)
{
	struct board_config cfg = { .tsc_hz = 1000000000ull, .console = on_console, .reset = on_reset,
				    .exit = on_exit, .ram = { .map = vram_map }, .virtio_tx = virtio_tx };
	uint64_t v = 0;

	board_init(&b, &cfg, 0);
	/* Where firmware put it: num_queues reads 2. */
	ck_assert(board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 2);
	/* Decoding off: nothing there. */
	cfg_write(PCI_COMMAND, 2, 0);
	ck_assert(!board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 0xffff);
	/* Moved to 0xd0000000 and on again. */
	cfg_write(PCI_BASE_ADDRESS_0, 4, 0xd0000000u);
	cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert(!board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert(board_mmio_read(&b, 0, 0xd0000000u + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 2);
	/* Over the I/O APIC: the BAR decodes there (it comes first on the bus). */
	cfg_write(PCI_BASE_ADDRESS_0, 4, (uint32_t)IOAPIC_DEFAULT_BASE);
	ck_assert(board_mmio_read(&b, 0, IOAPIC_DEFAULT_BASE + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 2);
	/* Away again: the I/O APIC answers (its version register). */
	cfg_write(PCI_BASE_ADDRESS_0, 4, (uint32_t)BOARD_VIRTIO_BAR);
	ck_assert(board_mmio_write(&b, 0, IOAPIC_DEFAULT_BASE, 4, 1, 0));
	ck_assert(board_mmio_read(&b, 0, IOAPIC_DEFAULT_BASE + 0x10, 4, &v, 0));
	ck_assert_uint_eq(v & 0xff, IOAPIC_VERSION);
	/* The local APIC's page is the CPU's before the bus sees anything. */
	cfg_write(PCI_BASE_ADDRESS_0, 4, (uint32_t)LAPIC_DEFAULT_BASE);
	ck_assert(board_mmio_read(&b, 0, LAPIC_DEFAULT_BASE + 0x30, 4, &v, 0));   /* the APIC's version */
	ck_assert_uint_eq(v & 0xff, LAPIC_VERSION);
}
END_TEST

/* With a disk: the console and the disk are two PCI functions, each BAR
 * decoding where the guest puts it, the disk's moves alone. */
static uint8_t disk_buf[512];

static void slot_write(unsigned slot, unsigned reg, unsigned size, uint32_t val)
{
	board_out(&b, 0, 0xcf8, 4, 0x80000000u | slot << 11 | (reg & 0xfc), 0);
	board_out(&b, 0, 0xcfc + (reg & 3), size, val, 0);
}

START_TEST(test_disk_is_a_second_function)
{
	struct vblk_backend disk = { .sectors = 100, .buf = disk_buf, .buf_sectors = 1 };
	struct board_config cfg = { .tsc_hz = 1000000000ull, .console = on_console, .reset = on_reset,
				    .exit = on_exit, .ram = { .map = vram_map }, .virtio_tx = virtio_tx,
				    .disk = &disk };
	uint64_t v = 0;

	board_init(&b, &cfg, 0);
	ck_assert(b.has_disk);
	/* The disk's capacity in its device configuration, the console's queues. */
	ck_assert(board_mmio_read(&b, 0, BOARD_DISK_BAR + VIRTIO_PCI_DEVICE_CFG + VBLK_CFG_CAPACITY, 4, &v, 0));
	ck_assert_uint_eq(v, 100);
	ck_assert(board_mmio_read(&b, 0, BOARD_DISK_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 1);
	ck_assert(board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 2);
	/* The disk moves; the console stays. */
	slot_write(BOARD_DISK_SLOT, PCI_BASE_ADDRESS_0, 4, 0xd0000000u);
	ck_assert(!board_mmio_read(&b, 0, BOARD_DISK_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert(board_mmio_read(&b, 0, 0xd0000000u + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 1);
	ck_assert(board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert_uint_eq(v, 2);
	/* The console's decoding off: the disk still answers. */
	slot_write(BOARD_VIRTIO_SLOT, PCI_COMMAND, 2, 0);
	ck_assert(!board_mmio_read(&b, 0, BOARD_VIRTIO_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
	ck_assert(board_mmio_read(&b, 0, 0xd0000000u + VIRTIO_PCI_NUMQ, 2, &v, 0));
	/* Without a backend, no disk. */
	cfg.disk = NULL;
	board_init(&b, &cfg, 0);
	ck_assert(!b.has_disk);
	ck_assert(!board_mmio_read(&b, 0, BOARD_DISK_BAR + VIRTIO_PCI_NUMQ, 2, &v, 0));
}
END_TEST

/* With a NIC too: a third function at 00:03.0 (its MAC in its device
 * configuration, its interrupt line 9), its BAR moving alone, its
 * configuration interrupt on IRQ 9. */
static struct l4_net_slot *no_slot(void *ctx)
{
	(void)ctx;
	return NULL;
}

static void no_commit(void *ctx, unsigned len, const struct l4_net_meta *meta)
{
	(void)ctx;
	(void)len;
	(void)meta;
	ck_abort_msg("nothing to send");
}

/* The queues of the virtio function whose BAR is at bar (-1: none decodes there). */
static int queues_at(uint64_t bar)
{
	uint64_t v;

	return board_mmio_read(&b, 0, bar + VIRTIO_PCI_NUMQ, 2, &v, 0) ? (int)v : -1;
}

static uint32_t slot_read(unsigned slot, unsigned reg)
{
	board_out(&b, 0, 0xcf8, 4, 0x80000000u | slot << 11 | (reg & 0xfc), 0);
	return (uint32_t)board_in(&b, 0, 0xcfc, 4, 0);
}

START_TEST(test_nic_is_a_third_function)
{
	struct vblk_backend disk = { .sectors = 100, .buf = disk_buf, .buf_sectors = 1 };
	struct vnet_backend net = { .mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, .tx_reserve = no_slot,
				    .tx_commit = no_commit };
	struct board_config cfg = { .tsc_hz = 1000000000ull, .console = on_console, .reset = on_reset,
				    .exit = on_exit, .ram = { .map = vram_map }, .virtio_tx = virtio_tx,
				    .disk = &disk, .net = &net };
	const uint64_t moved = 0xd0010000u;
	uint64_t v = 0;

	board_init(&b, &cfg, 0);
	ck_assert(b.has_virtio && b.has_disk && b.has_net);
	ck_assert_uint_eq(slot_read(BOARD_NET_SLOT, PCI_VENDOR_ID), 0x10411af4u);
	ck_assert_uint_eq(slot_read(BOARD_NET_SLOT, PCI_INTERRUPT_LINE) & 0xff, BOARD_NET_IRQ);
	ck_assert(board_mmio_read(&b, 0, BOARD_NET_BAR + VIRTIO_PCI_DEVICE_CFG + VNET_CFG_MAC, 4, &v, 0));
	ck_assert_uint_eq(v, 0x33221102u);
	ck_assert_int_eq(queues_at(BOARD_NET_BAR), VNET_QUEUES);
	/* The NIC moves; the disk and the console stay. */
	slot_write(BOARD_NET_SLOT, PCI_BASE_ADDRESS_0, 4, (uint32_t)moved);
	ck_assert_int_eq(queues_at(BOARD_NET_BAR), -1);
	ck_assert_int_eq(queues_at(moved), VNET_QUEUES);
	ck_assert_int_eq(queues_at(BOARD_DISK_BAR), 1);
	ck_assert_int_eq(queues_at(BOARD_VIRTIO_BAR), 2);
	/* A driver (VERSION_1, no queues yet) sees the link go down on IRQ 9. */
	init_pic();
	const uint8_t up = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	ck_assert(board_mmio_write(&b, 0, moved + VIRTIO_PCI_STATUS, 1, up, 0));
	ck_assert(board_mmio_write(&b, 0, moved + VIRTIO_PCI_GFSELECT, 4, 1, 0));
	ck_assert(board_mmio_write(&b, 0, moved + VIRTIO_PCI_GF, 4, 1u << (VIRTIO_F_VERSION_1 - 32), 0));
	ck_assert(board_mmio_write(&b, 0, moved + VIRTIO_PCI_STATUS, 1, up | VIRTIO_STATUS_FEATURES_OK, 0));
	ck_assert(board_mmio_write(&b, 0, moved + VIRTIO_PCI_STATUS, 1,
				   up | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK, 0));
	ck_assert_int_eq(board_pending(&b, 0), -1);
	vnet_set_link(&b.net, false);
	ck_assert_int_eq(board_pending(&b, 0), 0x39);                 /* IRQ 9 on the second 8259 */
	/* Without a backend, no NIC (and the disk alone still works). */
	cfg.net = NULL;
	board_init(&b, &cfg, 0);
	ck_assert(!b.has_net && b.has_disk);
	ck_assert_int_eq(queues_at(BOARD_NET_BAR), -1);
	ck_assert_int_eq(queues_at(BOARD_DISK_BAR), 1);
}
END_TEST

Suite *board_suite(void)
{
	Suite *s = suite_create("board");
	TCase *tc = tcase_create("board");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_uart_output_reaches_the_console);
	tcase_add_test(tc, test_unclaimed_ports_read_all_ones);
	tcase_add_test(tc, test_debug_ports);
	tcase_add_test(tc, test_keyboard_controller_resets);
	tcase_add_test(tc, test_pit_interrupt_through_pic_in_virtual_wire_mode);
	tcase_add_test(tc, test_masked_line_is_not_pending);
	tcase_add_test(tc, test_ioapic_routes_to_local_apic);
	tcase_add_test(tc, test_mmio_outside_devices);
	tcase_add_test(tc, test_apic_msrs);
	tcase_add_test(tc, test_rtc_and_pci_decode);
	tcase_add_test(tc, test_typed_input_reaches_the_uart);
	tcase_add_test(tc, test_cr8_is_the_task_priority);
	tcase_add_test(tc, test_tsc_deadline_in_the_guests_tsc);
	tcase_add_test(tc, test_typed_input_reaches_the_virtio_console);
	tcase_add_test(tc, test_virtio_bar_moves_on_the_bus);
	tcase_add_test(tc, test_disk_is_a_second_function);
	tcase_add_test(tc, test_nic_is_a_third_function);
	suite_add_tcase(s, tc);
	return s;
}
