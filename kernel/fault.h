/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page faults and exceptions of user threads become IPC: the kernel
 * "calls" the thread's pager (or exception handler) on the thread's
 * behalf with a message it composes (layouts in include/l4/msg.h), and
 * consumes the handler's reply: map items for a page fault, register
 * values for an exception. A thread with no handler, or whose handler
 * is gone, is stopped and reported on the console.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include "types.h"

struct thread;

enum fault_kind { FAULT_NONE = 0, FAULT_PAGE, FAULT_EXCEPTION, FAULT_VMEXIT };

struct fault_state {
	enum fault_kind kind;
	uint64_t tag;        /* the kernel message's tag */
	uint64_t addr;       /* page fault address */
	uint64_t access;     /* L4_FAULT_* */
	uint64_t vector;     /* exception vector; VM exit reason */
	uint64_t error;      /* exception error code */
};

/* Raises a fault for the current thread (called from the trap path). */
void fault_page(struct thread *t, uint64_t addr, uint64_t access);
void fault_exception(struct thread *t, uint64_t vector, uint64_t error);
/* A vCPU's VM exit that its VMM handles (reason as Intel numbers it). */
void fault_vmexit(struct thread *t, uint64_t reason);

/* Writes the kernel message for t's fault into the receiver's MRs; returns its tag. */
uint64_t fault_message(struct thread *t, struct thread *receiver);

/* The handler replied (tag in handler's UTCB): apply it and resume t. */
void fault_reply(struct thread *handler, struct thread *t, uint64_t tag);

/* t's fault IPC ended without a reply (timeout, handler gone). */
void fault_abandon(struct thread *t);

#endif
