/* SPDX-License-Identifier: GPL-2.0-only */
/* A program that dies of an unhandled page fault: the root task must end it alone. */
#include "l4lib.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* Without `debug` in its configuration it cannot end the machine; its
	 * lines reach the console through the root task. */
	l4_printf("machine exit without the debug capability: error %lu\n",
		  (unsigned long)l4_debug_exit(0));
	l4_printf("about to touch unmapped memory\n");
	*(volatile long *)0x50000000 = 1;
	l4_printf("still alive (wrong)\n");
	return 0;
}
