/* SPDX-License-Identifier: GPL-2.0-only */
/* A fake guest RAM with page-table builders (test_walk.c), shared with test_emulate.c. */
#ifndef TESTS_UNIT_VMM_GMEM_H
#define TESTS_UNIT_VMM_GMEM_H

#include <stdint.h>

struct gmem;
struct gmem *gmem_new(void);
void gmem_delete(struct gmem *m);
uint8_t *gmem_at(struct gmem *m, uint64_t gpa);
int gmem_read(void *ctx, uint64_t gpa, void *buf, unsigned len);
int gmem_write(void *ctx, uint64_t gpa, const void *buf, unsigned len);
uint64_t gmem_get(struct gmem *m, uint64_t gpa, unsigned size);
void gmem_put(struct gmem *m, uint64_t gpa, uint64_t v, unsigned size);
uint64_t gmem_table(struct gmem *m);
uint64_t gmem_entry(struct gmem *m, unsigned mode, uint64_t cr3, uint64_t la, unsigned level);
void gmem_map(struct gmem *m, unsigned mode, uint64_t cr3, uint64_t la, uint64_t pa,
	      unsigned level, uint64_t flags);

#endif
