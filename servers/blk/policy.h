/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The block server's pure logic (host unit tests: tests/unit/blk/): its
 * arguments (volumes and grants, include/l4/blk.h) and the checks of a
 * request, which decide every error a client can get before anything
 * touches a volume.
 */
#ifndef SERVERS_BLK_POLICY_H
#define SERVERS_BLK_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <l4/blk.h>

#define BLK_NAME_MAX 15          /* characters of a volume, program or endpoint name */

enum blk_kind {
	BLK_DISK = 1,            /* through a disk driver (include/l4/disk.h) */
	BLK_RAM = 2,             /* a writable copy of a data module */
};

struct blk_volume_cfg {
	char name[BLK_NAME_MAX + 1];
	enum blk_kind kind;
	char source[BLK_NAME_MAX + 1];   /* the driver's endpoint, or the module */
	bool slice;                      /* disk: only first..first+count-1 */
	uint64_t first, count;
};

struct blk_grant_cfg {
	char program[BLK_NAME_MAX + 1];
	uint32_t volumes;                /* bit i: volume i */
	uint32_t read_only;              /* bit i: volume i only for reading */
};

struct blk_config {
	unsigned volume_count, grant_count;
	struct blk_volume_cfg volumes[L4_BLK_MAX_VOLUMES];
	struct blk_grant_cfg grants[L4_BLK_MAX_CLIENTS];
	char error[160];                 /* why parsing failed */
};

_Static_assert(L4_BLK_MAX_VOLUMES <= 32, "a grant's volumes are bits of a word");

/* Parses the arguments args[0..count-1] (argv[1..]): every vol: first,
 * then every grant:, so their order does not matter. False at the first
 * bad one, with cfg->error saying which and why. */
bool blk_config_parse(struct blk_config *cfg, unsigned count, const char *const *args);

/* The volume called name, or -1. */
int blk_volume_find(const struct blk_config *cfg, const char *name);

/* A name as OPEN carries it (two words, NUL-padded, first byte lowest):
 * true with name[] filled if it is 1-15 characters of [a-z0-9_-] with
 * only NULs after them. */
bool blk_name_from_words(const uint64_t words[2], char name[BLK_NAME_MAX + 1]);

/* May the client with grant g (NULL: none) use volume `handle` of
 * volume_count, for writing if write? L4_OK, L4_ENOENT or L4_ERIGHTS. */
uint64_t blk_check_access(const struct blk_grant_cfg *g, unsigned volume_count, uint64_t handle,
			  bool write);

/* Are count sectors from `sector` inside a volume of `sectors`, and the
 * bytes they take from buffer offset `offset` inside a buffer of
 * buf_bytes (0: none attached)? L4_OK, L4_EFAULT or L4_EINVAL, in the
 * order blk.h gives. Every sum is checked for overflow. */
uint64_t blk_check_io(uint64_t sectors, uint64_t buf_bytes, uint64_t sector, uint64_t count,
		      uint64_t offset);

#endif
