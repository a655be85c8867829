/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Console server protocol (servers/console): the endpoint "log" (`use
 * log`). The server owns the serial port; it prints each client's output
 * line by line as "NAME: text" (NAME from the boot configuration) and
 * gives keyboard input to the one program configured with `input`.
 * That program's output is shown as it comes, without waiting for the end
 * of its line (a prompt, the echo of what is typed); another program's
 * line in between ends it, and the rest goes on under the name again.
 * Calls; the reply's label is the error code. libl4's l4_printf writes
 * here when the program has a "log" capability.
 *
 * label              arguments                    result
 * L4_CONSOLE_WRITE   MR0 n (bytes, at most          -
 *                    L4_CONSOLE_MAX), MR1.. the
 *                    bytes, 8 per word, first in
 *                    the lowest byte
 * L4_CONSOLE_READ    MR0 most bytes wanted          MR0 n (0: none waiting),
 *                                                   MR1.. the bytes
 * Errors: L4_EMSG (n larger than the words carry, or above the limit),
 * L4_ERIGHTS (READ from a program that is not the input program),
 * L4_ENOSYS (unknown label).
 */
#ifndef L4_CONSOLE_H
#define L4_CONSOLE_H

enum l4_console_op {
	L4_CONSOLE_WRITE = 1,
	L4_CONSOLE_READ = 2,
};

#define L4_CONSOLE_MAX 480      /* bytes per message (60 words) */

#endif
