/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq.h"
#include <l4/errno.h>
#include <l4/irq.h>
#include "arch.h"
#include "console.h"
#include "factory.h"
#include "ipc.h"
#include "task.h"
#include "thread.h"

static struct irq *lines[IRQ_MAX_LINES];
static unsigned line_count;
static struct acpi_irq_info routing;
static struct kobj irq_control = { .type = L4_OBJ_IRQ_CONTROL };

struct kobj *irq_init(const struct acpi_irq_info *acpi)
{
	routing = *acpi;
	line_count = arch_irq_init(acpi->ioapic_phys, acpi->ioapic_gsi_base);
	return &irq_control;
}

void irq_raise(unsigned gsi)
{
	struct irq *irq = gsi < IRQ_MAX_LINES ? lines[gsi] : NULL;

	if (!irq || !irq->notif) {
		arch_irq_mask(gsi, true);    /* nobody listens: keep it quiet */
		return;
	}
	irq->count++;
	/* A level-triggered line would fire again at once: masked until ACK. */
	if (irq->flags & L4_IRQ_LEVEL)
		arch_irq_mask(gsi, true);
	notification_signal(irq->notif, irq->bits);
}

static int create(struct thread *cur, uint64_t slot, unsigned gsi, unsigned flags)
{
	struct cap *dst;

	if (gsi >= line_count)
		return L4_EINVAL;
	int err = cap_lookup_empty(&cur->task->caps, slot, &dst);
	if (err)
		return err;
	if (lines[gsi])
		return L4_EBUSY;
	/* Irq objects are charged to the caller's own factory. */
	struct irq *irq = factory_alloc(cur->task->obj.factory, sizeof(*irq), L4_OBJ_IRQ);
	if (!irq)
		return L4_ENOMEM;
	irq->gsi = gsi;
	irq->flags = flags;
	lines[gsi] = irq;
	arch_irq_configure(gsi, flags & L4_IRQ_LEVEL, flags & L4_IRQ_LOW);
	cap_install_root(dst, &irq->obj, L4_CAP_RIGHTS_ALL, 0);
	return L4_OK;
}

void irq_control_invoke(struct thread *cur, struct cap *c, uint64_t tag)
{
	const uint64_t *mr = cur->utcb->mr;
	uint64_t op = l4_tag_label(tag);
	unsigned words = l4_tag_words(tag);
	int err;

	if (!(c->rights & L4_CAP_RIGHT_WRITE))
		err = L4_ERIGHTS;
	else if (op == L4_IRQ_CONTROL_ISA && words >= 2)
		err = mr[1] >= ACPI_ISA_IRQS ? L4_EINVAL :
		      create(cur, mr[0], routing.isa_gsi[mr[1]],
			     (routing.isa_level[mr[1]] ? L4_IRQ_LEVEL : 0) |
			     (routing.isa_low[mr[1]] ? L4_IRQ_LOW : 0));
	else if (op == L4_IRQ_CONTROL_GSI && words >= 3)
		err = mr[1] >= IRQ_MAX_LINES || (mr[2] & ~(uint64_t)(L4_IRQ_LEVEL | L4_IRQ_LOW)) ?
		      L4_EINVAL : create(cur, mr[0], (unsigned)mr[1], (unsigned)mr[2]);
	else if (op == L4_IRQ_CONTROL_ISA || op == L4_IRQ_CONTROL_GSI)
		err = L4_EMSG;
	else
		err = L4_ENOSYS;
	regs_set_result(&cur->regs, (uint64_t)err, 0, 0);
}

static void unbind(struct irq *irq)
{
	irq->notif = NULL;
	arch_irq_mask(irq->gsi, true);
}

void irq_invoke(struct thread *cur, struct cap *c, uint64_t tag)
{
	struct irq *irq = (struct irq *)c->obj;
	uint64_t *mr = cur->utcb->mr;
	uint64_t op = l4_tag_label(tag);
	unsigned out = 0;
	int err = L4_OK;
	struct cap *n;

	if (!(c->rights & (op == L4_IRQ_INFO ? L4_CAP_RIGHT_READ : L4_CAP_RIGHT_WRITE))) {
		regs_set_error(&cur->regs, L4_ERIGHTS);
		return;
	}
	switch (op) {
	case L4_IRQ_BIND:
		if (l4_tag_words(tag) < 1) {
			err = L4_EMSG;
			break;
		}
		err = cap_lookup(&cur->task->caps, mr[0], L4_OBJ_NOTIFICATION, L4_CAP_RIGHT_WRITE, &n);
		if (err)
			break;
		irq->notif = (struct notification *)n->obj;
		irq->bits = n->badge ? n->badge : 1;
		irq->cpu = cur->pcpu->id;
		arch_irq_route(irq->gsi, irq->cpu);
		arch_irq_mask(irq->gsi, false);
		break;
	case L4_IRQ_UNBIND:
		unbind(irq);
		break;
	case L4_IRQ_ACK:
		if (irq->notif)
			arch_irq_mask(irq->gsi, false);
		break;
	case L4_IRQ_INFO:
		mr[0] = irq->gsi;
		mr[1] = irq->flags;
		mr[2] = irq->count;
		mr[3] = irq->cpu;
		out = 4;
		break;
	default:
		err = L4_ENOSYS;
		break;
	}
	regs_set_result(&cur->regs, (uint64_t)err, l4_tag(0, out, 0), 0);
}

void irq_destroy(struct irq *irq)
{
	unbind(irq);
	lines[irq->gsi] = NULL;
	factory_free(&irq->obj, sizeof(*irq));
}

void irq_notification_gone(struct notification *n)
{
	for (unsigned i = 0; i < IRQ_MAX_LINES; i++)
		if (lines[i] && lines[i]->notif == n)
			unbind(lines[i]);
}
