/* SPDX-License-Identifier: GPL-2.0-only */
/* The local APIC, as the rest of arch/ needs it. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include "types.h"

void lapic_eoi(void);
/* The timer's interrupt on an idle CPU, if it needs no lock (sched_tick_idle). */
bool timer_tick_idle(void);
uint32_t lapic_id(void);

/* An application processor's local APIC and tick, as the boot CPU's. */
void lapic_cpu_init(void);

/* Interrupt command: icr_low (vector, delivery mode, level) to the CPU
 * with that APIC ID; false if an xAPIC never took it. */
#define ICR_INIT   0x00004500u       /* INIT, level assert */
#define ICR_SIPI   0x00004600u       /* start-up, vector = page number of the code */
#define ICR_FIXED  0x00004000u       /* fixed delivery, level assert: | vector */
#define ICR_NMI    0x00004400u       /* NMI, level assert */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

/* Spins for us microseconds (TSC; after the timer's calibration). */

#endif
