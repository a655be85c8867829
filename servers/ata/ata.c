/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ATA driver's pure logic (ata.h): no port access, no system calls,
 * so the host unit tests run it on made-up IDENTIFY data.
 */
#include "ata.h"
#include "format.h"

/* An ATA string: n words, two characters each, the first in the high
 * byte; trailing blanks (and NULs) cut. out holds 2n + 1 bytes. */
static void id_string(const uint16_t *w, unsigned n, char *out)
{
	unsigned len = 0;

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = (char)(w[i] >> 8);
		out[2 * i + 1] = (char)(w[i] & 0xff);
	}
	for (unsigned i = 0; i < 2 * n; i++) {
		char c = out[i];
		if (c < ' ' || c > '~')
			out[i] = c ? '?' : ' ';    /* printable only: it goes into log lines */
		if (out[i] != ' ')
			len = i + 1;
	}
	out[len] = 0;
}

/* A word whose bits 15:14 say it holds valid data (01). */
static bool word_valid(uint16_t w)
{
	return (w & 0xc000) == 0x4000;
}

const char *ata_identify_parse(const uint16_t id[256], struct ata_identity *out)
{
	id_string(&id[ATA_ID_MODEL], 20, out->model);
	id_string(&id[ATA_ID_SERIAL], 10, out->serial);
	id_string(&id[ATA_ID_FIRMWARE], 4, out->firmware);
	out->lba48 = word_valid(id[ATA_ID_FEATURES_83]) && (id[ATA_ID_FEATURES_83] & (1u << 10));
	out->sectors = out->lba48 ?
		(uint64_t)id[ATA_ID_LBA48_SECTORS] | (uint64_t)id[ATA_ID_LBA48_SECTORS + 1] << 16 |
		(uint64_t)id[ATA_ID_LBA48_SECTORS + 2] << 32 | (uint64_t)id[ATA_ID_LBA48_SECTORS + 3] << 48 :
		(uint64_t)id[ATA_ID_LBA28_SECTORS] | (uint64_t)id[ATA_ID_LBA28_SECTORS + 1] << 16;
	/* A disk that says 48-bit but gives no 48-bit count: the 28-bit one. */
	if (out->lba48 && !out->sectors)
		out->sectors = (uint64_t)id[ATA_ID_LBA28_SECTORS] | (uint64_t)id[ATA_ID_LBA28_SECTORS + 1] << 16;
	out->sector_size = 512;
	if (word_valid(id[ATA_ID_SECTOR_SIZE]) && (id[ATA_ID_SECTOR_SIZE] & (1u << 12)))
		out->sector_size = 2 * ((unsigned)id[ATA_ID_LOGICAL_WORDS] |
					(unsigned)id[ATA_ID_LOGICAL_WORDS + 1] << 16);
	if (id[ATA_ID_CONFIG] & 0x8000)
		return "not an ATA device (IDENTIFY word 0, bit 15)";
	if (!(id[ATA_ID_CAPABILITIES] & (1u << 9)))
		return "no LBA addressing (a CHS-only disk)";
	if (out->sector_size != 512)
		return "logical sectors are not 512 bytes";
	if (!out->sectors)
		return "it reports no sectors";
	return 0;
}

bool ata_plan(uint64_t lba, unsigned count, bool write, bool slave, bool disk_lba48,
	      struct ata_taskfile *tf)
{
	if (count == 0 || count > 65536 || lba > UINT64_MAX - count)
		return false;
	bool lba28 = lba + count <= ATA_LBA28_LIMIT && count <= 256;
	if (!lba28 && (!disk_lba48 || lba + count > 1ull << 48))
		return false;
	tf->lba48 = !lba28;
	tf->device = ATA_DEV_OBS | ATA_DEV_LBA | (slave ? ATA_DEV_SLAVE : 0);
	/* A count of 256 (LBA28) or 65536 (LBA48) is written as 0. */
	tf->count[0] = (uint8_t)count;
	tf->count[1] = (uint8_t)(count >> 8);
	for (unsigned i = 0; i < 6; i++)
		tf->lba[i] = (uint8_t)(lba >> (8 * i));
	if (lba28) {
		tf->device |= (uint8_t)((lba >> 24) & 0x0f);
		tf->count[1] = tf->lba[3] = tf->lba[4] = tf->lba[5] = 0;
		tf->command = write ? ATA_CMD_WRITE_SECTORS : ATA_CMD_READ_SECTORS;
	} else {
		tf->command = write ? ATA_CMD_WRITE_SECTORS_EXT : ATA_CMD_READ_SECTORS_EXT;
	}
	return true;
}

void ata_describe_error(uint8_t status, uint8_t error, char *buf, unsigned size)
{
	const char *what = error & ATA_ER_UNC ? "uncorrectable data" :
			   error & ATA_ER_IDNF ? "sector not found" :
			   error & ATA_ER_ABRT ? "aborted" : "unknown";

	if (status & ATA_SR_DF)
		fmt_snprintf(buf, size, "device fault (status %#x, error %#x)", status, error);
	else
		fmt_snprintf(buf, size, "error: %s (status %#x, error %#x)", what, status, error);
}
