/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests (Check): one suite per kernel module under test. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <check.h>

Suite *format_suite(void);
Suite *cmdline_suite(void);
Suite *mb2_suite(void);
Suite *frame_suite(void);
Suite *elf_suite(void);
Suite *acpi_suite(void);
Suite *dtree_suite(void);
Suite *space_suite(void);

#endif
