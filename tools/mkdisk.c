// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkdisk FILE SECTORS SEED: writes a raw disk image of SECTORS 512-byte
 * sectors whose every byte is blk_pattern(SEED, sector, offset)
 * (tests/programs/blk-pattern.h): the known content the block server's
 * boot tests read back (make builds build/blk-disk.img and blk-ram.img).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/programs/blk-pattern.h"

static unsigned long long number(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "mkdisk: %s '%s' is not a number\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mkdisk FILE SECTORS SEED\n");
		return 2;
	}
	unsigned long long sectors = number(argv[2], "SECTORS"), seed = number(argv[3], "SEED");
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		fprintf(stderr, "mkdisk: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	unsigned char sector[512];
	int ok = 1;
	for (unsigned long long s = 0; ok && s < sectors; s++) {
		for (unsigned i = 0; i < sizeof(sector); i++)
			sector[i] = blk_pattern(seed, s, i);
		ok = fwrite(sector, sizeof(sector), 1, f) == 1;
	}
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "mkdisk: %s: cannot write\n", argv[1]);
		remove(argv[1]);
		return 1;
	}
	return 0;
}
