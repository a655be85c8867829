/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest set-up, before the VM exists: the VMM's options and the guest's
 * command line, the kernel loaded into guest RAM (a multiboot v1 ELF with
 * the program's other modules, else a Linux bzImage with its initrd and
 * MP tables), vCPU 0's first register state, and which state each exit
 * reason brings (the transfer masks). Pure: messages go out through print.
 */
#ifndef VMM_SETUP_H
#define VMM_SETUP_H

#include "l4vcpu.h"
#include <l4/env.h>
#include "loader/cpustate.h"
#include "loader/multiboot.h"

#define SETUP_CMDLINE 512                 /* the guest's command line, NUL included */
#define SETUP_MPTABLE_GPA 0xf0000u        /* MP tables, in the BIOS area Linux scans */
#define SETUP_MPTABLE_SIZE 0x10000u
/* A multiboot module's string: "NAME ARGS". */
#define SETUP_MB_STRING (L4_ENV_NAME_LEN + L4_ENV_MODULE_ARGS_LEN)

struct vmm_options {
	bool end_machine;                 /* vmm.end_machine: the guest's end ends the machine (tests) */
	bool vid;                         /* vmm.vid: APIC virtualization (vmm.novapic: off, the default) */
	bool input_virtio;                /* the last console= is hvc0: typed input goes to virtio */
	char disk[16];                    /* vmm.disk=VOLUME: the block server's volume as a virtio disk */
	bool net;                         /* vmm.net: a virtio NIC on a port of the switch (endpoint "net") */
	bool mac_given;                   /* vmm.mac=xx:xx:xx:xx:xx:xx (implies vmm.net): the NIC's */
	uint8_t mac[6];                   /*   address; else the VMM picks one */
	char cmdline[SETUP_CMDLINE];      /* the rest of the arguments, separated by spaces */
};

/* The program's arguments: vmm.* options first (unknown ones are said and
 * ignored; a bad value is said, and a bad vmm.mac= means no NIC), then the
 * guest's command line (cut to fit). */
void setup_options(int argc, char **argv, struct vmm_options *o,
		   int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))));

/* The module of env called name, or NULL. */
const struct l4_env_module *setup_module(const struct l4_env *env, const char *name);

/* A multiboot kernel's modules: every module of env but `kernel`, in order,
 * with the string "NAME ARGS" (NAME alone without arguments) in strings. */
unsigned setup_multiboot_modules(const struct l4_env *env, struct mb_module *mods,
				 char (*strings)[SETUP_MB_STRING]);

/* The board's PCI functions besides the virtio console (always there), for
 * the MP tables to route their interrupts. */
#define SETUP_PCI_DISK 1u                 /* the virtio disk, 00:02.0 */
#define SETUP_PCI_NET  2u                 /* the virtio NIC, 00:03.0 */

/*
 * Loads env's `kernel` (and `initrd`) into the ram_size bytes of guest RAM
 * at ram for cpus vCPUs, with the guest's command line: vCPU 0's state in
 * *cpu; pci: the board's other PCI functions (SETUP_PCI_*), for a Linux
 * guest's MP tables (setup_mptable). Says what it loaded, or why not (then
 * false).
 */
bool setup_load(const struct l4_env *env, uint8_t *ram, uint64_t ram_size, const char *cmdline, unsigned cpus,
		unsigned pci, struct cpustate *cpu,
		int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))));

/* The MP tables at SETUP_MPTABLE_GPA: cpus vCPUs, the board's I/O APIC,
 * the virtio console's interrupt and those of the functions in pci. false
 * if guest RAM does not reach that far. */
bool setup_mptable(uint8_t *ram, uint64_t ram_size, unsigned cpus, unsigned pci);

/* vCPU 0's first state, every group. */
void setup_state(const struct cpustate *c, struct l4_vcpu_state *s);

/* The state groups each exit reason brings (masks[L4_VMEXIT_REASONS]); vapic:
 * APIC virtualization is on (APIC-access and HLT exits bring the APIC group). */
void setup_exit_masks(uint8_t *masks, bool vapic);

#endif
