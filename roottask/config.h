/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The boot configuration (the boot module `config`, format in
 * docs/config.md): which programs the root task starts from the boot
 * modules, with what arguments, priority, memory, I/O ports, interrupts,
 * endpoints and data modules.
 *
 * Pure C: no libc, no allocation, no globals. The same file builds into
 * the root task (ring 3), the host tool tools/cfgtool.c and the host unit
 * tests. Everything the parser produces lives in fixed-size arrays of the
 * struct cfg the caller owns; nothing points into the parsed text.
 */
#ifndef ROOTTASK_CONFIG_H
#define ROOTTASK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_PROGRAMS 32        /* program blocks in one file */
#define CFG_NAME_MAX 15            /* characters of a program, endpoint or module name */
#define CFG_PATH_MAX 255           /* bytes of a path (file, module) */
#define CFG_CMDLINE_MAX 255        /* bytes of the kernel command line */
#define CFG_LINE_MAX 511           /* bytes of a line, without its line ending */
#define CFG_MAX_ARGS 16            /* args of a program (argv[1..]) */
#define CFG_ARGS_BYTES 255         /* the args' lengths added up */
#define CFG_MAX_PORT_RANGES 16     /* ioports ranges of a program */
#define CFG_MAX_IRQS 8             /* irq lines of a program */
#define CFG_MAX_SERVE 4            /* endpoints a program serves */
#define CFG_MAX_USE 8              /* endpoints a program calls */
#define CFG_MAX_MODULES 4          /* data modules of a program */
#define CFG_MODULE_ARGS_MAX 127    /* bytes of a module's arguments, joined */

#define CFG_PORT_LAST 0xffffu      /* x86 I/O port space: 64 KiB of 8-bit ports */
#define CFG_IRQ_LAST 255u          /* highest interrupt line (GSI) a program can get */

#define CFG_PRIORITY_MIN 1u
#define CFG_PRIORITY_MAX 254u
#define CFG_PRIORITY_DEFAULT 100u
#define CFG_QUOTA_MIN (16ull << 10)      /* 16K: a task, a thread and a few objects */
#define CFG_QUOTA_MAX (1ull << 30)       /* 1G */
#define CFG_QUOTA_DEFAULT (256ull << 10) /* 256K: task, thread, page tables, I/O bitmap */
#define CFG_MEMORY_MAX (64ull << 30)     /* 64G */
#define CFG_MEMORY_DEFAULT (4ull << 20)  /* 4M */
#define CFG_MAX_VCPUS 8            /* `cpus` of a VM program */
#define CFG_HOST_CPU_MAX 255u      /* highest host CPU index in `cpu` */

/* An inclusive range of I/O ports. */
struct cfg_range {
	uint16_t first, last;
};

/* A data module: in the ISO it is the boot module PROGRAM.NAME. */
struct cfg_module {
	char name[CFG_NAME_MAX + 1];
	char path[CFG_PATH_MAX + 1];   /* as written: ${VAR} unexpanded, maybe relative */
	char args[CFG_MODULE_ARGS_MAX + 1];   /* the words after PATH joined by single
						 spaces, as written; "" if none */
};

/*
 * One program block. Strings are NUL-terminated. A block whose `program`
 * line had a bad or missing name has name "" (cfg_find never returns it).
 */
struct cfg_program {
	char name[CFG_NAME_MAX + 1];   /* also its boot module's name and argv[0] */
	char file[CFG_PATH_MAX + 1];   /* the ELF's path, as written */
	unsigned argc;                 /* args: argv[1..argc], see cfg_arg() */
	uint16_t argv[CFG_MAX_ARGS];   /* offset of each arg in argbuf */
	char argbuf[CFG_ARGS_BYTES + CFG_MAX_ARGS];   /* the args, each NUL-terminated */
	unsigned priority;
	uint64_t quota;                /* bytes of kernel memory for its kernel objects */
	uint64_t memory;               /* bytes of physical memory it may allocate */
	struct cfg_range ports[CFG_MAX_PORT_RANGES];
	unsigned nports;
	uint8_t irqs[CFG_MAX_IRQS];
	unsigned nirqs;
	char serve[CFG_MAX_SERVE][CFG_NAME_MAX + 1];
	unsigned nserve;
	char use[CFG_MAX_USE][CFG_NAME_MAX + 1];
	unsigned use_line[CFG_MAX_USE];   /* line of each `use`, for messages */
	unsigned nuse;
	struct cfg_module modules[CFG_MAX_MODULES];
	unsigned nmodules;
	bool input;                    /* console input goes to it */
	bool vm;                       /* may create virtual machines and vCPUs */
	bool debug;                    /* gets the kernel debug capability (console, exit) */
	unsigned vcpus;                /* `cpus`: the VM's vCPUs (1..CFG_MAX_VCPUS, default 1) */
	uint8_t vcpu_host[CFG_MAX_VCPUS];   /* `cpu`: vCPU i's host CPU, if given */
	unsigned nvcpu_host;           /* how many `cpu` gave (0: round-robin) */
	char after[CFG_NAME_MAX + 1];  /* `after`: starts when this program has ended ("": at boot) */
	unsigned after_line;
	unsigned line;                 /* of its `program` line */
	bool valid;                    /* false if any error concerned this program */
};

struct cfg {
	char cmdline[CFG_CMDLINE_MAX + 1];   /* "" if none */
	struct cfg_program programs[CFG_MAX_PROGRAMS];
	unsigned count;                      /* blocks in programs[], valid or not */
};

/*
 * Called once per error with its 1-based line number and a message such
 * as "priority: '300' is not in 1..254". The message is only valid during
 * the call.
 */
typedef void (*cfg_report_fn)(void *ctx, unsigned line, const char *message);

/*
 * Parses the len bytes at text (no NUL terminator needed; never reads past
 * len; text may be NULL if len is 0) into *out, which it fully overwrites.
 * Reports every error through report (if not NULL) and returns their
 * number. A program with an error gets valid = false; the other programs
 * keep valid = true, so the caller can still start them. Returns 1 without
 * reporting if out is NULL.
 */
unsigned cfg_parse(const char *text, size_t len, struct cfg *out, cfg_report_fn report, void *ctx);

/* The program named name (NUL-terminated), valid or not; NULL if none. */
const struct cfg_program *cfg_find(const struct cfg *cfg, const char *name);

/* Argument i (0-based: argv[i + 1] of the program); NULL if i >= argc. */
const char *cfg_arg(const struct cfg_program *prog, unsigned i);

#endif
