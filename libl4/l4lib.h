/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libl4: the user-level library native programs are written against.
 * The system call stubs and every protocol are in include/l4/; this adds
 * the conveniences: printing, capability slots, invoking kernel objects,
 * threads, sharing an image with a new task, sigma0 requests, time.
 *
 * Every thread started through libl4 (and the main thread, set up by
 * the start-up code) has a thread-local block at its TLS base (FS):
 * l4_utcb() and l4_self() read it, so they work in any thread.
 */
#ifndef L4LIB_H
#define L4LIB_H

#include <l4/boot.h>
#include <l4/caps.h>
#include <l4/debug.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/msg.h>
#include <l4/sigma0.h>
#include <l4/syscall.h>
#include <l4/task.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <l4/vcpu.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The boot information (sigma0 and the root task; NULL elsewhere). */
extern struct l4_boot_info *l4_boot_info;
/* The environment page (programs the root task starts; NULL elsewhere). */
extern const struct l4_env *l4_env;
/* The slot of the environment's capability called name, or L4_CAP_NONE. */
l4_cap_t l4_env_cap(const char *name);
/* The endpoint the program serves (`serve NAME`: the one it may receive
 * on), or L4_CAP_NONE. */
l4_cap_t l4_env_served(void);

/* ---- printing: whole lines (see l4_log_set); l4_flush sends an unfinished
 * line now (a prompt), which the console server shows at once only for the
 * program configured with `input` */
int l4_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int l4_vprintf(const char *fmt, va_list ap);
void l4_flush(void);

/* ---- the calling thread */
struct l4_tls {
	struct l4_tls *self;       /* FS:0 points here */
	struct l4_utcb *utcb;
	l4_cap_t thread;           /* the thread's own capability, in its task */
	long result;               /* what its function returned */
	volatile bool done;
};

static inline struct l4_tls *l4_self(void)
{
	struct l4_tls *t;

	__asm__("movq %%fs:0, %0" : "=r"(t));
	return t;
}

static inline struct l4_utcb *l4_utcb(void)
{
	return l4_self()->utcb;
}

/* ---- memory: malloc from the memory server's regions (programs that
 * `use mem`) or from a 64 KiB arena in the image */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

/* ---- formatting (printf conversions of kernel/format.h) */
int l4_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int l4_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Where l4_printf goes: the console server's "log" endpoint if the program
 * has one (lines prefixed with its name there), else the kernel's debug
 * console (prefixed here). The console server itself sets L4_CAP_NONE. */
void l4_log_set(l4_cap_t log);

/* ---- capability slots: handed out upwards from L4_CAP_FIRST_FREE; freed
 * ones (empty again) are handed out again first */
l4_cap_t l4_slot_alloc(void);
void l4_slot_free(l4_cap_t slot);

/* ---- typed items (msg.h) in message registers mr[at], mr[at + 1] */
static inline void l4_item_map(l4_word_t *mr, l4_word_t send_base, l4_word_t fpage)
{
	mr[0] = L4_ITEM_MAP | (send_base & ~0xfffull);
	mr[1] = fpage;
}
static inline void l4_item_grant(l4_word_t *mr, l4_word_t send_base, l4_word_t fpage)
{
	mr[0] = L4_ITEM_GRANT | (send_base & ~0xfffull);
	mr[1] = fpage;
}
/* A capability item: our slot, with rights, to land in the receiver's window. */
static inline void l4_item_cap(l4_word_t *mr, l4_cap_t slot, unsigned rights)
{
	mr[0] = L4_ITEM_MAP;
	mr[1] = l4_fpage_cap(slot, 0, rights);
}

/* ---- the kernel debug capability (include/l4/debug.h): L4_CAP_DEBUG in a
 * task the kernel started, the "debug" capability of a program whose
 * configuration says `debug`; L4_CAP_NONE otherwise. */
l4_cap_t l4_debug_cap(void);
/* Ends the machine with status (tests, benchmarks); returns an error code
 * only if there is no debug capability. */
l4_word_t l4_debug_exit(unsigned status);

/* ---- servers: receive on ep, call handler for each message (label,
 * badge, words in l4_utcb()->mr), reply with the tag it returns and wait
 * for the next. Never returns. */
typedef l4_word_t (*l4_handler_fn)(l4_word_t label, l4_word_t badge, unsigned words, unsigned items);
_Noreturn void l4_server_loop(l4_cap_t ep, l4_handler_fn handler);

/* ---- invoking kernel objects: label, then the argument words */
struct l4_result l4_invoke(l4_cap_t cap, l4_word_t label, unsigned n, const l4_word_t *args);
#define L4_INVOKE(cap, label, ...) ({ const l4_word_t l4_args_[] = { 0, ##__VA_ARGS__ }; \
	l4_invoke(cap, label, sizeof(l4_args_) / sizeof(l4_args_[0]) - 1, l4_args_ + 1); })

/* A new object from our factory (L4_FACTORY_ENDPOINT or _NOTIFICATION) in
 * a fresh slot; L4_CAP_NONE on error. */
l4_cap_t l4_make(l4_word_t factory_op);
/* Bytes of kernel memory the factory's quota has paid for (L4_FACTORY_INFO
 * MR1); 0 if the capability is not a factory that may be read. */
static inline l4_word_t l4_factory_used(l4_cap_t factory)
{
	return L4_INVOKE(factory, L4_FACTORY_INFO).error ? 0 : l4_utcb()->mr[1];
}

/* Copies our capability in slot to the same slot of task. Error code. */
l4_word_t l4_give_cap(l4_cap_t task, l4_cap_t slot);

/* A new task with cap_slots capability slots that shares this program's
 * image (text read-only, data read-write: the same memory), so threads
 * of this program can run in it. L4_CAP_NONE on error. */
l4_cap_t l4_task_share_image(l4_word_t cap_slots);

/* ---- threads (at most L4_MAX_THREADS at a time, each with its own stack) */
#define L4_MAX_THREADS 32
typedef long (*l4_thread_fn)(long arg);

/* Starts fn(arg) at priority prio in task (L4_CAP_TASK: ours, or one made
 * by l4_task_share_image). Returns the thread's slot, or L4_CAP_NONE. */
l4_cap_t l4_thread_start_in(l4_cap_t task, l4_thread_fn fn, long arg, unsigned prio);
static inline l4_cap_t l4_thread_start(l4_thread_fn fn, long arg, unsigned prio)
{
	return l4_thread_start_in(L4_CAP_TASK, fn, arg, prio);
}
/* fn's result once the thread has finished, else -1. */
long l4_thread_result(l4_cap_t thread);

/* Binds a thread to CPU cpu (0 .. l4_cpu_count() - 1); an error code. */
static inline long l4_thread_set_cpu(l4_cap_t thread, unsigned cpu)
{
	return L4_INVOKE(thread, L4_THREAD_SET_CPU, cpu).error;
}

/* The CPU a thread is bound to, or -1 on an error; *online: CPUs online. */
static inline long l4_thread_get_cpu(l4_cap_t thread, unsigned *online)
{
	if (L4_INVOKE(thread, L4_THREAD_GET_CPU).error)
		return -1;
	if (online)
		*online = (unsigned)l4_utcb()->mr[1];
	return (long)l4_utcb()->mr[0];
}
/* Waits (sleeping) until the thread has finished; false after about 2 s. */
bool l4_thread_join(l4_cap_t thread);
/* Deletes the thread (it stops wherever it is) and frees its stack. */
void l4_thread_kill(l4_cap_t thread);

/* ---- sigma0 */
/* 2^order bytes at phys (or L4_SIGMA0_ANY), received into the memory
 * window `window`; the physical address, or ~0 with *error set. */
l4_word_t l4_sigma0_alloc(l4_word_t phys, unsigned order, l4_word_t window, l4_word_t *error);
/* The same through another capability to sigma0 (the memory server's "sigma0"). */
l4_word_t l4_sigma0_alloc_from(l4_cap_t sigma0, l4_word_t phys, unsigned order, l4_word_t window,
			       l4_word_t *error);
/* 2^order I/O ports from `port`; an error code. */
l4_word_t l4_sigma0_io(unsigned port, unsigned order);

/* ---- time */
static inline unsigned long long l4_rdtsc(void)
{
	unsigned lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}
/* Blocks for about us microseconds. */
void l4_sleep_us(unsigned long us);
/* Busy-waits us microseconds (needs the boot information's TSC rate). */
void l4_spin_us(unsigned long us);

/* The program: the start-up code calls main and, when it returns, stops
 * the thread. */
int main(int argc, char **argv);

#endif
