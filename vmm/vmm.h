/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the VMM task's files share: the guest's RAM, the board, the vCPUs
 * and their handlers' state, the VMM lock (vmm/README.md, "Several
 * vCPUs"). Defined in main.c. The board, every device model and the
 * vCPUs' fields are under vmm_lock unless a comment says otherwise.
 *
 * The files of the VMM task: main.c (start-up and the exit loop), vcpu.c
 * (the VM and its vCPUs), vapic.c (APIC virtualization), timer.c (the
 * timer thread); and the pure ones, which the host unit tests drive:
 * setup.c (guest set-up), cpuid.c, msr.c, irq.c (interrupt delivery),
 * console.c, input.c, stats.c, board.c and bus.c, dev/, x86/, loader/.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include "l4lib.h"
#include "l4vcpu.h"
#include "board.h"
#include "console.h"
#include "input.h"
#include "irq.h"
#include "stats.h"

/* One per vCPU: its capabilities and the handler's state of it. Every
 * handler thread serves one vCPU. */
struct vcpu_ctx {
	unsigned id;                  /* its index = its local APIC ID */
	l4_cap_t cap, ep;             /* the vCPU, the endpoint its exits come to */
	l4_cap_t wake;                /* a notification: its handler waits on it at a HLT */
	struct irq_vcpu irq;          /* posting or not, a pending NMI, the TPR threshold */
	l4_word_t debug_regs[8];      /* its DR0-DR7 (DR7 lives in the VMCS) */
	volatile bool wait_sipi;      /* after an INIT: stopped until a start-up IPI */
	bool halted_off;              /* at a HLT with interrupts off: an NMI or INIT wakes it */
};

extern struct board board;
extern struct vcpu_ctx vcpus[L4_ENV_MAX_VCPUS];
extern unsigned nvcpus;
extern uint8_t *ram;                          /* guest RAM in our address space */
extern uint64_t ram_size;
extern unsigned long tsc_khz;
extern volatile bool guest_done;              /* (read without the lock) */
extern bool guest_failed;                     /* stopped by an error, not by reset or exit */
extern volatile vdev_time_t next_deadline;    /* the board's next timer event (the timer thread's) */
extern struct vmm_stats stats;
extern struct console console;
extern struct input_ring input;               /* (its own protocol: input.h) */

/* Guest time: nanoseconds since the board's time 0. */
vdev_time_t now_ns(void);

/* The VMM lock (main.c says how it works); the unlock sends the kicks
 * noted meanwhile (vcpu_kick). */
void vmm_lock(void);
void vmm_unlock(void);
/* With the lock held (a device asking for its I/O thread): signals the
 * notification at the unlock (nothing under the lock wakes a thread). */
void vmm_wake_at_unlock(l4_cap_t notification);

/* ---- vcpu.c: the VM and its vCPUs */

/* The VM with guest RAM mapped into it, and nvcpus vCPUs whose exits come
 * to their endpoints, each bound to its host CPU; false (said why) if not. */
bool vm_create(l4_cap_t *vm, unsigned prio);
/* The board's callbacks, with the lock held: INIT, start-up IPI, NMI, and
 * a kick (sent at the unlock: vcpu_kicks_due). */
void vcpu_init(void *ctx, unsigned cpu);
void vcpu_sipi(void *ctx, unsigned cpu, uint8_t vector);
void vcpu_nmi(void *ctx, unsigned cpu);
void vcpu_kick(void *ctx, unsigned cpu);
/* The kicks noted since the last call (a bit per vCPU), taken; and sending one. */
unsigned vcpu_kicks_due(void);
void vcpu_kick_now(unsigned cpu);
/* The guest is done: every vCPU stops, the main thread hears of it (c: the caller's vCPU). */
void vcpu_stop_all(struct vcpu_ctx *c);

/* ---- disk.c: the guest's virtio disk over a block server volume */

/* Opens the volume called name (vmm.disk=) and fills *be for the board's
 * device; starts the disk thread. false (said why) if there is none. */
bool disk_open(const char *name, struct vblk_backend *be);
/* The disk's requests and where their time went (with the statistics). */
void disk_print_stats(void);

/* ---- net.c: the guest's virtio NIC on a port of the virtual switch */

/* Attaches to the switch (vmm.net) and fills *be for the board's device,
 * with the address mac (NULL: one made from the program's name, the same
 * every boot). false (said why) if there is none. */
bool net_open(const uint8_t mac[6], struct vnet_backend *be);
/* Starts the net thread (after the board exists). */
bool net_start(void);
/* Frames, drops and the net thread's wake-ups (with the statistics). */
void net_print_stats(void);

/* ---- timer.c */

/* The timer thread: runs the board's timers when due (kicking the vCPUs
 * that get an interrupt) and fetches typed input. */
long timer_thread(long arg);

#endif
