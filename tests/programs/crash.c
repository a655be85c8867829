/* SPDX-License-Identifier: GPL-2.0-only */
/* A program that dies of an unhandled page fault: the root task must end it alone. */
#include "l4lib.h"

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_printf("about to touch unmapped memory\n");
	*(volatile long *)0x50000000 = 1;
	l4_printf("still alive (wrong)\n");
	return 0;
}
