/* SPDX-License-Identifier: GPL-2.0-only */
#include "kobj.h"
#include "factory.h"
#include "ipc.h"
#include "irq.h"
#include "task.h"
#include "thread.h"

struct kobj *kobj_reap_list;

void kobj_destroy(struct kobj *o)
{
	if (o->dying)
		return;
	o->dying = true;
	o->reap_next = kobj_reap_list;
	kobj_reap_list = o;
}

void kobj_reap(void)
{
	while (kobj_reap_list) {
		struct kobj *o = kobj_reap_list;
		kobj_reap_list = o->reap_next;
		switch (o->type) {
		case L4_OBJ_TASK:
			task_destroy((struct task *)o);
			break;
		case L4_OBJ_THREAD:
			thread_destroy((struct thread *)o);
			break;
		case L4_OBJ_ENDPOINT:
			endpoint_destroy((struct endpoint *)o);
			break;
		case L4_OBJ_NOTIFICATION:
			notification_destroy((struct notification *)o);
			break;
		case L4_OBJ_FACTORY:
			factory_destroy((struct factory *)o);
			break;
		case L4_OBJ_IRQ:
			irq_destroy((struct irq *)o);
			break;
		default:
			break;    /* boot-time singletons (irq control) are never destroyed */
		}
	}
}
