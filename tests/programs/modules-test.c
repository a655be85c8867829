/* SPDX-License-Identifier: GPL-2.0-only */
/* Prints its data modules (include/l4/env.h) and the first line of each. */
#include "l4lib.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* Its configuration says `debug`: it has the capability (and prints through it). */
	l4_printf("debug capability %s\n", l4_debug_cap() != L4_CAP_NONE ? "given" : "missing");
	l4_printf("%lu data modules\n", (unsigned long)l4_env->module_count);
	for (unsigned i = 0; i < l4_env->module_count && i < L4_ENV_MAX_MODULES; i++) {
		const struct l4_env_module *m = &l4_env->modules[i];
		const char *text = (const char *)m->addr;
		char first[80];
		unsigned n = 0;
		while (n < m->size && n < sizeof(first) - 1 && text[n] != '\n') {
			first[n] = text[n];
			n++;
		}
		first[n] = 0;
		l4_printf("module %.16s: %lu bytes, first line \"%s\"\n", m->name, (unsigned long)m->size, first);
	}
	/* Read-only: a write must end the program (the root task says so). */
	if (l4_env->module_count)
		*(volatile char *)l4_env->modules[0].addr = 'x';
	l4_printf("wrote into a read-only module: FAIL\n");
	return 0;
}
