/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ATA/IDE register layout and commands (ATA/ATAPI-6, T13/1410D; the
 * legacy ISA-compatible channel of a PC), and the driver's pure logic
 * (ata.c, host unit tests in tests/unit/ata/): reading the IDENTIFY
 * DEVICE data and choosing the command and task-file values of a
 * transfer.
 */
#ifndef SERVERS_ATA_ATA_H
#define SERVERS_ATA_ATA_H

#include <stdbool.h>
#include <stdint.h>

/* Command block registers: offsets from the channel's first port
 * (0x1f0 primary, 0x170 secondary). */
#define ATA_REG_DATA       0     /* 16-bit PIO data */
#define ATA_REG_ERROR      1     /* read: error; write: features */
#define ATA_REG_COUNT      2     /* sector count */
#define ATA_REG_LBA_LOW    3
#define ATA_REG_LBA_MID    4
#define ATA_REG_LBA_HIGH   5
#define ATA_REG_DEVICE     6     /* drive select, LBA bits 24-27 */
#define ATA_REG_STATUS     7     /* read: status (clears the interrupt); write: command */
#define ATA_REG_COMMAND    7
/* The control block: one port (0x3f6 primary, 0x376 secondary). */
#define ATA_REG_ALT_STATUS 0     /* read: status without clearing the interrupt */
#define ATA_REG_DEV_CONTROL 0    /* write: device control */

/* Status bits. */
#define ATA_SR_ERR  0x01         /* the command ended with an error (see ERROR) */
#define ATA_SR_DRQ  0x08         /* the device wants a data block moved */
#define ATA_SR_DF   0x20         /* device fault */
#define ATA_SR_DRDY 0x40         /* the device is ready for commands */
#define ATA_SR_BSY  0x80         /* the device owns the registers */

/* Error register bits. */
#define ATA_ER_ABRT 0x04         /* command aborted */
#define ATA_ER_IDNF 0x10         /* sector number not found */
#define ATA_ER_UNC  0x40         /* uncorrectable data error */

/* Device register. */
#define ATA_DEV_OBS   0xa0       /* bits 7 and 5: always set on old drives */
#define ATA_DEV_LBA   0x40       /* LBA addressing (else CHS) */
#define ATA_DEV_SLAVE 0x10       /* device 1 */

/* Device control register. */
#define ATA_DC_NIEN 0x02         /* interrupts off */
#define ATA_DC_SRST 0x04         /* software reset of both devices */
#define ATA_DC_HOB  0x80         /* read the high-order bytes of LBA48 registers */

/* Commands. */
#define ATA_CMD_READ_SECTORS      0x20   /* PIO in, LBA28, up to 256 sectors */
#define ATA_CMD_READ_SECTORS_EXT  0x24   /* PIO in, LBA48, up to 65536 sectors */
#define ATA_CMD_WRITE_SECTORS     0x30
#define ATA_CMD_WRITE_SECTORS_EXT 0x34
#define ATA_CMD_FLUSH_CACHE       0xe7
#define ATA_CMD_FLUSH_CACHE_EXT   0xea
#define ATA_CMD_IDENTIFY          0xec

/* Signatures in LBA mid/high after a reset or an aborted IDENTIFY. */
#define ATA_SIG_ATAPI_MID 0x14
#define ATA_SIG_ATAPI_HIGH 0xeb
#define ATA_SIG_SATA_MID 0x3c
#define ATA_SIG_SATA_HIGH 0xc3

#define ATA_SECTOR_WORDS 256     /* a 512-byte sector, in data-port reads */
#define ATA_LBA28_LIMIT (1ull << 28)

/* IDENTIFY DEVICE words (ATA/ATAPI-6, section 8.15). */
#define ATA_ID_CONFIG        0   /* bit 15: 0 for an ATA device */
#define ATA_ID_SERIAL        10  /* 10 words */
#define ATA_ID_FIRMWARE      23  /* 4 words */
#define ATA_ID_MODEL         27  /* 20 words */
#define ATA_ID_CAPABILITIES  49  /* bit 9: LBA supported */
#define ATA_ID_LBA28_SECTORS 60  /* 2 words */
#define ATA_ID_FEATURES_83   83  /* bit 10: 48-bit addressing; bits 15:14 = 01 valid */
#define ATA_ID_LBA48_SECTORS 100 /* 4 words */
#define ATA_ID_SECTOR_SIZE   106 /* bits 15:14 = 01 valid; bit 12: logical sector > 512 bytes */
#define ATA_ID_LOGICAL_WORDS 117 /* 2 words: words per logical sector */

struct ata_identity {
	char model[41], serial[21], firmware[9];   /* trailing blanks cut */
	uint64_t sectors;
	bool lba48;
	unsigned sector_size;
};

/* Reads IDENTIFY DEVICE data (256 words as the data port gave them).
 * NULL, or why the disk cannot be used (no LBA, a sector size this
 * driver does not handle, no sectors, not an ATA device). */
const char *ata_identify_parse(const uint16_t id[256], struct ata_identity *out);

/* The registers of one transfer command. */
struct ata_taskfile {
	uint8_t command;
	uint8_t device;                /* ATA_DEV_* bits, LBA 24-27 for LBA28 */
	bool lba48;                    /* write the high-order bytes first */
	uint8_t count[2];              /* [0] low byte, [1] high (LBA48) */
	uint8_t lba[6];                /* LBA bytes 0-5 (3-5 only for LBA48) */
};

/* The command for count (1..65536) sectors from lba: LBA28 where it
 * reaches (lba + count <= 2^28, count <= 256), else LBA48 if the disk has
 * it. False if neither does. */
bool ata_plan(uint64_t lba, unsigned count, bool write, bool slave, bool disk_lba48,
	      struct ata_taskfile *tf);

/* A status byte and, if ERR is set, the error register as words: "ERR
 * (aborted)", "DF", "ERR (uncorrectable)". */
void ata_describe_error(uint8_t status, uint8_t error, char *buf, unsigned size);

#endif
