/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The environment page: what the root task gives every program it starts
 * from the boot configuration (docs/config.md). A read-only page at
 * L4_ENV_ADDR; the program's first thread starts at the ELF entry with
 *   RSP  L4_BOOT_STACK_TOP (16-byte aligned), RDI  L4_ENV_ADDR
 * and the capability layout of caps.h: L4_CAP_TASK, L4_CAP_THREAD,
 * L4_CAP_FACTORY (its own factory, holding its `quota`), L4_CAP_PAGER
 * (the root task's endpoint, badged for this program: page faults and
 * exceptions go there, and a fault the root task cannot resolve ends the
 * program and returns everything it had). The named capabilities below
 * follow from slot L4_CAP_FIRST_FREE on. libl4's start-up code reads the
 * page: main(argc, argv) gets the arguments, l4_env_cap(name) the slots.
 */
#ifndef L4_ENV_H
#define L4_ENV_H

#include "types.h"

#define L4_ENV_ADDR   0x00007ffffffc0000ull
#define L4_ENV_MAGIC  0x4c34656e76ull        /* "L4env" */
#define L4_ENV_NAME_LEN 16
#define L4_ENV_MAX_CAPS 32
#define L4_ENV_ARGS_BYTES 512
#define L4_ENV_MAX_MODULES 4
#define L4_ENV_MODULE_ARGS_LEN 128   /* a module's arguments, NUL included */
#define L4_ENV_MAX_PORTS 16
#define L4_ENV_MAX_PROGRAMS 32
#define L4_ENV_MAX_VCPUS 8

/*
 * A named capability. Names: an endpoint from `serve NAME` (READ|WRITE:
 * the program receives on it) or `use NAME` (WRITE|GRANT, badged with the
 * program's number: servers tell clients apart by the badge); "irqN" an
 * Irq object for interrupt line N (`irq N`); "debug" the kernel debug
 * capability (`debug`, debug.h); "sigma0" for the memory server.
 */
struct l4_env_cap {
	char name[L4_ENV_NAME_LEN];
	l4_word_t slot;
};

/*
 * A data module (`module NAME PATH [ARG...]`), mapped read-only at addr,
 * in configuration order. args: the words after PATH joined by single
 * spaces, "" if none (the VMM passes them to a multiboot guest with the
 * module, as its string "NAME ARG...").
 */
struct l4_env_module {
	char name[L4_ENV_NAME_LEN];
	l4_word_t addr, size;
	char args[L4_ENV_MODULE_ARGS_LEN];
};

struct l4_env {
	l4_word_t magic;                  /* L4_ENV_MAGIC */
	char name[L4_ENV_NAME_LEN];       /* the program's name (argv[0]) */
	l4_word_t id;                     /* its number: the badge of its capabilities */
	l4_word_t argc;                   /* with argv[0] */
	char args[L4_ENV_ARGS_BYTES];     /* argv[0..argc-1], each NUL-terminated */
	l4_word_t tsc_khz;                /* the TSC's rate */
	l4_word_t memory;                 /* bytes of memory it may allocate */
	l4_word_t cap_count;
	struct l4_env_cap caps[L4_ENV_MAX_CAPS];
	l4_word_t module_count;
	struct l4_env_module modules[L4_ENV_MAX_MODULES];
	l4_word_t port_count;             /* I/O port ranges it was given (`ioports`) */
	struct { l4_word_t first, last; } ports[L4_ENV_MAX_PORTS];
	l4_word_t flags;                  /* L4_ENV_INPUT, L4_ENV_VM */
	l4_word_t priority;               /* its first thread's, also its MCP: threads
					     it starts may have up to this priority */
	l4_word_t ram_addr, ram_size;     /* `vm` programs: their `memory`, mapped at
					     ram_addr (L4_ENV_RAM_ADDR) in 1 GiB pages
					     (whole GiBs, where the CPU has them for
					     tasks and VMs) and 2 MiB ones (sigma0.h:
					     L4_SIGMA0_LARGE), a multiple of 4 MiB,
					     for guest RAM; else 0 */
	/* Every program of the configuration by number (badge - 1): servers
	 * name their clients from it without asking anyone. */
	l4_word_t program_count;
	struct {
		char name[L4_ENV_NAME_LEN];
		l4_word_t flags;          /* L4_ENV_INPUT, L4_ENV_VM */
	} programs[L4_ENV_MAX_PROGRAMS];
	/* `vm` programs: the guest's vCPUs (`cpus`, 1..L4_ENV_MAX_VCPUS) and
	 * the host CPU each is bound to (`cpu`, else round-robin over the
	 * CPUs online from CPU 0; an index past them is the VMM's to refuse). */
	l4_word_t vcpus;
	unsigned char vcpu_host[L4_ENV_MAX_VCPUS];
};

_Static_assert(sizeof(struct l4_env) <= 4096, "the environment is one page");

#define L4_ENV_RAM_ADDR 0x0000300000000000ull

#define L4_ENV_INPUT 1u   /* console input goes to this program */
#define L4_ENV_VM    2u   /* it may create VMs and vCPUs */

/*
 * Messages a program sends to the root task through L4_CAP_PAGER (the
 * reply's label is the error code):
 *   L4_ROOT_EXIT   MR0 status: the program ends (no reply; libl4 sends it
 *                  when main returns)
 *   L4_ROOT_INFO   MR0 program number (a badge a server sees) -> MR0-MR1
 *                  its name (NUL-padded), MR2 its `memory` bytes, MR3 its
 *                  L4_ENV_* flags; L4_ENOENT if no such program runs
 *   L4_ROOT_LOG    MR0 bytes, MR1.. a line of output (8 bytes to a word,
 *                  at most L4_DEBUG_PUTS_MAX): the root task prints it as
 *                  it is (libl4 sends its lines so, prefixed with the
 *                  program's name, when there is no console server and
 *                  the program has no debug capability)
 *   L4_ROOT_FAULT  MR0 program number, MR1 address, MR2 RIP: a fault the
 *                  sender (the program serving "mem", the pager of its
 *                  clients) will not resolve: the root task ends that
 *                  program. L4_ERIGHTS from anyone else.
 * And one the root task sends: when a program ends, every endpoint it
 * `use`d gets L4_SERVER_CLIENT_GONE (MR0 its number) from the root task's
 * unbadged capability (badge 0), so servers drop what they kept for it.
 */
enum l4_root_op {
	L4_ROOT_EXIT = 0x100,
	L4_ROOT_INFO = 0x101,
	L4_ROOT_FAULT = 0x102,
	L4_ROOT_LOG = 0x103,
};
#define L4_SERVER_CLIENT_GONE 0x1ff

#endif
