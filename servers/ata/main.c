/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ATA/IDE disk driver: PIO transfers on one device of one legacy IDE
 * channel, driven by the channel's interrupt, serving the disk driver
 * protocol (include/l4/disk.h) to the block server.
 *
 * Configuration: the channel's 8 command-block ports and its control port
 * (`ioports 0x1f0-0x1f7 0x3f6`: the first range, then the second), its
 * interrupt line (`irq 14`), the endpoint it serves, and `args master`,
 * `args slave` (default master): which of the channel's two devices, or
 * `args any`: the master if it is a disk, else the slave (QEMU's and
 * Bochs's disks sit at different places beside their CD-ROM drives).
 *
 * At start it resets the channel, selects the device, and reads its
 * IDENTIFY DEVICE data: the model, serial number, firmware, 28- or
 * 48-bit addressing and size, which it prints. A missing disk, a device
 * that is not an ATA disk (a CD-ROM drive answers IDENTIFY with the ATAPI
 * signature), or a channel whose BSY bit never clears (nothing on those
 * ports reads as 0xff) is reported in one line; the driver then serves
 * its endpoint all the same and answers every request with L4_ENODEV, so
 * the block server learns it at once instead of waiting.
 *
 * Transfers are interrupt-driven: after a command the driver waits on the
 * Irq object's notification for each sector's interrupt (the device
 * raises one per DRQ block; READ/WRITE SECTORS move one sector per
 * block), with a timeout per block and per request. PIO out has no
 * interrupt before the first block: the driver polls for its DRQ, then
 * waits for an interrupt after each block, the last one meaning the
 * command is done. ERR or DF in the status ends a request with L4_EIO; a
 * timeout ends it with L4_ETIMEOUT and resets the channel. Either way the
 * driver answers and goes on. (Bus-master DMA waits for DMA isolation by
 * the IOMMU: PIO needs none, as the CPU moves every word.)
 */
#include "l4lib.h"
#include <l4/disk.h>
#include <l4/irq.h>
#include "ata.h"

#define BLOCK_TIMEOUT_US   1000000ull   /* one sector's interrupt */
#define READY_TIMEOUT_US   2000000ull   /* BSY clear after a reset or a select */
#define REQUEST_TIMEOUT_US 4000000ull   /* a whole request, well below L4_DISK_REPLY_US */
#define RESET_PULSE_US     10           /* SRST held (5 us at least) */
#define MAX_SECTORS ((unsigned)(L4_DISK_BUF_SIZE / 512))

_Static_assert(REQUEST_TIMEOUT_US + 2 * READY_TIMEOUT_US < L4_DISK_REPLY_US,
	       "a request, with the reset after a timeout, is answered in time");

static unsigned cmd_port, ctl_port;          /* the command block, the control port */
static bool slave, any;
static l4_cap_t irq = L4_CAP_NONE, note = L4_CAP_NONE;
static unsigned irq_line;
static char where[40];                       /* "primary master" */
static bool present;                         /* a usable disk was found */
static struct ata_identity disk;
static l4_word_t owner;                      /* the attached client's badge, 0: none */
static unsigned char buffer[L4_DISK_BUF_SIZE] __attribute__((aligned(L4_DISK_BUF_SIZE)));

static inline void outb(unsigned p, uint8_t v)
{
	__asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(p));
}

static inline uint8_t inb(unsigned p)
{
	uint8_t v;

	__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"(p));
	return v;
}

static inline void insw(unsigned p, void *dst, unsigned words)
{
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(words) : "d"(p) : "memory");
}

static inline void outsw(unsigned p, const void *src, unsigned words)
{
	__asm__ volatile("rep outsw" : "+S"(src), "+c"(words) : "d"(p) : "memory");
}

static uint64_t now_us(void)
{
	uint64_t khz = l4_env && l4_env->tsc_khz ? l4_env->tsc_khz : 1000000;

	return l4_rdtsc() * 1000 / khz;
}

static uint8_t alt_status(void)
{
	return inb(ctl_port + ATA_REG_ALT_STATUS);
}

/* The 400 ns a device may take to show its status after a select or a
 * command: four reads of the alternate status (ATA/ATAPI-6, 9.6). */
static void settle(void)
{
	for (int i = 0; i < 4; i++)
		(void)alt_status();
}

/* Waits, polling, until BSY is clear (and, with want, those bits are set
 * too) or the deadline; the last status in *status. */
static l4_word_t poll_status(uint64_t deadline, uint8_t want, uint8_t *status)
{
	for (unsigned spins = 0;; spins++) {
		uint8_t s = alt_status();
		*status = s;
		if (!(s & ATA_SR_BSY) && ((s & want) == want || (s & (ATA_SR_ERR | ATA_SR_DF))))
			return L4_OK;
		if (now_us() >= deadline)
			return L4_ETIMEOUT;
		if (spins >= 100)
			l4_sleep_us(1000);          /* not at once: the emulators are quick */
	}
}

/* Forgets interrupts that came before the command about to be issued. */
static void drain_interrupts(void)
{
	l4_recv(note, L4_TIMEOUT_POLL);
}

/* Waits for the device's interrupt and reads the status, which clears it.
 * An interrupt with BSY still set (a stale one) is waited past. */
static l4_word_t wait_interrupt(uint64_t deadline, uint8_t *status)
{
	for (;;) {
		uint64_t now = now_us();
		struct l4_result r = l4_recv(note, now < deadline ? deadline - now : L4_TIMEOUT_POLL);
		uint8_t s = inb(cmd_port + ATA_REG_STATUS);
		L4_INVOKE(irq, L4_IRQ_ACK);
		*status = s;
		if (r.error)
			return L4_ETIMEOUT;
		if (!(s & ATA_SR_BSY))
			return L4_OK;
	}
}

static uint64_t block_deadline(uint64_t request_deadline)
{
	uint64_t d = now_us() + BLOCK_TIMEOUT_US;

	return d < request_deadline ? d : request_deadline;
}

static void select_device(void)
{
	outb(cmd_port + ATA_REG_DEVICE, ATA_DEV_OBS | (slave ? ATA_DEV_SLAVE : 0));
	settle();
}

/* Software reset of the channel (both devices), interrupts on afterwards;
 * L4_OK once the device is selected and BSY is clear. */
static l4_word_t reset_channel(uint8_t *status)
{
	outb(ctl_port + ATA_REG_DEV_CONTROL, ATA_DC_SRST | ATA_DC_NIEN);
	l4_spin_us(RESET_PULSE_US);
	outb(ctl_port + ATA_REG_DEV_CONTROL, ATA_DC_NIEN);
	l4_sleep_us(2000);                          /* BSY is set within 2 ms */
	l4_word_t err = poll_status(now_us() + READY_TIMEOUT_US, 0, status);
	if (err)
		return err;
	select_device();
	err = poll_status(now_us() + READY_TIMEOUT_US, 0, status);
	outb(ctl_port + ATA_REG_DEV_CONTROL, 0);    /* interrupts on */
	drain_interrupts();
	return err;
}

/* Writes the task file and the command, the device selected and ready. */
static l4_word_t issue(const struct ata_taskfile *tf, uint64_t deadline, uint8_t *status)
{
	outb(cmd_port + ATA_REG_DEVICE, tf->device);
	settle();
	l4_word_t err = poll_status(deadline, ATA_SR_DRDY, status);
	if (err)
		return err;
	if (tf->lba48) {                            /* the high-order bytes go first */
		outb(cmd_port + ATA_REG_COUNT, tf->count[1]);
		outb(cmd_port + ATA_REG_LBA_LOW, tf->lba[3]);
		outb(cmd_port + ATA_REG_LBA_MID, tf->lba[4]);
		outb(cmd_port + ATA_REG_LBA_HIGH, tf->lba[5]);
	}
	outb(cmd_port + ATA_REG_COUNT, tf->count[0]);
	outb(cmd_port + ATA_REG_LBA_LOW, tf->lba[0]);
	outb(cmd_port + ATA_REG_LBA_MID, tf->lba[1]);
	outb(cmd_port + ATA_REG_LBA_HIGH, tf->lba[2]);
	drain_interrupts();
	outb(cmd_port + ATA_REG_COMMAND, tf->command);
	settle();
	return L4_OK;
}

/* Reports a failed request and leaves the channel usable: a device error
 * is the device's answer (it takes the next command), a timeout resets. */
static l4_word_t failed(const char *what, l4_word_t err, uint8_t status)
{
	char detail[80];

	if (err == L4_ETIMEOUT) {
		uint8_t after;
		l4_word_t again = reset_channel(&after);
		l4_printf("%s: timeout waiting for the disk (status %#x); channel reset%s\n", what, status,
			  again ? ", and it did not become ready" : "");
		return L4_ETIMEOUT;
	}
	ata_describe_error(status, inb(cmd_port + ATA_REG_ERROR), detail, sizeof(detail));
	l4_printf("%s: device %s\n", what, detail);
	return L4_EIO;
}

/* count sectors from lba between the disk and the start of the buffer. */
static l4_word_t transfer(uint64_t lba, unsigned count, bool write)
{
	struct ata_taskfile tf;
	char what[80];
	uint8_t s = 0;
	uint64_t deadline = now_us() + REQUEST_TIMEOUT_US;
	l4_word_t err;

	l4_snprintf(what, sizeof(what), "%s of %u sectors at %lu", write ? "write" : "read", count,
		    (unsigned long)lba);
	if (!ata_plan(lba, count, write, slave, disk.lba48, &tf))
		return L4_EINVAL;
	if ((err = issue(&tf, deadline, &s)))
		return failed(what, err, s);
	for (unsigned i = 0; i < count; i++) {
		if (write && i == 0)      /* PIO out: no interrupt before the first block */
			err = poll_status(block_deadline(deadline), ATA_SR_DRQ, &s);
		else
			err = wait_interrupt(block_deadline(deadline), &s);
		if (err || (s & (ATA_SR_ERR | ATA_SR_DF))) {
			l4_snprintf(what, sizeof(what), "%s of %u sectors at %lu, at its sector %u", write ? "write" : "read",
				    count, (unsigned long)lba, i);
			return failed(what, err, s);
		}
		if (!(s & ATA_SR_DRQ)) {
			l4_printf("%s: the disk asks for no data at sector %u of %u (status %#x)\n", what, i,
				  count, s);
			return L4_EIO;
		}
		if (write)
			outsw(cmd_port + ATA_REG_DATA, buffer + i * 512, ATA_SECTOR_WORDS);
		else
			insw(cmd_port + ATA_REG_DATA, buffer + i * 512, ATA_SECTOR_WORDS);
	}
	if (write)                /* the interrupt after the last block: done */
		err = wait_interrupt(block_deadline(deadline), &s);
	else
		s = alt_status();
	if (err || (s & (ATA_SR_ERR | ATA_SR_DF)))
		return failed(what, err, s);
	return L4_OK;
}

static l4_word_t flush(void)
{
	struct ata_taskfile tf = {
		.command = disk.lba48 ? ATA_CMD_FLUSH_CACHE_EXT : ATA_CMD_FLUSH_CACHE,
		.device = ATA_DEV_OBS | ATA_DEV_LBA | (slave ? ATA_DEV_SLAVE : 0),
	};
	uint64_t deadline = now_us() + REQUEST_TIMEOUT_US;
	uint8_t s = 0;
	l4_word_t err = issue(&tf, deadline, &s);

	if (!err)
		err = wait_interrupt(deadline, &s);
	if (err || (s & (ATA_SR_ERR | ATA_SR_DF)))
		return failed("flush", err, s);
	return L4_OK;
}

/* Finds the disk: reset, select, IDENTIFY DEVICE. NULL and `disk` filled
 * if there is a usable one, else why not. */
static const char *probe(char *why, unsigned size)
{
	static uint16_t id[256];
	uint8_t s;
	uint64_t t0 = now_us();

	if (reset_channel(&s)) {
		l4_snprintf(why, size, "the controller never became ready (status %#x after %lu ms%s)", s,
			    (unsigned long)((now_us() - t0) / 1000),
			    s == 0xff ? ": nothing answers at these ports" : "");
		return why;
	}
	/* After a reset a device shows what it is in LBA mid/high. An ATAPI
	 * device also leaves DRDY clear, so it would look absent below. */
	uint8_t mid = inb(cmd_port + ATA_REG_LBA_MID), high = inb(cmd_port + ATA_REG_LBA_HIGH);
	if (mid == ATA_SIG_ATAPI_MID && high == ATA_SIG_ATAPI_HIGH) {
		l4_snprintf(why, size, "not an ATA disk: an ATAPI device (a CD-ROM drive?)");
		return why;
	}
	if (alt_status() == 0) {
		l4_snprintf(why, size, "no disk (status 0 with the device selected)");
		return why;
	}
	struct ata_taskfile tf = {
		.command = ATA_CMD_IDENTIFY, .device = ATA_DEV_OBS | (slave ? ATA_DEV_SLAVE : 0),
	};
	uint64_t deadline = now_us() + READY_TIMEOUT_US;
	if (issue(&tf, deadline, &s)) {
		l4_snprintf(why, size, "the device is not ready for commands (status %#x)", s);
		return why;
	}
	if (alt_status() == 0) {
		l4_snprintf(why, size, "no disk (status 0 after IDENTIFY)");
		return why;
	}
	if (wait_interrupt(deadline, &s)) {
		if (s & ATA_SR_BSY)
			l4_snprintf(why, size, "no answer to IDENTIFY (status %#x after %lu ms)", s,
				    (unsigned long)(READY_TIMEOUT_US / 1000));
		else
			l4_snprintf(why, size, "the device answered IDENTIFY (status %#x) but no interrupt came on "
				    "line %u in %lu ms (is the `irq` line right?)", s, irq_line,
				    (unsigned long)(READY_TIMEOUT_US / 1000));
		reset_channel(&s);
		return why;
	}
	if (s & ATA_SR_ERR) {
		mid = inb(cmd_port + ATA_REG_LBA_MID);
		high = inb(cmd_port + ATA_REG_LBA_HIGH);
		if (mid == ATA_SIG_ATAPI_MID && high == ATA_SIG_ATAPI_HIGH)
			l4_snprintf(why, size, "not an ATA disk: an ATAPI device (a CD-ROM drive?)");
		else if (mid == ATA_SIG_SATA_MID && high == ATA_SIG_SATA_HIGH)
			l4_snprintf(why, size, "not a PATA disk: a SATA device signature");
		else
			l4_snprintf(why, size, "IDENTIFY failed (status %#x, error %#x)", s,
				    inb(cmd_port + ATA_REG_ERROR));
		return why;
	}
	if (!(s & ATA_SR_DRQ)) {
		l4_snprintf(why, size, "IDENTIFY gave no data (status %#x)", s);
		return why;
	}
	insw(cmd_port + ATA_REG_DATA, id, 256);
	const char *bad = ata_identify_parse(id, &disk);
	if (bad) {
		l4_snprintf(why, size, "\"%s\": %s", disk.model, bad);
		return why;
	}
	return NULL;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* where: "primary master" and the like. */
static void name_device(void)
{
	const char *channel = cmd_port == 0x1f0 ? "primary" : cmd_port == 0x170 ? "secondary" : NULL;

	if (channel)
		l4_snprintf(where, sizeof(where), "%s %s", channel, slave ? "slave" : "master");
	else
		l4_snprintf(where, sizeof(where), "%s at %#x", slave ? "slave" : "master", cmd_port);
}

/* The configuration's ports, interrupt and device; false with why. */
static bool configure(int argc, char **argv, char *why, unsigned size)
{
	const char *dev = argc >= 2 ? argv[1] : "master";

	if (argc > 2 || !(str_eq(dev, "master") || str_eq(dev, "slave") || str_eq(dev, "any"))) {
		l4_snprintf(why, size, "bad arguments: give `master`, `slave` or `any`");
		return false;
	}
	slave = str_eq(dev, "slave");
	any = str_eq(dev, "any");
	if (l4_env->port_count < 2 || l4_env->ports[0].last - l4_env->ports[0].first != 7) {
		l4_snprintf(why, size, "needs `ioports` with the 8 command-block ports, then the control port");
		return false;
	}
	cmd_port = (unsigned)l4_env->ports[0].first;
	ctl_port = (unsigned)l4_env->ports[1].first;
	name_device();
	for (unsigned i = 0; i < l4_env->cap_count; i++) {
		const char *n = l4_env->caps[i].name;
		if (n[0] == 'i' && n[1] == 'r' && n[2] == 'q' && n[3] >= '0' && n[3] <= '9') {
			irq = l4_env->caps[i].slot;
			irq_line = 0;
			for (unsigned k = 3; n[k] >= '0' && n[k] <= '9'; k++)
				irq_line = irq_line * 10 + (unsigned)(n[k] - '0');
		}
	}
	if (irq == L4_CAP_NONE) {
		l4_snprintf(why, size, "needs the channel's interrupt line (`irq`)");
		return false;
	}
	note = l4_make(L4_FACTORY_NOTIFICATION);
	l4_word_t err = note == L4_CAP_NONE ? L4_ENOMEM : L4_INVOKE(irq, L4_IRQ_BIND, note).error;
	if (err) {
		l4_snprintf(why, size, "cannot take interrupt %u (error %lu)", irq_line, (unsigned long)err);
		return false;
	}
	return true;
}

/* A request, copied out of the message registers before anything else
 * (every system call may overwrite them). */
struct request {
	l4_word_t label, badge;
	unsigned words, items;
	l4_word_t mr[2];
};

/* Serves one request; the reply's words are in mr[], *items is 1 when
 * the buffer goes with it (ATTACH). */
static l4_word_t handle(const struct request *q, l4_word_t *mr, unsigned *words, unsigned *items)
{
	*words = *items = 0;
	if (q->label == L4_SERVER_CLIENT_GONE) {
		if (q->badge)
			return L4_ERIGHTS;          /* only the root task says who ended */
		if (q->words >= 1 && q->mr[0] == owner && owner) {
			owner = 0;
			for (unsigned i = 0; i < L4_DISK_BUF_SIZE; i++)
				buffer[i] = 0;
			l4_printf("client %lu gone: the driver is free\n", (unsigned long)q->mr[0]);
		}
		return L4_OK;
	}
	if (q->label < L4_DISK_INFO || q->label > L4_DISK_FLUSH)
		return L4_ENOSYS;
	bool io = q->label == L4_DISK_READ || q->label == L4_DISK_WRITE;
	if (q->items || (io && q->words < 2))
		return L4_EMSG;
	if (!present)
		return L4_ENODEV;
	switch (q->label) {
	case L4_DISK_INFO:
		mr[0] = disk.sectors;
		mr[1] = 512;
		mr[2] = MAX_SECTORS;
		mr[3] = disk.lba48 ? L4_DISK_LBA48 : 0;
		for (unsigned i = 0; i < 5; i++)
			mr[4 + i] = 0;
		for (unsigned i = 0; i < 40 && disk.model[i]; i++)
			mr[4 + i / 8] |= (l4_word_t)(unsigned char)disk.model[i] << (8 * (i % 8));
		*words = 9;
		return L4_OK;
	case L4_DISK_ATTACH:
		if (!q->badge || (owner && owner != q->badge))
			return L4_EBUSY;
		owner = q->badge;
		mr[0] = L4_DISK_BUF_SIZE;
		l4_item_map(&mr[1], 0, l4_fpage_mem((l4_word_t)buffer, L4_DISK_BUF_ORDER, L4_FP_RW));
		*words = 1;
		*items = 1;
		return L4_OK;
	case L4_DISK_FLUSH:
		return q->badge && q->badge == owner ? flush() : L4_ERIGHTS;
	default: {
		if (!q->badge || q->badge != owner)
			return L4_ERIGHTS;
		l4_word_t lba = q->mr[0], count = q->mr[1];
		if (count == 0 || count > MAX_SECTORS || lba >= disk.sectors || count > disk.sectors - lba)
			return L4_EINVAL;
		return transfer(lba, (unsigned)count, q->label == L4_DISK_WRITE);
	}
	}
}

int main(int argc, char **argv)
{
	char why[160];
	l4_cap_t ep = l4_env_served();   /* (`serve`) */

	if (!l4_env || ep == L4_CAP_NONE) {
		l4_printf("needs an endpoint to serve (`serve ata`)\n");
		return 1;
	}
	bool configured = configure(argc, argv, why, sizeof(why)), missing = configured && probe(why, sizeof(why));
	if (missing && any) {
		l4_printf("%s: %s; trying the slave\n", where, why);
		slave = true;
		name_device();
		missing = probe(why, sizeof(why));
	}
	if (!configured)
		l4_printf("%s; answering every request with ENODEV\n", why);
	else if (missing)
		l4_printf("%s: %s; answering every request with ENODEV\n", where, why);
	else {
		present = true;
		l4_printf("%s: \"%s\", serial \"%s\", firmware \"%s\", %s, %lu sectors of %u bytes (%lu KiB), "
			  "interrupt %u\n", where, disk.model, disk.serial, disk.firmware,
			  disk.lba48 ? "LBA48" : "LBA28", (unsigned long)disk.sectors, disk.sector_size,
			  (unsigned long)(disk.sectors / 2), irq_line);
	}

	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;) {
		struct l4_utcb *u = l4_utcb();
		if (r.error) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		struct request q = {
			.label = l4_tag_label(r.tag), .badge = r.badge,
			.words = l4_tag_words(r.tag), .items = l4_tag_items(r.tag),
		};
		for (unsigned i = 0; i < 2 && i < q.words; i++)
			q.mr[i] = u->mr[i];
		l4_word_t mr[9];
		unsigned words, items;
		l4_word_t err = handle(&q, mr, &words, &items);
		if (err)
			words = items = 0;
		for (unsigned i = 0; i < words + 2 * items; i++)
			u->mr[i] = mr[i];
		r = l4_reply_wait(ep, l4_tag(err, words, items), L4_TIMEOUT_NEVER);
	}
}
