/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel debug object (see include/l4/debug.h). */
#include "debug.h"
#include <l4/debug.h>
#include <l4/errno.h>
#include "arch.h"
#include "cap.h"
#include "check.h"
#include "console.h"
#include "task.h"
#include "thread.h"

/* A boot-time singleton, charged to nobody and never destroyed. */
static struct kobj debug = { .type = L4_OBJ_DEBUG };

struct kobj *debug_object(void)
{
	return &debug;
}

void debug_invoke(struct thread *cur, struct cap *c, uint64_t tag)
{
	uint64_t *mr = cur->utcb->mr;
	unsigned words = l4_tag_words(tag), out = 0;
	int err = L4_OK;

	uint64_t op = l4_tag_label(tag);

	/* Looking (the rate, the self-check) needs READ; output and exit WRITE. */
	if (!(c->rights & (op == L4_DEBUG_TSC_KHZ || op == L4_DEBUG_CHECK ? L4_CAP_RIGHT_READ :
			   L4_CAP_RIGHT_WRITE))) {
		regs_set_error(&cur->regs, L4_ERIGHTS);
		return;
	}
	switch (op) {
	case L4_DEBUG_PUTC:
		if (words < 1)
			err = L4_EMSG;
		else
			kprintf("%c", (char)mr[0]);
		break;
	case L4_DEBUG_PUTS:
		if (words < 1 || mr[0] > L4_DEBUG_PUTS_MAX || words < 1 + (mr[0] + 7) / 8)
			err = L4_EMSG;
		else
			kprintf("%.*s", (int)mr[0], (const char *)&mr[1]);
		break;
	case L4_DEBUG_EXIT:
		if (words < 1) {
			err = L4_EMSG;
			break;
		}
		/* (On a line of its own: a user-level console server may have
		 * begun one on the same port.) */
		kprintf("\ndebug: task %s ends the machine with status %llu\n", cur->task->name,
			(unsigned long long)mr[0]);
		arch_machine_exit((unsigned)MIN(mr[0], 127ull));
	case L4_DEBUG_TSC_KHZ:
		mr[0] = arch_tsc_khz();
		out = 1;
		break;
	case L4_DEBUG_CHECK: {
		struct check_result r = kernel_check();
		mr[0] = r.broken;
		mr[1] = r.first;
		mr[2] = r.objects;
		mr[3] = r.nodes;
		mr[4] = r.stack;
		mr[5] = r.free;
		out = 6;
		break;
	}
	default:
		err = L4_ENOSYS;
		break;
	}
	regs_set_result(&cur->regs, (uint64_t)err, l4_tag(0, out, 0), 0);
}
