/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * MC146818 real-time clock and CMOS RAM of a PC: port 0x70 (offset 0,
 * index with the NMI mask in bit 7, write-only) and port 0x71 (offset 1,
 * data), IRQ 8 through a vdev_irq.
 *
 * The time of day is Unix seconds that start from the value the VMM gives
 * at init and advance with guest time; the clock registers show it in BCD
 * or binary, 12 or 24 hours, as register B asks, with the century in CMOS
 * byte 0x32 (the ACPI FADT century index). Writes to clock registers are
 * kept as written and take effect when SET is cleared or, with SET clear,
 * at the next update, as on the chip (invalid fields are clamped into
 * range then). Changing register B's DM or 24/12 bits re-renders the time
 * in the new format at once (the chip would keep the old bytes).
 *
 * The update cycle: UIP reads 1 in the 244 us (8 cycles of 32.768 kHz)
 * before each second boundary; the registers advance at the boundary,
 * which sets UF (update ended) and checks the alarm (AF). The periodic
 * flag PF follows register A's rate. Register C reads and clears the
 * flags; IRQ 8 is asserted while IRQF is. Divider settings other than
 * 010 (32.768 kHz time base) stop the clock; leaving them starts the
 * first update 500 ms later. DSE (daylight saving) and SQWE are stored
 * and have no effect.
 */
#ifndef VMM_DEV_RTC_H
#define VMM_DEV_RTC_H

#include "dev.h"

#define RTC_IRQ        8      /* the RTC's ISA IRQ */
#define RTC_CMOS_SIZE  128    /* bytes addressed by port 0x70 bits 6:0 */

/* CMOS indices. */
enum {
	RTC_SECONDS = 0x00,
	RTC_SECONDS_ALARM = 0x01,
	RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03,
	RTC_HOURS = 0x04,
	RTC_HOURS_ALARM = 0x05,
	RTC_DAY_OF_WEEK = 0x06,   /* 1 = Sunday */
	RTC_DAY_OF_MONTH = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,          /* 00-99 */
	RTC_REG_A = 0x0A,
	RTC_REG_B = 0x0B,
	RTC_REG_C = 0x0C,
	RTC_REG_D = 0x0D,
	RTC_CENTURY = 0x32,
};

#define RTC_A_UIP      0x80   /* update in progress (read-only) */
#define RTC_A_DV       0x70   /* divider chain select */
#define RTC_A_DV_32K   0x20   /* ... 010: 32.768 kHz time base, running */
#define RTC_A_RS       0x0F   /* periodic rate select */
#define RTC_B_SET      0x80   /* inhibit updates while the time is set */
#define RTC_B_PIE      0x40   /* periodic interrupt enable */
#define RTC_B_AIE      0x20   /* alarm interrupt enable */
#define RTC_B_UIE      0x10   /* update-ended interrupt enable */
#define RTC_B_SQWE     0x08   /* square wave output enable */
#define RTC_B_BINARY   0x04   /* DM: binary rather than BCD */
#define RTC_B_24H      0x02   /* 24-hour rather than 12-hour */
#define RTC_B_DSE      0x01   /* daylight saving enable */
#define RTC_C_IRQF     0x80   /* an enabled flag is set: IRQ asserted */
#define RTC_C_PF       0x40   /* periodic */
#define RTC_C_AF       0x20   /* alarm */
#define RTC_C_UF       0x10   /* update ended */
#define RTC_D_VRT      0x80   /* valid RAM and time (battery good) */
#define RTC_HOUR_PM    0x80   /* hours register, 12-hour mode: PM */
#define RTC_ALARM_ANY  0xC0   /* alarm byte 11xxxxxx matches every value */
#define RTC_INDEX_NMI_OFF 0x80 /* port 0x70 bit 7: NMI disabled */

/* A calendar date: proleptic Gregorian, UTC. */
struct rtc_date {
	int64_t year;
	unsigned month;    /* 1-12 */
	unsigned day;      /* 1-31 */
	unsigned hour, minute, second;
	unsigned wday;     /* 0 = Sunday */
};

struct rtc {
	struct vdev_irq irq;
	unsigned irq_line;
	bool irq_level;
	uint8_t cmos[RTC_CMOS_SIZE];   /* RAM, alarms, clock registers while `raw` */
	uint8_t index;                 /* last write to port 0x70 */
	uint8_t reg_a, reg_b, flags;   /* flags: register C without IRQF */
	bool raw;                      /* the clock registers in cmos[] are the time */
	bool running;                  /* divider chain counting */
	int64_t secs;                  /* the time (Unix seconds) when !raw */
	uint8_t wday_offset;           /* guest's day of week minus the real one, mod 7 */
	vdev_time_t next_update;       /* the next second boundary */
	vdev_time_t div_start;         /* when the divider chain started */
	uint64_t pf_cycles;            /* 32.768 kHz cycles since div_start seen for PF */
	vdev_time_t last;              /* latest guest time seen */
};

/*
 * Reset at guest time now with the time of day unix_seconds (clamped to
 * years 0000-9999, what the registers can show): register A
 * 0x26 (running, 1024 Hz periodic rate), B 0x02 (24 hours, BCD), the first
 * update one second later, CMOS RAM zero, IRQ deasserted.
 */
void rtc_init(struct rtc *rtc, const struct vdev_irq *irq, unsigned irq_line, vdev_time_t now,
	      int64_t unix_seconds);

/*
 * Offset 0 is port 0x70 (reads as open bus), offset 1 port 0x71. Byte
 * registers: wider reads return bits 7:0 with open-bus upper bytes, wider
 * writes use bits 7:0.
 */
uint64_t rtc_read(struct rtc *rtc, unsigned offset, unsigned size, vdev_time_t now);
void rtc_write(struct rtc *rtc, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

/* Guest time of the next flag that would raise IRQ 8, VDEV_NEVER if none. */
vdev_time_t rtc_next_event(const struct rtc *rtc);

/* Runs the update cycles and periodic flags due by now and drives IRQ 8. */
void rtc_advance(struct rtc *rtc, vdev_time_t now);

/* CMOS RAM bytes (0x0E-0x7F but the century) as the VMM's firmware fills them. */
void rtc_cmos_set(struct rtc *rtc, unsigned index, uint8_t value);
uint8_t rtc_cmos_get(const struct rtc *rtc, unsigned index);

/* Whether port 0x70's last write left NMIs enabled (bit 7 clear). */
bool rtc_nmi_enabled(const struct rtc *rtc);

/* Unix seconds to a date, any value. */
void rtc_unix_to_date(int64_t secs, struct rtc_date *d);

/*
 * A date to Unix seconds; wday is ignored, the year is clamped to
 * +-1,000,000,000 and the month to 1-12; days, hours, minutes and seconds
 * beyond their range carry into the next unit.
 */
int64_t rtc_date_to_unix(const struct rtc_date *d);

#endif
