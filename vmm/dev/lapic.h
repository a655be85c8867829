/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Local APIC model (Intel SDM vol. 3A, chapter "Advanced Programmable
 * Interrupt Controller"): one per vCPU, in xAPIC mode (the 4 KiB MMIO page)
 * or x2APIC mode (MSRs 0x800-0x8FF), with the LVT timer in one-shot,
 * periodic and TSC-deadline modes.
 *
 * The VMM delivers external interrupts with lapic_accept_irq(), asks
 * lapic_pending_vector() whether one can be injected now, and calls
 * lapic_ack() when the guest takes it (IRR -> ISR, what the CPU does on
 * INTA). An EOI of a level-triggered vector calls cfg.eoi so the board can
 * tell the IOAPIC; IPIs the model does not complete itself go to cfg.ipi.
 */
#ifndef VMM_DEV_LAPIC_H
#define VMM_DEV_LAPIC_H

#include "dev.h"

/* ------------------------------------------------------------ architecture */

#define LAPIC_DEFAULT_BASE 0xFEE00000ull   /* IA32_APIC_BASE base after reset */
#define LAPIC_MMIO_SIZE    0x1000u         /* the xAPIC register page */

/* MSR numbers (SDM vol. 4, table 2-2). */
#define MSR_IA32_APIC_BASE    0x01Bu   /* APIC base address and mode */
#define MSR_IA32_TSC_DEADLINE 0x6E0u   /* TSC-deadline timer target */
#define MSR_X2APIC_FIRST      0x800u   /* x2APIC register space: 0x800 + (xAPIC offset >> 4) */
#define MSR_X2APIC_LAST       0x8FFu

/* IA32_APIC_BASE fields. */
#define APIC_BASE_BSP   (1ull << 8)    /* this processor is the bootstrap processor */
#define APIC_BASE_EXTD  (1ull << 10)   /* x2APIC mode enable */
#define APIC_BASE_EN    (1ull << 11)   /* APIC global enable */
#define APIC_BASE_ADDR_SHIFT 12        /* the base address is page aligned */

/* xAPIC register offsets within the MMIO page (SDM table "Local APIC Register Address Map"). */
enum lapic_reg {
	LAPIC_ID = 0x020,          /* local APIC ID */
	LAPIC_VER = 0x030,         /* version, max LVT entry */
	LAPIC_TPR = 0x080,         /* task priority */
	LAPIC_APR = 0x090,         /* arbitration priority (xAPIC only) */
	LAPIC_PPR = 0x0A0,         /* processor priority */
	LAPIC_EOI = 0x0B0,         /* end of interrupt, write only */
	LAPIC_RRD = 0x0C0,         /* remote read (xAPIC only) */
	LAPIC_LDR = 0x0D0,         /* logical destination */
	LAPIC_DFR = 0x0E0,         /* destination format (xAPIC only) */
	LAPIC_SVR = 0x0F0,         /* spurious interrupt vector */
	LAPIC_ISR = 0x100,         /* in-service, 8 registers */
	LAPIC_TMR = 0x180,         /* trigger mode, 8 registers */
	LAPIC_IRR = 0x200,         /* interrupt request, 8 registers */
	LAPIC_ESR = 0x280,         /* error status */
	LAPIC_LVT_CMCI = 0x2F0,    /* corrected machine check LVT (not implemented) */
	LAPIC_ICR_LO = 0x300,      /* interrupt command, bits 31:0 */
	LAPIC_ICR_HI = 0x310,      /* interrupt command, bits 63:32 (xAPIC only) */
	LAPIC_LVT_TIMER = 0x320,   /* LVT timer */
	LAPIC_LVT_THERMAL = 0x330, /* LVT thermal sensor */
	LAPIC_LVT_PERF = 0x340,    /* LVT performance monitoring counters */
	LAPIC_LVT_LINT0 = 0x350,   /* LVT LINT0 pin */
	LAPIC_LVT_LINT1 = 0x360,   /* LVT LINT1 pin */
	LAPIC_LVT_ERROR = 0x370,   /* LVT error */
	LAPIC_TIMER_ICR = 0x380,   /* timer initial count */
	LAPIC_TIMER_CCR = 0x390,   /* timer current count, read only */
	LAPIC_TIMER_DCR = 0x3E0,   /* timer divide configuration */
	LAPIC_SELF_IPI = 0x3F0,    /* self IPI (x2APIC only, MSR 0x83F) */
};

/* Version register: an integrated APIC (0x14, as P6 and later report) with six LVT entries. */
#define LAPIC_VERSION     0x14u   /* bits 7:0: integrated local APIC */
#define LAPIC_LVT_COUNT   6u      /* timer, thermal, perf, LINT0, LINT1, error */
#define LAPIC_VER_MAXLVT_SHIFT 16 /* bits 23:16: number of LVT entries minus one */

/* SVR fields. */
#define LAPIC_SVR_VECTOR   0xFFu        /* spurious vector */
#define LAPIC_SVR_ENABLE   (1u << 8)    /* APIC software enable */
#define LAPIC_SVR_FOCUS_OFF (1u << 9)   /* focus processor checking disabled */

/* LVT fields. */
#define LAPIC_LVT_VECTOR     0xFFu        /* bits 7:0: vector */
#define LAPIC_LVT_DM_MASK    (7u << 8)    /* bits 10:8: delivery mode (not timer/error) */
#define LAPIC_LVT_DM_EXTINT  (7u << 8)    /* delivery mode ExtINT: the 8259A supplies the vector */
#define LAPIC_LVT_DS         (1u << 12)   /* delivery status, read only */
#define LAPIC_LVT_POLARITY   (1u << 13)   /* LINTn: input active low */
#define LAPIC_LVT_REMOTE_IRR (1u << 14)   /* LINTn: remote IRR, read only */
#define LAPIC_LVT_LEVEL      (1u << 15)   /* LINTn: level triggered */
#define LAPIC_LVT_MASKED     (1u << 16)   /* interrupt masked */
#define LAPIC_LVT_TIMER_MODE_SHIFT 17     /* timer: bits 18:17 select the mode */
#define LAPIC_LVT_TIMER_MODE (3u << 17)
#define LAPIC_TIMER_ONESHOT  (0u << 17)   /* count down once */
#define LAPIC_TIMER_PERIODIC (1u << 17)   /* reload from the initial count */
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17) /* fire when the TSC reaches IA32_TSC_DEADLINE */

/* ICR fields. */
#define LAPIC_ICR_VECTOR     0xFFu        /* bits 7:0: vector */
#define LAPIC_ICR_DM_MASK    (7u << 8)    /* bits 10:8: delivery mode */
#define LAPIC_ICR_DM_FIXED   (0u << 8)    /* fixed */
#define LAPIC_ICR_DM_LOWEST  (1u << 8)    /* lowest priority */
#define LAPIC_ICR_DM_NMI     (4u << 8)    /* NMI */
#define LAPIC_ICR_DM_INIT    (5u << 8)    /* INIT */
#define LAPIC_ICR_DM_SIPI    (6u << 8)    /* start-up */
#define LAPIC_ICR_LOGICAL    (1u << 11)   /* destination mode logical */
#define LAPIC_ICR_BUSY       (1u << 12)   /* delivery status (xAPIC), read only */
#define LAPIC_ICR_ASSERT     (1u << 14)   /* level: assert */
#define LAPIC_ICR_LEVEL      (1u << 15)   /* trigger mode level */
#define LAPIC_ICR_SH_MASK    (3u << 18)   /* bits 19:18: destination shorthand */
#define LAPIC_ICR_SH_NONE    (0u << 18)   /* use the destination field */
#define LAPIC_ICR_SH_SELF    (1u << 18)   /* self */
#define LAPIC_ICR_SH_ALL     (2u << 18)   /* all including self */
#define LAPIC_ICR_SH_OTHERS  (3u << 18)   /* all excluding self */

/* ESR bits (the ones this model can raise). */
#define LAPIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5) /* an IPI with vector 0-15 was sent */
#define LAPIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6) /* an interrupt with vector 0-15 arrived */
#define LAPIC_ESR_ILLEGAL_REGISTER    (1u << 7) /* access to a reserved register */

/* Vectors 0-15 are reserved for exceptions: the APIC refuses them. */
#define LAPIC_FIRST_VECTOR 16u

/* ------------------------------------------------------------ model */

/* Clock limits: the tick arithmetic stays within 64 bits up to 2^34 Hz (17 GHz). */
#define LAPIC_MAX_HZ (1ull << 34)

struct lapic_config {
	uint32_t apic_id;     /* initial APIC ID (x2APIC ID; the xAPIC ID is its low 8 bits) */
	bool bsp;             /* sets IA32_APIC_BASE.BSP */
	uint64_t bus_hz;      /* timer input clock (before the divider), 1 .. LAPIC_MAX_HZ */
	uint64_t tsc_hz;      /* TSC frequency, 1 .. LAPIC_MAX_HZ */
	uint64_t tsc_offset;  /* guest TSC = tsc_offset + guest ns * tsc_hz / 10^9 */
	unsigned phys_bits;   /* guest MAXPHYADDR (CPUID 0x80000008), 32..52; others mean 36 */
	/* EOI of a level-triggered vector (TMR set): the board tells the IOAPIC. */
	void (*eoi)(void *ctx, uint8_t vector);
	/*
	 * An IPI this APIC does not deliver itself: everything except a fixed
	 * IPI to itself (shorthand self, or physical destination = own ID).
	 * icr in x2APIC layout: bits 31:0 as ICR low, destination in 63:32
	 * (the 8-bit xAPIC destination is moved down from bits 63:56).
	 * "All including self" comes here too: the board delivers it to every
	 * APIC, this one included.
	 */
	void (*ipi)(void *ctx, uint64_t icr);
	void *ctx;
};

struct lapic {
	struct lapic_config cfg;
	uint64_t apic_base;            /* IA32_APIC_BASE */
	uint32_t xapic_id;             /* ID register in xAPIC mode (bits 31:24) */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr;                  /* latched by the last ESR write */
	uint32_t esr_pending;          /* errors seen since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t irr[8], isr[8], tmr[8];   /* 256 bits each, vector v is bit v % 32 of word v / 32 */
	uint32_t lvt[LAPIC_LVT_COUNT];     /* timer, thermal, perf, LINT0, LINT1, error */
	uint32_t timer_icr;            /* initial count register */
	uint32_t timer_dcr;            /* divide configuration register */
	/* Countdown: expiry k (k >= 1) is at first + (k-1)*period counts after start. */
	bool timer_armed;
	vdev_time_t timer_start;       /* guest ns the countdown started */
	uint64_t timer_first;          /* counts from start to the first expiry */
	uint64_t timer_fired;          /* expiries already handled */
	uint64_t tsc_deadline;         /* IA32_TSC_DEADLINE, 0 = disarmed */
	/* Virtual-interrupt delivery (lapic_set_vid): the CPU takes the posted
	 * vectors and their EOIs. irr holds what is not posted yet; isr and
	 * vid_irr are the CPU's virtual ISR and IRR as last seen. */
	bool vid;
	uint32_t vid_irr[8];
	/* Fixed interrupts accepted into IRR (lapic_accept_irq, the timer, an
	 * LVT error) since lapic_init, wrapping: the board compares it to tell
	 * a vCPU that something arrived while another one's access ran. */
	uint32_t accepted;
};

/* Power-up state: xAPIC mode at LAPIC_DEFAULT_BASE, software disabled, LVTs masked. */
void lapic_init(struct lapic *l, const struct lapic_config *cfg);

/* INIT: registers to their power-up values; ID, IA32_APIC_BASE and the mode stay. */
void lapic_reset(struct lapic *l);

/*
 * xAPIC register page. Reads of 1, 2 or 4 bytes within the first dword of a
 * 16-byte register slot return those bytes; other reads return 0. Writes
 * must be 4 bytes at a 16-byte aligned offset, others are ignored. While
 * the page is not decoded (APIC disabled or in x2APIC mode) reads return
 * all ones and writes are ignored.
 */
uint64_t lapic_mmio_read(struct lapic *l, uint64_t offset, unsigned size, vdev_time_t now);
void lapic_mmio_write(struct lapic *l, uint64_t offset, unsigned size, uint64_t val,
		      vdev_time_t now);

/*
 * IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs. false means the
 * access faults (#GP): a reserved MSR, x2APIC MSRs outside x2APIC mode,
 * reading a write-only or writing a read-only register, reserved bits set,
 * an illegal APIC mode transition, or an MSR this model does not handle.
 */
bool lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val, vdev_time_t now);
bool lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val, vdev_time_t now);

/*
 * A fixed interrupt arrives (from the IOAPIC, an IPI or MSI): sets its IRR
 * bit and records the trigger mode in TMR. Refused (false) while the APIC
 * is hardware or software disabled, and for vectors 0-15 (ESR
 * "receive illegal vector").
 */
bool lapic_accept_irq(struct lapic *l, uint8_t vector, bool level_triggered);

/* The vector to inject now: the highest IRR vector whose class beats PPR's, or -1. */
int lapic_pending_vector(const struct lapic *l);

/* The highest requested (IRR) vector, deliverable or not, or -1. */
int lapic_requested_vector(const struct lapic *l);

/* The CPU takes vector: IRR -> ISR. false if vector was not requested. */
bool lapic_ack(struct lapic *l, uint8_t vector);

/* Processor priority: TPR or the class of the highest in-service vector. */
uint32_t lapic_ppr(const struct lapic *l);

/*
 * Virtual-interrupt delivery (the CPU's APIC virtualization): the VMM
 * posts accepted vectors to the CPU, which delivers them by the guest's
 * priorities and retires them at the guest's EOI writes without asking the
 * model. lapic_set_vid turns it on (before the guest runs, with IRR and
 * ISR empty) or off (after lapic_vid_state with the CPU's last state,
 * which the model takes over). While on:
 *   - lapic_post takes the highest accepted vector (-1: none) for the VMM
 *     to post, *level if it is level-triggered (its EOI must come back);
 *   - lapic_pending_vector is -1: nothing is injected by the model;
 *   - lapic_vid_state gives the CPU's virtual IRR and ISR, which register
 *     reads (IRR, ISR, PPR) then show;
 *   - lapic_eoi_vector: the guest's EOI of vector came back to the VMM
 *     (an EOI exit).
 */
void lapic_set_vid(struct lapic *l, bool on);
int lapic_post(struct lapic *l, bool *level);
void lapic_vid_state(struct lapic *l, const uint32_t irr[8], const uint32_t isr[8]);

/* The EOI of vector (the register's EOI retires the highest in service):
 * out of service, and a level-triggered one goes to cfg.eoi. */
void lapic_eoi_vector(struct lapic *l, uint8_t vector);

/* Timer: absolute time of the next expiry (VDEV_NEVER if none matters), and the catch-up. */
vdev_time_t lapic_next_event(const struct lapic *l);
void lapic_advance(struct lapic *l, vdev_time_t now);

/* The guest's TSC at guest time now. */
uint64_t lapic_tsc(const struct lapic *l, vdev_time_t now);

/*
 * Whether an interrupt for destination dest (physical APIC ID, or logical
 * with logical) reaches this APIC: xAPIC flat and cluster models, x2APIC
 * cluster model, and the broadcast destinations. For the board's routing.
 */
bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical);

/* Whether 8259A (ExtINT) interrupts reach the CPU: APIC disabled, or LINT0 unmasked ExtINT. */
bool lapic_accepts_pic_intr(const struct lapic *l);

/* Mode queries. */
bool lapic_hw_enabled(const struct lapic *l);
bool lapic_x2apic_mode(const struct lapic *l);
/* Whether the xAPIC page decodes (enabled, xAPIC mode), and where it is. */
bool lapic_mmio_enabled(const struct lapic *l);
uint64_t lapic_mmio_base(const struct lapic *l);

#endif
