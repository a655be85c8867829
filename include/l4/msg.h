/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPC messages: the message tag, typed items and flexpages.
 *
 * A message is the tag (passed in a register) plus message registers
 * MR0.. in the sender's UTCB: first `words` untyped words, then `items`
 * typed items of two words each. The kernel copies them into the
 * receiver's UTCB; typed items are carried out (mappings, capabilities)
 * and arrive rewritten to say what the receiver got.
 *
 * Tag layout (64 bits):
 *   bits  0-6   words   untyped words, 0..L4_MR_COUNT
 *   bits  7-11  items   typed items, 0..L4_MAX_ITEMS
 *   bits 12-15  flags   (none defined yet; must be 0)
 *   bits 16-63  label   chosen by the sender; the kernel's own messages use
 *                       labels from L4_LABEL_KERNEL up
 * words + 2 * items must not exceed L4_MR_COUNT.
 */
#ifndef L4_MSG_H
#define L4_MSG_H

#include "types.h"

#define L4_MR_COUNT   64
#define L4_MAX_ITEMS  16

#define L4_TAG_WORDS_SHIFT 0
#define L4_TAG_ITEMS_SHIFT 7
#define L4_TAG_LABEL_SHIFT 16
#define L4_LABEL_MAX ((1ull << 48) - 1)

static inline l4_word_t l4_tag(l4_word_t label, unsigned words, unsigned items)
{
	return label << L4_TAG_LABEL_SHIFT | (l4_word_t)(items & 0x1f) << L4_TAG_ITEMS_SHIFT |
	       (words & 0x7f);
}

static inline unsigned l4_tag_words(l4_word_t tag) { return tag & 0x7f; }
static inline unsigned l4_tag_items(l4_word_t tag) { return (tag >> L4_TAG_ITEMS_SHIFT) & 0x1f; }
static inline l4_word_t l4_tag_label(l4_word_t tag) { return tag >> L4_TAG_LABEL_SHIFT; }

/* Labels of messages the kernel sends on a thread's behalf. */
#define L4_LABEL_KERNEL     0xffffffff0000ull
#define L4_LABEL_PAGE_FAULT (L4_LABEL_KERNEL + 1)   /* to the pager, see below */
#define L4_LABEL_EXCEPTION  (L4_LABEL_KERNEL + 2)   /* to the exception handler */

/*
 * Page fault message (to the thread's pager), 3 words:
 *   MR0 fault address, MR1 faulting RIP, MR2 access (L4_FAULT_*).
 * The pager replies with one map or grant item: the page is entered at
 * the fault address (the whole address space is the receive window).
 * An empty reply resumes the thread, which faults again if nothing changed.
 * If the kernel refuses the reply's mapping (a malformed item, the
 * receiver's kernel quota spent) and the access would still fault, the
 * thread does not fault again: its exception handler, if it has one apart
 * from the pager, gets the exception message with vector 14 and the
 * L4_FAULT_* bits as error code; otherwise the thread stops.
 */
#define L4_FAULT_WRITE   (1u << 0)
#define L4_FAULT_EXEC    (1u << 1)
#define L4_FAULT_PRESENT (1u << 2)   /* a protection violation, not a missing page */

/*
 * Typed item: two message registers.
 *   word 0: bits 0-3 the item type (L4_ITEM_*), bits 4-5 for memory the
 *           receiver's memory type (L4_ITEM_WRITE_BACK, _UNCACHED,
 *           _WRITE_THROUGH: device memory, for a task or a VM, is mapped
 *           uncached; RAM is write-back in every mapping, and an item
 *           that names RAM with another type is refused, L4_EINVAL),
 *           bit 6 (L4_ITEM_LARGE) from sigma0: the fpage in large
 *           pages (see below), bits 12-63 the send base:
 *           for memory, where in the receiver's window the fpage lands
 *           (only its offset modulo the window size counts). Bits 7-11
 *           must be 0.
 *   word 1: a flexpage.
 *
 * Large pages: every mapping is a 4 KiB, a 2 MiB or a 1 GiB page (1 GiB
 * where the CPU has them: l4_boot_info.page_sizes for tasks, vm_page_sizes
 * for VMs), and a large page is mapped on, and unmapped, only whole: a map
 * item takes a large page where it covers all of it (aligned in both
 * spaces) and the receiver can hold its size; an item that covers part of
 * a large page is refused with L4_EINVAL, as is an unmap flexpage smaller
 * than a large page it starts in. Items (and unmap flexpages) are at most
 * 1 GiB (order 30); one above 4 MiB is carried out in pages of 2 MiB and
 * more only: where the sender has 4 KiB pages in it, it is refused with
 * L4_EINVAL and nothing changes. Large pages come from sigma0: an item of
 * 2 MiB or more from sigma0 with L4_ITEM_LARGE hands out whole pieces of
 * its memory as the largest pages that fit and the receiver takes (where
 * none of a piece has been handed out as small pages); without it sigma0's
 * memory goes out in 4 KiB pages (include/l4/sigma0.h).
 * A large page costs the kernel one mapping node (48 bytes) per holder
 * and no page table; 4 KiB pages cost 512 nodes and a table per 2 MiB.
 */
#define L4_ITEM_LARGE         (1u << 6)
#define L4_ITEM_WRITE_BACK    (0u << 4)
#define L4_ITEM_UNCACHED      (1u << 4)
#define L4_ITEM_WRITE_THROUGH (2u << 4)
enum l4_item_type {
	L4_ITEM_MAP = 1,    /* map: the sender keeps the resource, the receiver gets a derived copy */
	L4_ITEM_GRANT = 2,  /* grant: the resource moves from sender to receiver */
};

/*
 * Flexpage: a power-of-two, naturally aligned range of memory pages,
 * I/O ports or capability slots, with rights.
 *   bits  0-3   rights  memory: L4_FP_R/W/X; capabilities: L4_CAP_RIGHT_*
 *   bits  4-5   space   L4_FP_MEM, L4_FP_IO, L4_FP_CAP
 *   bits  6-11  order   log2 of the size (bytes for memory, 12..47;
 *                       ports 0..16; slots 0..)
 *   bits 12-63  base    memory: the address (bits 12-63 of it);
 *                       I/O: the first port; capabilities: the first slot
 * The base must be aligned to the size.
 */
#define L4_FP_X 1u
#define L4_FP_W 2u
#define L4_FP_R 4u
#define L4_FP_RWX 7u
#define L4_FP_RW 6u
#define L4_FP_RX 5u

enum l4_fp_space { L4_FP_MEM = 0, L4_FP_IO = 1, L4_FP_CAP = 2 };

static inline l4_word_t l4_fpage_mem(l4_word_t addr, unsigned order, unsigned rights)
{
	return (addr & ~0xfffull) | (l4_word_t)order << 6 | (l4_word_t)L4_FP_MEM << 4 | (rights & 0xf);
}

static inline l4_word_t l4_fpage_io(unsigned port, unsigned order)
{
	return (l4_word_t)port << 12 | (l4_word_t)order << 6 | (l4_word_t)L4_FP_IO << 4;
}

static inline l4_word_t l4_fpage_cap(l4_cap_t slot, unsigned order, unsigned rights)
{
	return slot << 12 | (l4_word_t)order << 6 | (l4_word_t)L4_FP_CAP << 4 | (rights & 0xf);
}

static inline unsigned l4_fpage_rights(l4_word_t fp) { return fp & 0xf; }
static inline unsigned l4_fpage_space(l4_word_t fp) { return (fp >> 4) & 3; }
static inline unsigned l4_fpage_order(l4_word_t fp) { return (fp >> 6) & 0x3f; }
static inline l4_word_t l4_fpage_base(l4_word_t fp) { return fp >> 12; }

/* The whole address space, as a receive window. */
#define L4_FPAGE_COMPLETE l4_fpage_mem(0, 63, 0)

#endif
