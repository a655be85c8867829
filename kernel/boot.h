/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting the first user tasks from the boot modules (include/l4/boot.h). */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "mb2.h"

/* Creates the root task from the "roottask" module. False if there is
 * nothing to run (no such module, or it was refused: the reason is printed). */
bool boot_start_tasks(const struct mb2_info *mb);

#endif
