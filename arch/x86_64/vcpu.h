/* SPDX-License-Identifier: GPL-2.0-only */
/* Virtual CPUs on VT-x (include/l4/vcpu.h): the kernel's side. */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "types.h"

struct thread;
struct quota;

/* Gives thread t (of a VM task) a VMCS; L4_ENOSYS without VT-x. */
int vcpu_create(struct thread *t, struct quota *q);
void vcpu_destroy(struct thread *t, struct quota *q);
/* t leaves this CPU: its VMCS, if loaded here, is cleared (to memory). */
void vcpu_unload(struct thread *t);
/* t's VMCS is loaded on this CPU (the fast path uses no other). */
bool vcpu_loaded_here(const struct thread *t);
/* L4_THREAD_INFO's vCPU words (exits the kernel handled, exceptions it
 * reflected) to w; returns how many. */
unsigned vcpu_info(struct thread *t, uint64_t *w);
/* The kernel memory t's vCPU takes (0 for other threads). */
uint64_t vcpu_bytes(const struct thread *t);

/* Restarts the guest in real mode at 0:ip with stack sp. */
bool vcpu_set_ip_sp(struct thread *t, uint64_t ip, uint64_t sp);

/* The register block of include/l4/thread.h. */
void vcpu_regs_to_words(struct thread *t, uint64_t *w);
void vcpu_regs_from_words(struct thread *t, const uint64_t *w);


/* L4_THREAD_VCPU_READ: MR0 groups -> MR0 groups, MR1.. them; *words the reply's. */
int vcpu_read(struct thread *t, uint64_t *mr, unsigned *words);
/* A reply or L4_THREAD_VCPU_WRITE (header, event, groups); L4_EMSG if malformed. */
int vcpu_state_write(struct thread *t, const uint64_t *w, unsigned words);
/* L4_THREAD_VCPU_CONFIG: exception bitmap and transfer masks. */
int vcpu_config(struct thread *t, const uint64_t *w, unsigned words);
/* L4_THREAD_VCPU_APIC: APIC virtualization (MR0 w). */
int vcpu_apic(struct thread *t, uint64_t w);
/* L4_THREAD_VCPU_POST: a vector and/or a window request for t's next entry (MR0 w). */
int vcpu_post_async(struct thread *t, uint64_t w);

/* The words of the message for an exit with this reason (picks its groups). */
unsigned vcpu_exit_words(struct thread *t, uint64_t reason);
/* The exit message's words after the reason (include/l4/vcpu.h). */
void vcpu_exit_info(struct thread *t, uint64_t *mr);

/* Runs the guest until an exit that needs the VMM (or the scheduler). */
NORETURN void vcpu_run(struct thread *t);

#endif
