/* SPDX-License-Identifier: GPL-2.0-only */
#include "console.h"
#include "arch.h"
#include "format.h"
#include "sched.h"
#include "task.h"

enum log_level console_log_level = LOG_INFO;

static void console_sink(void *ctx UNUSED, char c)
{
	arch_console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(console_sink, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > console_log_level)
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/*
 * The first CPU to panic reports; every other CPU stops: the reporter
 * sends each an NMI, whose handler panics too and halts here, as does a
 * second CPU that panics at the same moment. A fault while panicking ends
 * the machine at once instead of recursing.
 */
static int panic_cpu = -1;
static unsigned panic_stopped;     /* other CPUs halted by now */

void panic_begin(const char *fmt, ...)
{
	int me = (int)this_cpu->id, first = -1;
	va_list ap;

	if (!__atomic_compare_exchange_n(&panic_cpu, &first, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (first == me)
			arch_machine_exit(2);
		__atomic_add_fetch(&panic_stopped, 1, __ATOMIC_RELEASE);
		arch_cpu_stop();
	}
	unsigned others = arch_stop_other_cpus();
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	struct thread *t = sched_current();
	if (t)
		kprintf("current thread on CPU %d: %s in task %s\n", me, t->name[0] ? t->name : "(unnamed)",
			t->task && t->task->name[0] ? t->task->name : "(none)");
	else
		kprintf("current thread on CPU %d: none (kernel start-up or idle)\n", me);
	if (!others)
		return;
	for (unsigned ms = 0; ms < 100 && __atomic_load_n(&panic_stopped, __ATOMIC_ACQUIRE) < others; ms++)
		delay_us(1000);
	unsigned stopped = __atomic_load_n(&panic_stopped, __ATOMIC_ACQUIRE);
	if (stopped >= others)
		kprintf("panic: the other %u CPUs stopped\n", others);
	else
		kprintf("panic: %u of the other %u CPUs did not stop within 100 ms\n", others - stopped, others);
}

void panic_end(void)
{
	kprintf("system halted\n");
	arch_machine_exit(2);
}

void panic(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic_begin("%s", msg);
	panic_end();
}
