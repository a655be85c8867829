/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RDMSR and WRMSR exits. In order: the board's MSRs (the local APIC's:
 * IA32_APIC_BASE, the x2APIC registers, TSC deadline), the guest's own
 * MSRs that the exit's state groups carry (SYSENTER, PAT, the SYSCALL
 * MSRs, KERNEL_GS_BASE in the MSR group, FS and GS bases in the SEG
 * group, EFER in the CR group: a write goes back in the reply), then a few
 * with fixed answers. Anything else is #GP. Pure (over the board).
 */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include "board.h"
#include "l4vcpu.h"

#define MSR_TSC          0x10          /* reads the host's TSC (the guest's is the host's); writes ignored */
#define MSR_FEATURE      0x3a          /* IA32_FEATURE_CONTROL: locked, VMX off */
#define MSR_TSC_ADJUST   0x3b          /* reads 0; writes ignored */
#define MSR_BIOS_SIGN    0x8b          /* microcode revision: reads 0, no update; writes ignored */
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE  0x1a0         /* reads fast strings on; writes ignored */
#define MSR_PAT          0x277
#define MSR_EFER         0xc0000080
#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_CSTAR        0xc0000083
#define MSR_FMASK        0xc0000084
#define MSR_FS_BASE      0xc0000100
#define MSR_GS_BASE      0xc0000101
#define MSR_KGS_BASE     0xc0000102

#define MSR_FEATURE_LOCKED     1ull    /* IA32_FEATURE_CONTROL bit 0 */
#define MSR_MISC_FAST_STRINGS  1ull    /* IA32_MISC_ENABLE bit 0 */

/*
 * The MSR in s's RCX, vCPU cpu's: a read puts the value in s's RAX and RDX,
 * a write takes it from there, and adds the group it changed to *groups.
 * tsc: the host's TSC now. false: the guest gets #GP (s unchanged).
 */
bool msr_exit(struct board *b, unsigned cpu, bool write, struct l4_vcpu_state *s, unsigned *groups,
	      uint64_t tsc, vdev_time_t now);

#endif
