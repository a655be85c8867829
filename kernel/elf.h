/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF64 executable checking. elf_parse validates everything the loader
 * will use (header identity, program header table bounds, every loadable
 * segment's file range, sizes, alignment and user-half addresses, and
 * that the entry point lies in an executable segment) before anything is
 * loaded, so a malformed or truncated image is refused with a reason.
 * Pure code: also compiled into the host unit tests.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include "types.h"

#define ELF_MAX_SEGMENTS 16
#define ELF_USER_LIMIT 0x0000800000000000ull

#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	unsigned flags;      /* ELF_SEG_* */
};

struct elf_image {
	uint64_t entry;
	unsigned segment_count;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/* Returns NULL if the image is a loadable x86-64 executable, else why not. */
const char *elf_parse(const void *image, size_t size, struct elf_image *out);

#endif
