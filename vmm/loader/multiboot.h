/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot (version 1, specification 0.6.96) loader for small guest
 * kernels.
 *
 * The image carries a multiboot header (magic 0x1BADB002, flags, checksum:
 * the three sum to 0) 4-byte aligned and wholly inside its first 8192
 * bytes. With flags bit 16 (the "a.out kludge") the header's address
 * fields say where the image goes, whatever its format (an ELF64 kernel
 * with a 32-bit entry uses this). Without it the image must be ELF32
 * (ELFCLASS32, little-endian, ET_EXEC, EM_386): its PT_LOAD segments are
 * loaded at their physical addresses (p_paddr) and the entry point e_entry,
 * a virtual address, is translated through the segment that contains it.
 * ELF64 images are refused without the kludge: the spec defines the entry
 * state as 32-bit protected mode, and a 32-bit entry address in an ELF64
 * file is a convention, not a rule, this loader would have to guess at.
 *
 * Header flags: bit 0 (page-aligned modules) and bit 1 (memory
 * information) are always satisfied; bit 2 (video mode) cannot be (there
 * is no framebuffer): the image still loads, with a note in the message
 * buffer, and info flags bit 11/12 stay clear. Any other bit of 0-15 is a
 * requirement this loader does not know: the image is refused. Bits 17-31
 * are optional and ignored.
 *
 * Everything the image occupies (file bytes and bss) must be usable RAM in
 * the e820 map, at or above MB_LOAD_MIN. Modules go page-aligned after the
 * image's highest byte, in the order given, and are listed as the spec
 * (3.3) lays them out: info flags bit 3, mods_count, mods_addr pointing to
 * 16 bytes per module: mod_start, mod_end (one past its last byte), string
 * (its cmdline, "" if NULL), 0. At most MB_MAX_MODULES; a module that does
 * not fit in usable RAM below 4 GiB is refused, named by its string.
 *
 * Guest-physical layout of the boot information:
 *   0x01000-0x0101f  GDT (cpustate.h): CS = 0x08 flat 32-bit code,
 *                    DS = ES = FS = GS = SS = 0x18 flat data
 *   0x02000-0x02073  struct multiboot_info; EBX points here
 *   0x02100-0x021ff  module list (16 bytes per module)
 *   0x03000-0x03bff  memory map (24 bytes per e820 entry)
 *   0x04000-0x07fff  strings: command line, boot loader name, module
 *                    command lines
 *   0x08000-0x0ffff  stack; ESP = 0x10000 (the spec leaves ESP undefined;
 *                    a valid one costs nothing)
 *
 * The vCPU starts as the spec's "Machine state" says: EAX 0x2BADB002,
 * EBX the info address, 32-bit protected mode with flat 4 GiB segments,
 * paging off (CR0 = PE|ET|NE, NE because VMX needs it), EFLAGS 0x2
 * (interrupts off, VM clear), no IDT.
 */
#ifndef VMM_LOADER_MULTIBOOT_H
#define VMM_LOADER_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpustate.h"
#include "e820.h"

#define MB_HEADER_MAGIC      0x1badb002u  /* in the image */
#define MB_BOOTLOADER_MAGIC  0x2badb002u  /* in EAX at entry */
#define MB_SEARCH_LIMIT      8192u        /* the header lies within this many bytes */

/* Header flags. */
#define MB_FLAG_PAGE_ALIGN   (1u << 0)    /* modules page-aligned */
#define MB_FLAG_MEMORY_INFO  (1u << 1)    /* mem_* and mmap_* wanted */
#define MB_FLAG_VIDEO_MODE   (1u << 2)    /* video mode table wanted */
#define MB_FLAG_AOUT_KLUDGE  (1u << 16)   /* the header's address fields are valid */
#define MB_FLAGS_REQUIRED    0xffffu      /* bits 0-15: the loader must honour them */

/* Info flags: which fields of struct multiboot_info are valid. */
#define MB_INFO_MEMORY       (1u << 0)    /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE      (1u << 2)
#define MB_INFO_MODS         (1u << 3)
#define MB_INFO_MMAP         (1u << 6)
#define MB_INFO_LOADER_NAME  (1u << 9)

/* Offsets in struct multiboot_info (116 bytes). */
#define MB_INFO_OFF_FLAGS       0
#define MB_INFO_OFF_MEM_LOWER   4
#define MB_INFO_OFF_MEM_UPPER   8
#define MB_INFO_OFF_CMDLINE     16
#define MB_INFO_OFF_MODS_COUNT  20
#define MB_INFO_OFF_MODS_ADDR   24
#define MB_INFO_OFF_MMAP_LENGTH 44
#define MB_INFO_OFF_MMAP_ADDR   48
#define MB_INFO_OFF_LOADER_NAME 64
#define MB_INFO_SIZE            116u
#define MB_MODULE_SIZE          16u       /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE      24u       /* size (= 20, not counting itself), base, length, type */

/* The guest-physical layout above. */
#define MB_INFO_ADDR         0x2000u
#define MB_MODS_ADDR         0x2100u
#define MB_MMAP_ADDR         0x3000u
#define MB_STRINGS_ADDR      0x4000u
#define MB_STRINGS_END       0x8000u
#define MB_STACK_TOP         0x10000u
#define MB_LOAD_MIN          0x10000u     /* nothing of the image below this */
#define MB_MAX_MODULES       16u
#define MB_MAX_SEGMENTS      16u
#define MB_LOADER_NAME       "L4 microhypervisor VMM"

struct mb_module {
	const uint8_t *data;
	size_t len;
	const char *cmdline;     /* its string (the VMM's: "NAME ARGS"); NULL: empty */
};

/* What to boot. */
struct multiboot_boot {
	const uint8_t *image;
	size_t image_len;
	const char *cmdline;     /* NUL-terminated; NULL: empty */
	const struct mb_module *modules;
	unsigned module_count;   /* at most MB_MAX_MODULES */
};

/* Where multiboot_load put things. */
struct multiboot_layout {
	uint32_t header_offset;  /* of the multiboot header in the image */
	uint32_t header_flags;
	bool aout_kludge;        /* loaded by the header's address fields, else by ELF32 */
	unsigned segments;       /* ranges loaded (1 with the kludge) */
	uint64_t image_start;    /* lowest byte the image occupies */
	uint64_t image_end;      /* past its highest byte, bss included */
	uint64_t entry;          /* physical */
	uint64_t info_addr;
	uint64_t module_addr[MB_MAX_MODULES];
};

/*
 * Loads boot->image into mem and sets *cpu for the multiboot entry state.
 * The image and the modules must not lie inside mem->ram. out may be NULL.
 * Returns LOADER_OK (msg empty, or notes such as the ignored video mode
 * request) or a negative enum loader_status with the reason in msg, which
 * starts with the name of the field at fault. A refused image leaves guest
 * RAM and *cpu untouched.
 */
int multiboot_load(const struct multiboot_boot *boot, const struct guest_ram *mem,
		   struct cpustate *cpu, struct multiboot_layout *out, char *msg, size_t msg_size);

#endif
