/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel test suite: a root task that exercises the kernel through
 * its system calls and reports one line per test over the kernel's
 * debug console: "ktest: NAME ... ok" or "ktest: NAME ... FAIL (why)",
 * then "ktest summary: N passed, M failed", and ends the machine.
 */
#ifndef KTEST_H
#define KTEST_H

#include <l4/boot.h>
#include <l4/caps.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/msg.h>
#include <l4/sigma0.h>
#include <l4/syscall.h>
#include <l4/task.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <stdbool.h>
#include <stddef.h>

/* The main thread's UTCB. */
#define UTCB0 ((struct l4_utcb *)L4_BOOT_UTCB_ADDR)

int kprint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Failing check: records the first failure of the running test. */
void ktest_fail(const char *file, int line, const char *what);
#define CHECK(cond) do { if (!(cond)) { ktest_fail(__FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ(a, b) do { unsigned long long _a = (a), _b = (b); if (_a != _b) { \
	ktest_fail_eq(__FILE__, __LINE__, #a, _a, _b); return; } } while (0)
void ktest_fail_eq(const char *file, int line, const char *what, unsigned long long got,
		   unsigned long long want);

struct ktest {
	const char *name;
	void (*fn)(void);
};

/* Each test file defines a table; main.c runs them all. */
extern const struct ktest ktests_syscall[], ktests_factory[], ktests_caps[], ktests_ipc[],
	ktests_sched[], ktests_mem[], ktests_fpu[], ktests_io[], ktests_irq[], ktests_task[];

/* ---- helpers (main.c) */

extern struct l4_boot_info *boot_info;

/* The calling thread's UTCB. */
struct l4_utcb *utcb_self(void);

/* A free capability slot (never reused within a run). */
l4_cap_t slot_alloc(void);

/* Invokes a kernel object: label, words from the arguments. */
struct l4_result invoke(l4_cap_t cap, l4_word_t label, unsigned n, const l4_word_t *args);
#define INVOKE(cap, label, ...) ({ const l4_word_t _args[] = { 0, ##__VA_ARGS__ }; \
	invoke(cap, label, sizeof(_args) / sizeof(_args[0]) - 1, _args + 1); })

/* Factory shortcuts: the new object's slot, or L4_CAP_NONE (error in *err). */
l4_cap_t make_endpoint(void);
l4_cap_t make_notification(void);

/* Threads in the test task: fn(arg, utcb) runs on its own stack and UTCB.
 * Returns the thread's capability slot. */
typedef long (*ktest_thread_fn)(long arg, struct l4_utcb *utcb);
l4_cap_t ktest_thread_start(ktest_thread_fn fn, long arg, unsigned prio);
/* The same in another task (one made by make_shadow_task). */
l4_cap_t ktest_thread_start_in(l4_cap_t task, ktest_thread_fn fn, long arg, unsigned prio);

/* A task sharing this task's image (text read-only, data and stacks
 * read-write), so test threads can run in it; 4096 capability slots. */
l4_cap_t make_shadow_task(void);
/* Copies our capability in slot to the same slot of task. Error code. */
int give_cap(l4_cap_t task, l4_cap_t slot);

/* Asks sigma0 for 2^order bytes at phys (or L4_SIGMA0_ANY), received in
 * window; returns the physical address, or ~0 with *error set. */
l4_word_t sigma0_alloc(l4_word_t phys, unsigned order, l4_word_t window, l4_word_t *error);

/* Stops and deletes a test thread. */
void ktest_thread_kill(l4_cap_t thread);
/* The value the thread's function returned, once it has finished, else -1. */
long ktest_thread_result(l4_cap_t thread);
/* Waits (sleeping) until the thread finished; false after about 2 s. */
bool ktest_thread_join(l4_cap_t thread);

/* Blocks for about us microseconds (lower priorities run meanwhile). */
void sleep_us(unsigned long us);

/* Microseconds of busy-waiting measured with the TSC. */
void spin_us(unsigned long us);
unsigned long long rdtsc(void);

#endif
