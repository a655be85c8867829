/* SPDX-License-Identifier: GPL-2.0-only */
/* A program that dies of an unhandled page fault: the root task must end it alone. */
#include "l4lib.h"

int main(int argc, char **argv)
{
	(void)argc;
	l4_printf("%s: about to touch unmapped memory\n", argv[0]);
	*(volatile long *)0x50000000 = 1;
	l4_printf("%s: still alive (wrong)\n", argv[0]);
	return 0;
}
