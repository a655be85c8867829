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

/* A fault while panicking ends the machine at once instead of recursing. */
static bool panicking;

void panic_begin(const char *fmt, ...)
{
	va_list ap;

	if (panicking)
		arch_machine_exit(2);
	panicking = true;
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	struct thread *t = sched_current();
	if (t)
		kprintf("current thread: %s in task %s\n", t->name[0] ? t->name : "(unnamed)",
			t->task && t->task->name[0] ? t->task->name : "(none)");
	else
		kprintf("current thread: none (kernel start-up or idle)\n");
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
