/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel self-tests (see selftest.h). Each returns NULL or why it failed. */
#include "selftest.h"
#include "arch.h"
#include "cmdline.h"
#include "console.h"
#include "format.h"
#include "layout.h"
#include "mem.h"
#include "string.h"

#define ALLOC_TEST_FRAMES 256
#define TIMER_TEST_TICKS 10

static char why[128];     /* the reason a test failed, when it formats one */
static volatile uint64_t probe_target = 0x5a;

static const char *test_format(void)
{
	char buf[64];
	static const struct { const char *want; int len; } cases[] = {
		{ "[   42|42   |00042|-0042]", 25 },
		{ "[0xdeadbeef|DEADBEEF|ffffffffffffffff]", 38 },
		{ "[abc|  x|%|0x1000]", 18 },
	};
	int n[3];

	n[0] = fmt_snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%05d]", 42, 42, 42, -42);
	if (n[0] != cases[0].len || !streq(buf, cases[0].want))
		return "integer widths and padding";
	n[1] = fmt_snprintf(buf, sizeof(buf), "[%#lx|%X|%lx]", 0xdeadbeeful, 0xdeadbeefu, ~0ul);
	if (n[1] != cases[1].len || !streq(buf, cases[1].want))
		return "hexadecimal";
	n[2] = fmt_snprintf(buf, sizeof(buf), "[%.3s|%3c|%%|%p]", "abcdef", 'x', (void *)0x1000);
	if (n[2] != cases[2].len || !streq(buf, cases[2].want))
		return "strings, characters, pointers";
	if (fmt_snprintf(buf, 4, "%d", 123456) != 6 || !streq(buf, "123"))
		return "truncation";
	return NULL;
}

static const char *test_cmdline(void)
{
	const char *line = "console=com2 loglevel=4 flag test=pf loglevel=0x10";
	char val[8];
	uint64_t v;

	if (!cmdline_get(line, "console", val, sizeof(val)) || !streq(val, "com2"))
		return "string value";
	if (!cmdline_get_u64(line, "loglevel", &v) || v != 16)
		return "the last of repeated keys";
	if (!cmdline_get(line, "flag", val, sizeof(val)) || val[0])
		return "bare key";
	if (cmdline_get(line, "test=", val, sizeof(val)) || cmdline_get(line, "tes", val, sizeof(val)))
		return "prefix matched as a key";
	return NULL;
}

static const char *test_bootinfo(const struct mb2_info *mb)
{
	uint64_t kstart = (uintptr_t)_kernel_phys_start, kend = virt_to_phys(_kernel_end);

	for (unsigned i = 0; i < mb->region_count; i++) {
		const struct mb2_region *r = &mb->regions[i];
		if (r->type == MB2_MEM_AVAILABLE && r->base <= kstart && kend <= r->base + r->len)
			return NULL;
	}
	return "the kernel image lies in no available region of the memory map";
}

/* Every frame of a reserved range, and of firmware's ranges, must be in use. */
static const char *test_frames_reserved(const struct mb2_info *mb)
{
	for (unsigned i = 0; i < mem.reserved_count; i++)
		for (uint64_t a = ALIGN_DOWN(mem.reserved[i].base, PAGE_SIZE);
		     a < mem.reserved[i].end && a < mem.phys_limit; a += PAGE_SIZE)
			if (frame_is_free(&mem.frames, a)) {
				fmt_snprintf(why, sizeof(why), "reserved frame %#llx is free",
					     (unsigned long long)a);
				return why;
			}
	for (unsigned i = 0; i < mb->region_count; i++) {
		const struct mb2_region *r = &mb->regions[i];
		if (r->type == MB2_MEM_AVAILABLE)
			continue;
		for (uint64_t a = ALIGN_DOWN(r->base, PAGE_SIZE);
		     a < r->base + r->len && a < mem.phys_limit; a += PAGE_SIZE)
			if (frame_is_free(&mem.frames, a)) {
				fmt_snprintf(why, sizeof(why), "firmware frame %#llx is free",
					     (unsigned long long)a);
				return why;
			}
	}
	return NULL;
}

static const char *test_frames_count(void)
{
	uint64_t counted = 0;

	for (uint64_t a = 0; a < mem.phys_limit; a += PAGE_SIZE)
		counted += frame_is_free(&mem.frames, a);
	if (counted != mem.frames.free) {
		fmt_snprintf(why, sizeof(why), "bitmap has %llu free frames, counter says %llu",
			     (unsigned long long)counted, (unsigned long long)mem.frames.free);
		return why;
	}
	return NULL;
}

/* Allocates frames, proves each is distinct memory by a per-frame pattern, frees them. */
static const char *test_frames_alloc(void)
{
	static uint64_t got[ALLOC_TEST_FRAMES];
	uint64_t before = mem.frames.free;

	for (unsigned i = 0; i < ALLOC_TEST_FRAMES; i++) {
		got[i] = frame_alloc(&mem.frames);
		if (got[i] == FRAME_NONE)
			return "allocation failed with memory free";
		for (unsigned r = 0; r < mem.reserved_count; r++)
			if (got[i] < mem.reserved[r].end && mem.reserved[r].base < got[i] + PAGE_SIZE)
				return "allocated a reserved frame";
		uint64_t *p = phys_to_virt(got[i]);
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			p[w] = got[i] ^ w;
	}
	for (unsigned i = 0; i < ALLOC_TEST_FRAMES; i++) {
		uint64_t *p = phys_to_virt(got[i]);
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			if (p[w] != (got[i] ^ w))
				return "two allocations share memory";
	}
	if (mem.frames.free != before - ALLOC_TEST_FRAMES)
		return "free count did not drop";
	for (unsigned i = 0; i < ALLOC_TEST_FRAMES; i++)
		if (!frame_free(&mem.frames, got[i]))
			return "free of an allocated frame refused";
	if (frame_free(&mem.frames, got[0]))
		return "double free accepted";
	if (mem.frames.free != before)
		return "free count not restored";
	return NULL;
}

static const char *test_paging(void)
{
	return arch_check_paging();
}

static const char *test_write_protect(void)
{
	if (arch_probe_write(_text_start))
		return "kernel text is writable";
	if (arch_probe_write(_rodata_start))
		return "read-only data is writable";
	if (!arch_probe_write((void *)&probe_target) || probe_target != 0x5a)
		return "kernel data is not writable";
	return NULL;
}

static const char *test_no_identity_map(void)
{
	if (arch_probe_read((const void *)(uintptr_t)KERNEL_PHYS_BASE))
		return "low identity mapping still readable";
	if (!arch_probe_read(phys_to_virt(KERNEL_PHYS_BASE)))
		return "direct map not readable";
	return NULL;
}

static const char *test_breakpoint(void)
{
	return arch_test_breakpoint() ? NULL : "int3 did not return to the next instruction";
}

/* Ticks arrive. Their rate against the TSC is printed, not judged: under an
 * emulator on a loaded host it says more about the host than the kernel. */
static const char *test_timer(unsigned tick_hz)
{
	if (!tick_hz)
		return "no timer";
	uint64_t expect = arch_tsc_khz() * 1000 * TIMER_TEST_TICKS / tick_hz;
	arch_irq_enable();
	uint64_t t0 = arch_timer_ticks();
	/* Wait for a tick edge first, so the measurement spans whole ticks. */
	uint64_t start = arch_read_tsc();
	while (arch_timer_ticks() == t0 && arch_read_tsc() - start < expect * 1000)
		;
	uint64_t t1 = arch_timer_ticks(), c0 = arch_read_tsc();
	while (arch_timer_ticks() < t1 + TIMER_TEST_TICKS && arch_read_tsc() - c0 < expect * 1000)
		;
	uint64_t elapsed = arch_read_tsc() - c0;
	if (arch_timer_ticks() < t1 + TIMER_TEST_TICKS)
		return "timer interrupts do not arrive";
	klog(LOG_INFO, "selftest: %u ticks took %llu TSC cycles (%llu expected)\n", TIMER_TEST_TICKS,
	     (unsigned long long)elapsed, (unsigned long long)expect);
	return NULL;
}

static unsigned passed, failed;

static void report(const char *name, const char *failure)
{
	if (failure) {
		failed++;
		kprintf("selftest: %s ... FAIL (%s)\n", name, failure);
	} else {
		passed++;
		kprintf("selftest: %s ... ok\n", name);
	}
}

unsigned selftest_run_all(const struct mb2_info *mb, unsigned tick_hz)
{
	passed = failed = 0;
	report("format", test_format());
	report("cmdline", test_cmdline());
	report("bootinfo", test_bootinfo(mb));
	report("frames-reserved", test_frames_reserved(mb));
	report("frames-count", test_frames_count());
	report("frames-alloc", test_frames_alloc());
	report("paging", test_paging());
	report("write-protect", test_write_protect());
	report("no-identity-map", test_no_identity_map());
	report("breakpoint", test_breakpoint());
	report("timer", test_timer(tick_hz));
	kprintf("selftest summary: %u passed, %u failed\n", passed, failed);
	return failed;
}
