/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for servers/ata/ata.c: IDENTIFY DEVICE data as QEMU's and Bochs's
 * disks give it and as odd disks might (no LBA, 4 KiB logical sectors,
 * 48-bit without a 48-bit count, strings with NULs and control bytes),
 * the choice of LBA28 or LBA48 command with its task file at every edge,
 * and the error descriptions.
 */
#include <string.h>

#include "servers/ata/ata.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

static uint16_t id[256];

/* An ATA string: two characters a word, the first in the high byte,
 * blank-padded to n words. */
static void put_string(unsigned word, unsigned n, const char *s)
{
	size_t len = strlen(s);

	for (unsigned i = 0; i < n; i++) {
		char a = 2 * i < len ? s[2 * i] : ' ', b = 2 * i + 1 < len ? s[2 * i + 1] : ' ';
		id[word + i] = (uint16_t)((uint8_t)a << 8 | (uint8_t)b);
	}
}

/* A disk like QEMU's: LBA, 48-bit addressing, 2016 sectors. */
static void qemu_disk(void)
{
	memset(id, 0, sizeof(id));
	put_string(ATA_ID_MODEL, 20, "QEMU HARDDISK");
	put_string(ATA_ID_SERIAL, 10, "QM00001");
	put_string(ATA_ID_FIRMWARE, 4, "2.5+");
	id[ATA_ID_CAPABILITIES] = 1u << 9;
	id[ATA_ID_LBA28_SECTORS] = 2016;
	id[ATA_ID_FEATURES_83] = 0x4000 | 1u << 10;
	id[ATA_ID_LBA48_SECTORS] = 2016;
}

START_TEST(test_identify_qemu_disk)
{
	struct ata_identity d;

	qemu_disk();
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "a QEMU disk");
	ck_assert_str_eq(d.model, "QEMU HARDDISK");
	ck_assert_str_eq(d.serial, "QM00001");
	ck_assert_str_eq(d.firmware, "2.5+");
	ck_assert(d.lba48);
	ck_assert_uint_eq(d.sectors, 2016);
	ck_assert_uint_eq(d.sector_size, 512);
}
END_TEST

START_TEST(test_identify_sizes)
{
	struct ata_identity d;

	/* LBA28 only: words 60-61 count, whatever 100-103 say. */
	qemu_disk();
	id[ATA_ID_FEATURES_83] = 0x4000;
	id[ATA_ID_LBA28_SECTORS] = 0x5678;
	id[ATA_ID_LBA28_SECTORS + 1] = 0x0fff;
	id[ATA_ID_LBA48_SECTORS] = 1;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "an LBA28 disk");
	ck_assert(!d.lba48);
	ck_assert_uint_eq(d.sectors, 0x0fff5678);
	/* Word 83 not valid (bits 15:14 not 01): no 48-bit addressing. */
	id[ATA_ID_FEATURES_83] = 0xc000 | 1u << 10;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "word 83 invalid");
	ck_assert(!d.lba48);
	/* LBA48: all four words. */
	qemu_disk();
	id[ATA_ID_LBA48_SECTORS] = 0x1111;
	id[ATA_ID_LBA48_SECTORS + 1] = 0x2222;
	id[ATA_ID_LBA48_SECTORS + 2] = 0x3333;
	id[ATA_ID_LBA48_SECTORS + 3] = 0x0004;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "a big LBA48 disk");
	ck_assert_uint_eq(d.sectors, 0x0004333322221111ull);
	/* LBA48 with no 48-bit count: the 28-bit one. */
	qemu_disk();
	id[ATA_ID_LBA48_SECTORS] = 0;
	id[ATA_ID_LBA28_SECTORS] = 77;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "LBA48 without a count");
	ck_assert_uint_eq(d.sectors, 77);
}
END_TEST

START_TEST(test_identify_refused)
{
	struct ata_identity d;

	qemu_disk();
	id[ATA_ID_CAPABILITIES] = 0;
	ASSERT_REASON(ata_identify_parse(id, &d), "no LBA addressing (a CHS-only disk)", "ata_identify_parse", "none");
	qemu_disk();
	id[ATA_ID_SECTOR_SIZE] = 0x4000 | 1u << 12;
	id[ATA_ID_LOGICAL_WORDS] = 2048;               /* 4096-byte logical sectors */
	ASSERT_REASON(ata_identify_parse(id, &d), "logical sectors are not 512 bytes", "ata_identify_parse", "none");
	ck_assert_uint_eq(d.sector_size, 4096);
	/* Word 106 not valid: 512 whatever it says. */
	id[ATA_ID_SECTOR_SIZE] = 1u << 12;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "word 106 invalid");
	ck_assert_uint_eq(d.sector_size, 512);
	/* 256 words per logical sector: 512 bytes, fine. */
	id[ATA_ID_SECTOR_SIZE] = 0x4000 | 1u << 12;
	id[ATA_ID_LOGICAL_WORDS] = 256;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "512-byte logical sectors said so");
	qemu_disk();
	id[ATA_ID_LBA48_SECTORS] = 0;
	id[ATA_ID_LBA28_SECTORS] = 0;
	ASSERT_REASON(ata_identify_parse(id, &d), "it reports no sectors", "ata_identify_parse", "none");
	qemu_disk();
	id[ATA_ID_CONFIG] = 0x85c0;                     /* an ATAPI device's */
	ASSERT_REASON(ata_identify_parse(id, &d), "not an ATA device (IDENTIFY word 0, bit 15)",
		      "ata_identify_parse", "none");
	/* All zeros (what an absent device might give) and all ones (a
	 * floating bus). */
	memset(id, 0, sizeof(id));
	ASSERT_REASON(ata_identify_parse(id, &d), "no LBA addressing (a CHS-only disk)", "ata_identify_parse", "none");
	memset(id, 0xff, sizeof(id));
	ASSERT_REASON(ata_identify_parse(id, &d), "not an ATA device (IDENTIFY word 0, bit 15)",
		      "ata_identify_parse", "none");
}
END_TEST

START_TEST(test_identify_strings)
{
	struct ata_identity d;

	qemu_disk();
	put_string(ATA_ID_MODEL, 20, "1234567890123456789012345678901234567890");
	id[ATA_ID_SERIAL] = 0x0041;                     /* a NUL, then 'A' */
	id[ATA_ID_SERIAL + 1] = 0x1b42;                 /* escape, then 'B' */
	for (unsigned i = 2; i < 10; i++)
		id[ATA_ID_SERIAL + i] = 0;              /* NUL padding instead of blanks */
	id[ATA_ID_FIRMWARE] = 0x80ff;
	id[ATA_ID_FIRMWARE + 1] = id[ATA_ID_FIRMWARE + 2] = id[ATA_ID_FIRMWARE + 3] = 0;
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "odd strings");
	ck_assert_str_eq(d.model, "1234567890123456789012345678901234567890");
	ck_assert_str_eq(d.serial, " A?B");
	ck_assert_str_eq(d.firmware, "??");
	put_string(ATA_ID_MODEL, 20, "");
	ASSERT_NO_REASON(ata_identify_parse(id, &d), "a blank model");
	ck_assert_str_eq(d.model, "");
}
END_TEST

START_TEST(test_plan_lba28)
{
	struct ata_taskfile tf;

	ck_assert(ata_plan(0x0abcdef1, 5, false, false, true, &tf));
	ck_assert(!tf.lba48);
	ck_assert_uint_eq(tf.command, ATA_CMD_READ_SECTORS);
	ck_assert_uint_eq(tf.device, ATA_DEV_OBS | ATA_DEV_LBA | 0x0a);
	ck_assert_uint_eq(tf.count[0], 5);
	ck_assert_uint_eq(tf.lba[0], 0xf1);
	ck_assert_uint_eq(tf.lba[1], 0xde);
	ck_assert_uint_eq(tf.lba[2], 0xbc);
	ck_assert_uint_eq(tf.lba[3] | tf.lba[4] | tf.lba[5] | tf.count[1], 0);
	ck_assert(ata_plan(7, 256, true, true, false, &tf));
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_SECTORS);
	ck_assert_uint_eq(tf.device, ATA_DEV_OBS | ATA_DEV_LBA | ATA_DEV_SLAVE);
	ck_assert_uint_eq(tf.count[0], 0);                /* 256 is written as 0 */
	/* The last sectors LBA28 reaches. */
	ck_assert(ata_plan(ATA_LBA28_LIMIT - 1, 1, false, false, false, &tf));
	ck_assert(!tf.lba48);
	ck_assert_uint_eq(tf.device & 0x0f, 0x0f);
}
END_TEST

START_TEST(test_plan_lba48)
{
	struct ata_taskfile tf;

	/* Past LBA28: LBA48 if the disk has it, else refused. */
	ck_assert(!ata_plan(ATA_LBA28_LIMIT - 1, 2, false, false, false, &tf));
	ck_assert(ata_plan(ATA_LBA28_LIMIT - 1, 2, false, false, true, &tf));
	ck_assert(tf.lba48);
	ck_assert_uint_eq(tf.command, ATA_CMD_READ_SECTORS_EXT);
	ck_assert_uint_eq(tf.device, ATA_DEV_OBS | ATA_DEV_LBA);   /* no LBA bits in the device register */
	ck_assert(ata_plan(0x123456789abcull, 300, true, true, true, &tf));
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_SECTORS_EXT);
	ck_assert_uint_eq(tf.count[0], 300 & 0xff);
	ck_assert_uint_eq(tf.count[1], 300 >> 8);
	const uint8_t want[6] = { 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12 };
	ck_assert_mem_eq(tf.lba, want, 6);
	/* More than 256 sectors need LBA48 even low on the disk. */
	ck_assert(!ata_plan(0, 257, false, false, false, &tf));
	ck_assert(ata_plan(0, 65536, false, false, true, &tf));
	ck_assert_uint_eq(tf.count[0] | tf.count[1], 0);   /* 65536 is written as 0 */
	/* The edges of 48 bits and of the arguments. */
	ck_assert(ata_plan((1ull << 48) - 1, 1, false, false, true, &tf));
	ck_assert(!ata_plan((1ull << 48) - 1, 2, false, false, true, &tf));
	ck_assert(!ata_plan(0, 0, false, false, true, &tf));
	ck_assert(!ata_plan(0, 65537, false, false, true, &tf));
	ck_assert(!ata_plan(~0ull, 1, false, false, true, &tf));
	ck_assert(!ata_plan(~0ull - 1, 2, false, false, true, &tf));
}
END_TEST

START_TEST(test_describe_error)
{
	char buf[80];

	ata_describe_error(0x51, 0x04, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: aborted (status 0x51, error 0x4)");
	ata_describe_error(0x51, 0x40, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: uncorrectable data (status 0x51, error 0x40)");
	ata_describe_error(0x51, 0x10, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: sector not found (status 0x51, error 0x10)");
	ata_describe_error(0x71, 0x00, buf, sizeof(buf));
	ck_assert_str_eq(buf, "device fault (status 0x71, error 0)");
	ata_describe_error(0x41, 0x00, buf, 10);
	ck_assert_str_eq(buf, "error: un");
}
END_TEST

Suite *ata_suite(void)
{
	Suite *s = suite_create("ata");
	TCase *tc = tcase_create("identify");

	tcase_add_test(tc, test_identify_qemu_disk);
	tcase_add_test(tc, test_identify_sizes);
	tcase_add_test(tc, test_identify_refused);
	tcase_add_test(tc, test_identify_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	tcase_add_test(tc, test_plan_lba28);
	tcase_add_test(tc, test_plan_lba48);
	tcase_add_test(tc, test_describe_error);
	suite_add_tcase(s, tc);
	return s;
}
