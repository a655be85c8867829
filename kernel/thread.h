/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Threads. A thread's user registers live in its TCB: kernel entry
 * saves them there and kernel exit restores them from there (the frame
 * must end 16-byte aligned, where the CPU pushes), so a blocked thread
 * needs no kernel stack (the kernel has one
 * per CPU). The state machine:
 *
 *   INACTIVE --start--> READY <--schedule--> (running: sched.current)
 *   READY --send/call, no receiver--> SEND_BLOCKED --receiver comes--> READY or REPLY_BLOCKED
 *   READY --recv, no sender--> RECV_BLOCKED --sender comes--> READY
 *   READY --call delivered--> REPLY_BLOCKED --reply--> READY
 *   any --stop--> INACTIVE;  any --task destroyed--> DEAD
 * Blocking ends with a result in the saved registers (regs_set_result);
 * a timeout or a vanished partner ends it with an error code.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <l4/utcb.h>
#include "cap.h"
#include "fault.h"
#include "percpu.h"
#include "regs.h"

enum thread_state {
	TS_INACTIVE,       /* created or stopped: not scheduled */
	TS_READY,          /* runnable (or running) */
	TS_SEND_BLOCKED,   /* in an endpoint's queue, waiting for a receiver */
	TS_RECV_BLOCKED,   /* in an endpoint's queue, waiting for a sender */
	TS_REPLY_BLOCKED,  /* called; waiting for the callee's reply */
	TS_NOTIFY_BLOCKED, /* waiting on a notification */
	TS_DEAD,           /* its task is gone; only capabilities keep it */
};

#define THREAD_NAME_LEN 16
#define TIMEOUT_NONE 0      /* thread.deadline when not waiting with a timeout */

struct task;
struct endpoint;

struct thread {
	struct kobj obj;
	arch_regs regs __attribute__((aligned(16)));   /* the entry code saves here */
	enum thread_state state;
	bool resume_sysret;           /* regs were saved by syscall and are unchanged */
	bool ipc_call;                /* SEND_BLOCKED: the send is a call */
	uint8_t prio;
	uint8_t mcp;                  /* highest priority this thread may give any thread */
	uint32_t trap_pending;        /* a trap (vector + 1) or a vCPU's exit (reason + 1)
				       * its kernel entry left when another CPU preempted
				       * it meanwhile: raised when it runs; a new state
				       * (START, registers written while stopped) drops it */
	struct percpu *pcpu;          /* the CPU it is bound to: queued, runs, times out there */
	uint32_t timeslice_ticks;     /* full time slice */
	uint32_t ticks_left;

	struct thread *q_next, *q_prev;   /* ready queue or an endpoint's wait queue */
	void *blocked_on;                 /* the endpoint or notification whose queue holds us */
	uint64_t ipc_badge;               /* SEND_BLOCKED: the badge of the capability used */
	uint64_t ipc_tag;                 /* SEND_BLOCKED: the tag as checked when it blocked (items
					   * only if the capability had GRANT); never re-read from regs */
	struct fault_state fault;         /* a page fault or exception being handled by IPC */

	struct thread *caller;        /* the thread waiting for our reply (one-shot reply right) */
	struct thread *callee;        /* REPLY_BLOCKED: the thread that owes us a reply */

	uint64_t deadline;            /* timer tick at which blocking times out, or TIMEOUT_NONE */
	struct thread *tq_next;       /* timeout list */

	struct task *task;
	struct thread *task_next;     /* the task's thread list */
	struct l4_utcb *utcb;         /* the kernel's view of the UTCB page */
	uint64_t utcb_phys;
	uint64_t utcb_addr;           /* where the task sees it */
	struct cap pager;             /* page faults go here (an endpoint capability) */
	struct cap exc_handler;       /* exceptions go here; empty: the pager */
	void *fpu;                    /* FPU/SSE/AVX state, allocated at first use (arch fpu.c) */
	uint64_t tls;                 /* thread-local storage base (FS on x86-64) */
	void *vcpu;                   /* a VM task's thread: its virtual CPU (arch vcpu.c) */
	char name[THREAD_NAME_LEN];
};

/* Creates a vCPU thread in VM task, charged to f. Error code. */
int thread_create_vcpu(struct factory *f, struct task *task, struct thread **out);

/* Creates a thread in task with its UTCB at utcb_addr, charged to f. Error code. */
int thread_create(struct factory *f, struct task *task, uint64_t utcb_addr,
		  struct thread **out);
void thread_destroy(struct thread *t);

/* Detaches a thread from everything it waits on or for (IPC partners get
 * L4_ECANCELED), leaving it INACTIVE (or DEAD if dead is set). */
void thread_abort(struct thread *t, bool dead);

void thread_set_name(struct thread *t, const char *name);

/* Runs an invocation (L4_SYS_CALL on a thread capability) for cur. */
void thread_invoke(struct thread *cur, struct cap *tcap, uint64_t tag);

/* Completes a blocked thread's system call with a result, and readies it. */
void thread_wake(struct thread *t, uint64_t error, uint64_t tag, uint64_t badge);

#endif
