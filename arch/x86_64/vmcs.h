/* SPDX-License-Identifier: GPL-2.0-only */
/* VMCS field encodings and control bits (Intel SDM vol. 3D, appendix B; vol. 3C, chapter 25). */
#ifndef ARCH_VMCS_H
#define ARCH_VMCS_H

/* 16-bit fields */
#define VMCS_VPID              0x0000
#define GUEST_ES_SEL           0x0800
#define GUEST_CS_SEL           0x0802
#define GUEST_SS_SEL           0x0804
#define GUEST_DS_SEL           0x0806
#define GUEST_FS_SEL           0x0808
#define GUEST_GS_SEL           0x080a
#define GUEST_LDTR_SEL         0x080c
#define GUEST_TR_SEL           0x080e
#define GUEST_INTR_STATUS      0x0810     /* RVI | SVI << 8 (virtual-interrupt delivery) */
#define HOST_ES_SEL            0x0c00
#define HOST_CS_SEL            0x0c02
#define HOST_SS_SEL            0x0c04
#define HOST_DS_SEL            0x0c06
#define HOST_FS_SEL            0x0c08
#define HOST_GS_SEL            0x0c0a
#define HOST_TR_SEL            0x0c0c
/* 64-bit fields */
#define VMCS_MSR_BITMAP        0x2004     /* MSR-bitmap address */
#define VMCS_EXIT_MSR_STORE    0x2006     /* VM-exit MSR-store area address */
#define VMCS_EXIT_MSR_LOAD     0x2008     /* VM-exit MSR-load area address */
#define VMCS_ENTRY_MSR_LOAD    0x200a     /* VM-entry MSR-load area address */
#define VMCS_VIRTUAL_APIC      0x2012     /* virtual-APIC page address */
#define VMCS_APIC_ACCESS       0x2014     /* APIC-access address */
#define VMCS_EOI_EXIT0         0x201c     /* EOI-exit bitmap, vectors 0-63; +2n: 64n.. */
#define VMCS_EPT_POINTER       0x201a
#define GUEST_PHYSICAL_ADDR    0x2400
#define VMCS_LINK_POINTER      0x2800
#define GUEST_IA32_DEBUGCTL    0x2802
#define GUEST_IA32_PAT         0x2804
#define GUEST_IA32_EFER        0x2806
#define HOST_IA32_PAT          0x2c00
#define HOST_IA32_EFER         0x2c02
/* 32-bit fields */
#define VMCS_PIN_CONTROLS      0x4000
#define VMCS_PROC_CONTROLS     0x4002
#define VMCS_EXCEPTION_BITMAP  0x4004
#define VMCS_EXIT_CONTROLS     0x400c
#define VMCS_EXIT_MSR_STORE_COUNT 0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT  0x4010
#define VMCS_ENTRY_CONTROLS    0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014
#define VMCS_ENTRY_INTR_INFO   0x4016
#define VMCS_ENTRY_EXC_ERROR   0x4018
#define VMCS_ENTRY_INSTR_LEN   0x401a
#define VMCS_TPR_THRESHOLD     0x401c
#define VMCS_PLE_GAP           0x4020
#define VMCS_PLE_WINDOW        0x4022
#define VMCS_PROC_CONTROLS2    0x401e
#define VMCS_INSTRUCTION_ERROR 0x4400
#define VMCS_EXIT_REASON       0x4402
#define VMCS_EXIT_INTR_INFO    0x4404
#define VMCS_EXIT_INTR_ERROR   0x4406
#define VMCS_IDT_VECTORING_INFO  0x4408
#define VMCS_IDT_VECTORING_ERROR 0x440a
#define VMCS_EXIT_INSTR_LEN    0x440c
#define GUEST_ES_LIMIT         0x4800
#define GUEST_CS_LIMIT         0x4802
#define GUEST_SS_LIMIT         0x4804
#define GUEST_DS_LIMIT         0x4806
#define GUEST_FS_LIMIT         0x4808
#define GUEST_GS_LIMIT         0x480a
#define GUEST_LDTR_LIMIT       0x480c
#define GUEST_TR_LIMIT         0x480e
#define GUEST_GDTR_LIMIT       0x4810
#define GUEST_IDTR_LIMIT       0x4812
#define GUEST_ES_AR            0x4814
#define GUEST_CS_AR            0x4816
#define GUEST_SS_AR            0x4818
#define GUEST_DS_AR            0x481a
#define GUEST_FS_AR            0x481c
#define GUEST_GS_AR            0x481e
#define GUEST_LDTR_AR          0x4820
#define GUEST_TR_AR            0x4822
#define GUEST_INTERRUPTIBILITY 0x4824
#define GUEST_ACTIVITY         0x4826
#define GUEST_SYSENTER_CS      0x482a
#define GUEST_PREEMPTION_TIMER 0x482e
#define HOST_SYSENTER_CS       0x4c00
/* natural-width fields */
#define VMCS_CR0_MASK          0x6000
#define VMCS_CR4_MASK          0x6002
#define VMCS_CR0_SHADOW        0x6004
#define VMCS_CR4_SHADOW        0x6006
#define VMCS_EXIT_QUALIFICATION 0x6400
#define GUEST_LINEAR_ADDR      0x640a
#define GUEST_CR0              0x6800
#define GUEST_CR3              0x6802
#define GUEST_CR4              0x6804
#define GUEST_ES_BASE          0x6806
#define GUEST_CS_BASE          0x6808
#define GUEST_SS_BASE          0x680a
#define GUEST_DS_BASE          0x680c
#define GUEST_FS_BASE          0x680e
#define GUEST_GS_BASE          0x6810
#define GUEST_LDTR_BASE        0x6812
#define GUEST_TR_BASE          0x6814
#define GUEST_GDTR_BASE        0x6816
#define GUEST_IDTR_BASE        0x6818
#define GUEST_DR7              0x681a
#define GUEST_RSP              0x681c
#define GUEST_RIP              0x681e
#define GUEST_RFLAGS           0x6820
#define GUEST_PENDING_DBG      0x6822
#define GUEST_SYSENTER_ESP     0x6824
#define GUEST_SYSENTER_EIP     0x6826
#define HOST_CR0               0x6c00
#define HOST_CR3               0x6c02
#define HOST_CR4               0x6c04
#define HOST_FS_BASE           0x6c06
#define HOST_GS_BASE           0x6c08
#define HOST_TR_BASE           0x6c0a
#define HOST_GDTR_BASE         0x6c0c
#define HOST_IDTR_BASE         0x6c0e
#define HOST_SYSENTER_ESP      0x6c10
#define HOST_SYSENTER_EIP      0x6c12
#define HOST_RSP               0x6c14
#define HOST_RIP               0x6c16

/* Pin-based controls */
#define PIN_EXTERNAL_INTERRUPT (1u << 0)
#define PIN_NMI                (1u << 3)
#define PIN_PREEMPTION_TIMER   (1u << 6)
/* Primary processor-based controls */
#define PROC_IRQ_WINDOW        (1u << 2)
#define PROC_HLT               (1u << 7)
#define PROC_MWAIT             (1u << 10)
#define PROC_RDPMC             (1u << 11)
#define PROC_CR3_LOAD          (1u << 15)
#define PROC_CR3_STORE         (1u << 16)
#define PROC_CR8_LOAD          (1u << 19)
#define PROC_CR8_STORE         (1u << 20)
#define PROC_TPR_SHADOW        (1u << 21)
#define PROC_NMI_WINDOW        (1u << 22)
#define PROC_MOV_DR            (1u << 23)
#define PROC_UNCONDITIONAL_IO  (1u << 24)
#define PROC_MSR_BITMAP        (1u << 28)
#define PROC_MONITOR           (1u << 29)
#define PROC_SECONDARY         (1u << 31)
/* Secondary processor-based controls */
#define PROC2_APIC_ACCESS      (1u << 0)
#define PROC2_EPT              (1u << 1)
#define PROC2_VPID             (1u << 5)
#define PROC2_WBINVD           (1u << 6)
#define PROC2_UNRESTRICTED     (1u << 7)
#define PROC2_VID              (1u << 9)  /* virtual-interrupt delivery */
#define PROC2_PAUSE_LOOP       (1u << 10) /* PAUSE-loop exiting */
/* VM-exit controls */
#define EXIT_SAVE_DEBUG        (1u << 2)
#define EXIT_HOST_64           (1u << 9)
#define EXIT_SAVE_PAT          (1u << 18)
#define EXIT_LOAD_PAT          (1u << 19)
#define EXIT_SAVE_EFER         (1u << 20)
#define EXIT_LOAD_EFER         (1u << 21)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG       (1u << 2)
#define ENTRY_IA32E_GUEST      (1u << 9)
#define ENTRY_LOAD_PAT         (1u << 14)
#define ENTRY_LOAD_EFER        (1u << 15)

/* Exit reasons (appendix C) */
#define EXIT_EXCEPTION_NMI     0
#define EXIT_EXTERNAL_INTERRUPT 1
#define EXIT_IRQ_WINDOW        7
#define EXIT_NMI_WINDOW        8
#define EXIT_PAUSE             40
#define EXIT_PREEMPTION_TIMER  52
#define EXIT_ENTRY_FAILED_BIT  (1u << 31)

#define MSR_IA32_VMX_TRUE_EXIT  0x48f
#define MSR_IA32_VMX_TRUE_ENTRY 0x490
#define MSR_IA32_PAT            0x277
#define MSR_SYSENTER_CS         0x174
#define MSR_SYSENTER_ESP        0x175
#define MSR_SYSENTER_EIP        0x176

#endif
