/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgtool: the boot configuration (docs/config.md) on the host, through
 * the root task's own parser (roottask/config.c), so the image builder
 * and the root task can never disagree about a file.
 *
 *   cfgtool [-k] check|modules|cmdline CONFIG (-k: report errors on stderr
 *                            but print modules/cmdline anyway, status 0)
 *   cfgtool check CONFIG     errors as "CONFIG:LINE: message" on stderr
 *   cfgtool modules CONFIG   "MODULE_NAME<TAB>PATH" per boot module the
 *                            configuration needs, paths as written
 *   cfgtool cmdline CONFIG   the kernel command line (an empty line if none)
 *
 * Exit status: 0 on success, 1 if the file has errors or cannot be read
 * (or stdout cannot be written), 2 on bad usage. modules and cmdline
 * print nothing on stdout for a file with errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roottask/config.h"

#define READ_CHUNK 65536

static const char *prog_name = "cfgtool";

static void usage(void)
{
	fprintf(stderr, "usage: %s [-k] check|modules|cmdline CONFIG\n", prog_name);
	exit(2);
}

/* The whole file at path in a heap buffer; exits with a message on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, path, strerror(errno));
		exit(1);
	}
	for (;;) {
		if (cap - n < READ_CHUNK) {
			cap = cap ? cap * 2 : READ_CHUNK;
			char *grown = realloc(buf, cap);
			if (!grown) {
				fprintf(stderr, "%s: %s: out of memory\n", prog_name, path);
				exit(1);
			}
			buf = grown;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, path, strerror(errno));
		exit(1);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The parser's report function: ctx is the file's name. */
static void print_error(void *ctx, unsigned line, const char *message)
{
	fprintf(stderr, "%s:%u: %s\n", (const char *)ctx, line, message);
}

static void print_modules(const struct cfg *cfg)
{
	for (unsigned i = 0; i < cfg->count; i++) {
		const struct cfg_program *p = &cfg->programs[i];
		if (!p->name[0] || !p->file[0])
			continue;      /* (-k: a block too broken to name its module) */
		printf("%s\t%s\n", p->name, p->file);
		for (unsigned k = 0; k < p->nmodules; k++)
			printf("%s.%s\t%s\n", p->name, p->modules[k].name, p->modules[k].path);
	}
}

int main(int argc, char **argv)
{
	static struct cfg cfg;   /* too big for some stacks */
	size_t len;

	if (argc > 0 && argv[0][0]) {
		const char *slash = strrchr(argv[0], '/');
		prog_name = slash ? slash + 1 : argv[0];
	}
	/* -k: keep going: report errors, but still print what the file gives. */
	bool keep_going = argc == 4 && !strcmp(argv[1], "-k");
	if (argc != 3 + keep_going)
		usage();
	const char *cmd = argv[1 + keep_going], *path = argv[2 + keep_going];
	if (strcmp(cmd, "check") && strcmp(cmd, "modules") && strcmp(cmd, "cmdline"))
		usage();

	char *text = read_file(path, &len);
	unsigned errors = cfg_parse(text, len, &cfg, print_error, (void *)path);
	free(text);
	if (errors && (!keep_going || !strcmp(cmd, "check")))
		return 1;
	if (!strcmp(cmd, "modules"))
		print_modules(&cfg);
	else if (!strcmp(cmd, "cmdline"))
		printf("%s\n", cfg.cmdline);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", prog_name, strerror(errno));
		return 1;
	}
	return 0;
}
