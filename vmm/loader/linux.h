/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux bzImage loader: the 64-bit boot protocol (Linux
 * Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"; the zero page
 * is Documentation/arch/x86/zero-page.rst).
 *
 * linux_load checks every setup header field it uses, then loads the
 * protected-mode code, writes the zero page (struct boot_params), command
 * line, initrd, page tables and GDT into guest RAM, and gives the vCPU
 * state for the kernel's 64-bit entry point. A refused image leaves guest
 * RAM and the vCPU state untouched and gets a message that starts with the
 * name of the field at fault ("setup_sects: ...", "init_size: ...").
 *
 * Requirements on the image: boot_flag 0xAA55, "HdrS", protocol 2.12 or
 * later (xloadflags), XLF_KERNEL_64 (the entry at load address + 0x200),
 * LOADED_HIGH (a bzImage), a setup header reaching init_size.
 * XLF_CAN_BE_LOADED_ABOVE_4G is not needed: everything goes below 4 GiB.
 *
 * Guest-physical layout (all in conventional memory except kernel and initrd):
 *   0x00000-0x00fff  untouched (real-mode IVT and BIOS data area)
 *   0x01000-0x0101f  GDT: null, 32-bit code, __BOOT_CS 0x10, __BOOT_DS 0x18
 *                    (cpustate.h, BOOT_GDT_ADDR)
 *   0x02000-0x02fff  zero page (struct boot_params); RSI points here
 *   0x03000-0x03fff  PML4 (CR3)
 *   0x04000-0x04fff  PDPT: entries 0-3 point to the four page directories
 *   0x05000-0x08fff  four page directories: 2 MiB pages mapping
 *                    0-4 GiB to itself (read/write, supervisor)
 *   0x09000-0x0ffff  stack; RSP = 0x10000 (the kernel sets up its own at
 *                    once, this one only makes a stray push harmless)
 *   0x10000-0x1ffff  command line (NUL-terminated), cmd_line_ptr
 *   kernel           the protected-mode code at its runtime start address:
 *                    pref_address, aligned up to kernel_alignment if the
 *                    kernel is relocatable; init_size bytes from there must
 *                    be usable RAM below 4 GiB (the kernel decompresses
 *                    within them)
 *   initrd           the highest 4 KiB-aligned address where it ends at or
 *                    below initrd_addr_max + 1, in usable RAM above 1 MiB,
 *                    outside the kernel's init_size range
 * 2 MiB pages rather than 1 GiB pages: every VT-x CPU has them (1 GiB pages
 * are a CPUID option, missing on older CPUs and in Bochs' default model).
 * The runtime start can never be below pref_address (boot.rst: the kernel
 * moves itself there), so a kernel whose init_size does not fit at
 * pref_address is refused rather than loaded lower.
 */
#ifndef VMM_LOADER_LINUX_H
#define VMM_LOADER_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "cpustate.h"
#include "e820.h"

#define LINUX_ZERO_PAGE   0x2000u
#define LINUX_PML4        0x3000u
#define LINUX_PDPT        0x4000u
#define LINUX_PD          0x5000u      /* four page directories */
#define LINUX_PD_COUNT    4u
#define LINUX_STACK_TOP   0x10000u
#define LINUX_CMDLINE     0x10000u
#define LINUX_CMDLINE_MAX 0xffffu      /* characters, without the NUL */
#define LINUX_BOOT_END    0x20000u     /* the boot area is BOOT_GDT_ADDR-LINUX_BOOT_END */
#define LINUX_LOAD_MIN    0x100000u    /* kernel and initrd go above 1 MiB */
#define LINUX_ENTRY_64    0x200u       /* 64-bit entry: load address + 0x200 */

/* What to boot. */
struct linux_boot {
	const uint8_t *kernel;   /* the bzImage file */
	size_t kernel_len;
	const uint8_t *initrd;   /* NULL or initrd_len 0: no initrd */
	size_t initrd_len;
	const char *cmdline;     /* NUL-terminated; NULL: empty */
	uint64_t acpi_rsdp;      /* zero page acpi_rsdp_addr; 0: the kernel scans for the RSDP */
};

/* Where linux_load put things. */
struct linux_layout {
	uint16_t version;        /* boot protocol, major << 8 | minor */
	uint64_t kernel_addr;    /* load = runtime start address */
	uint64_t kernel_len;     /* bytes of protected-mode code copied (syssize * 16) */
	uint64_t init_size;      /* bytes from kernel_addr the kernel may use */
	uint64_t entry;          /* kernel_addr + LINUX_ENTRY_64 */
	uint64_t zero_page;
	uint64_t cmdline_addr;
	uint64_t cmdline_len;    /* without the NUL */
	uint64_t initrd_addr;    /* 0 if none */
	uint64_t initrd_len;
};

/*
 * Loads boot->kernel into mem (whose map becomes the zero page's e820
 * table) and sets *cpu for the 64-bit entry: RIP = entry, RSI = zero page,
 * CR0 PE|ET|NE|PG, CR3 = the PML4, CR4 PAE, EFER LME|LMA, CS __BOOT_CS
 * (64-bit), DS/ES/SS/FS/GS __BOOT_DS, interrupts off. Kernel, initrd and
 * command line must not lie inside mem->ram. out may be NULL.
 * Returns LOADER_OK or a negative enum loader_status with the reason in
 * msg (msg_size bytes, NUL-terminated; msg may be NULL). On success msg
 * is empty.
 */
int linux_load(const struct linux_boot *boot, const struct guest_ram *mem, struct cpustate *cpu,
	       struct linux_layout *out, char *msg, size_t msg_size);

#endif
