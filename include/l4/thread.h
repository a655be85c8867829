/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Thread protocol: L4_SYS_CALL on a thread capability (WRITE to change
 * the thread, READ to query it).
 *
 * label                     arguments (MRs)                   result
 * L4_THREAD_START           MR0 instruction pointer, MR1 stack  -
 *                           (aborts any IPC; the thread becomes ready)
 * L4_THREAD_STOP            -                                   -
 * L4_THREAD_RESUME          -   (a stopped thread goes on)      -
 * L4_THREAD_SET_PRIO        MR0 priority 0..255, at most the caller's MCP
 * L4_THREAD_SET_MCP         MR0 maximum controlled priority: the highest
 *                           priority the thread may give any thread (at most
 *                           the caller's own MCP; new threads have 0)
 * L4_THREAD_SET_TIMESLICE   MR0 microseconds (>= 1000)
 * L4_THREAD_SET_PAGER       MR0 endpoint slot or L4_CAP_NONE
 * L4_THREAD_SET_EXC_HANDLER MR0 endpoint slot or L4_CAP_NONE (none: the pager)
 * L4_THREAD_SET_NAME        MR0-MR1 up to 15 characters, NUL-padded
 * L4_THREAD_READ_REGS       -                                   MR0.. register block
 * L4_THREAD_WRITE_REGS      MR0.. register block                -
 * L4_THREAD_INFO            -                                   MR0 state, MR1 priority,
 *                                                               MR2 UTCB address; a vCPU
 *                                                               also MR3 VM exits the
 *                                                               kernel handled itself,
 *                                                               MR4 of them exceptions
 *                                                               it delivered (vcpu.h)
 * L4_THREAD_SET_TLS         MR0 thread-local storage base: the FS segment
 *                           base on x86-64 (a user address)
 * L4_THREAD_VCPU_CONFIG, _READ, _WRITE, _APIC, _POST: vCPUs
 *                           only (vcpu.h); L4_EINVAL on other threads
 * L4_THREAD_SET_CPU         MR0 CPU index (0 .. online - 1):     -
 *                           the thread is bound to that CPU from now
 *                           on: it is queued, runs and times out there
 *                           (a vCPU: L4_EINVAL where VMX is off)
 * L4_THREAD_GET_CPU         -                                   MR0 its CPU,
 *                                                               MR1 CPUs online
 *
 * CPUs: a new thread is bound to its creator's CPU (the boot tasks to CPU
 * 0). SET_CPU moves a thread in any state at once: a ready one to the new
 * CPU's queue, a blocked one with its IPC and timeout as they were, a
 * running one after its CPU was interrupted (a system call it was making
 * is made again there); its FPU state is saved on the old CPU, and a
 * vCPU's VMCS cleared there and loaded on the new one at its next entry
 * (a VMLAUNCH). Cost: an inter-processor interrupt and its round trip
 * when the thread runs or holds state on another CPU, else a queue move.
 * IPC between threads on different CPUs works (the receiver's CPU is
 * interrupted to run it); the fast path serves partners on one CPU.
 *
 * The pager and exception handler are copies of the given capabilities,
 * kept by the thread; faults are sent through them with their badges.
 *
 * L4_THREAD_WRITE_REGS on a thread blocked in IPC leaves it blocked and
 * does not change the IPC: a queued send or call goes out as the kernel
 * checked it when the thread blocked (its tag, badge and rights), whatever
 * the registers hold later. The written values are what the thread
 * resumes with, except the result registers (RAX, RSI, RDX), which the
 * kernel writes when the IPC ends. (On a thread blocked in a system call
 * RCX and R11 are lost, as for any syscall.)
 */
#ifndef L4_THREAD_H
#define L4_THREAD_H

#include "msg.h"

enum l4_thread_op {
	L4_THREAD_START = 1,
	L4_THREAD_STOP = 2,
	L4_THREAD_RESUME = 3,
	L4_THREAD_SET_PRIO = 4,
	L4_THREAD_SET_TIMESLICE = 5,
	L4_THREAD_SET_PAGER = 6,
	L4_THREAD_SET_EXC_HANDLER = 7,
	L4_THREAD_SET_NAME = 8,
	L4_THREAD_READ_REGS = 9,
	L4_THREAD_WRITE_REGS = 10,
	L4_THREAD_INFO = 11,
	L4_THREAD_SET_MCP = 12,
	L4_THREAD_SET_TLS = 13,
	L4_THREAD_VCPU_CONFIG = 14,    /* vCPUs only: see vcpu.h */
	L4_THREAD_VCPU_READ = 15,
	L4_THREAD_VCPU_WRITE = 16,
	L4_THREAD_VCPU_APIC = 17,
	L4_THREAD_SET_CPU = 18,
	L4_THREAD_GET_CPU = 19,
	L4_THREAD_VCPU_POST = 20,
};

/* L4_THREAD_INFO states. */
enum l4_thread_state {
	L4_THREAD_INACTIVE = 0,
	L4_THREAD_READY = 1,
	L4_THREAD_SEND_BLOCKED = 2,
	L4_THREAD_RECV_BLOCKED = 3,
	L4_THREAD_REPLY_BLOCKED = 4,
	L4_THREAD_NOTIFY_BLOCKED = 5,
	L4_THREAD_DEAD = 6,
};

/* The register block (x86-64): READ_REGS, WRITE_REGS, exception messages. */
enum l4_reg {
	L4_REG_RIP, L4_REG_RSP, L4_REG_RFLAGS,
	L4_REG_RAX, L4_REG_RBX, L4_REG_RCX, L4_REG_RDX, L4_REG_RSI, L4_REG_RDI, L4_REG_RBP,
	L4_REG_R8, L4_REG_R9, L4_REG_R10, L4_REG_R11, L4_REG_R12, L4_REG_R13, L4_REG_R14,
	L4_REG_R15,
	L4_REG_COUNT
};

/*
 * Exception message (label L4_LABEL_EXCEPTION, to the exception handler):
 *   MR0 vector, MR1 error code, MR2.. the register block (L4_REG_COUNT words).
 * The handler's reply: no words resumes the thread as it was; a register
 * block (L4_REG_COUNT words in MR0..) replaces its registers first
 * (RIP and RSP must be user addresses; privileged RFLAGS bits are ignored).
 */
#define L4_EXC_VECTOR 0
#define L4_EXC_ERROR  1
#define L4_EXC_REGS   2
#define L4_EXC_WORDS  (L4_EXC_REGS + L4_REG_COUNT)

#endif
