/* SPDX-License-Identifier: GPL-2.0-only */
/* The local APIC, as the rest of arch/ needs it. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include "types.h"

void lapic_eoi(void);
uint32_t lapic_id(void);

#endif
