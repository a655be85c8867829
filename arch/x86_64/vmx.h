/* SPDX-License-Identifier: GPL-2.0-only */
/* VT-x: VMX operation on this CPU. */
#ifndef ARCH_VMX_H
#define ARCH_VMX_H

#include "types.h"

/* Enters VMX root operation if the CPU and firmware allow it; prints the
 * outcome. Returns true if VMX is on. */
bool vmx_init(void);

/* True once VMXON succeeded. */
extern bool vmx_on;

#endif
