/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel self-tests, run at every boot. Each prints one line,
 * "selftest: NAME ... ok" or "selftest: NAME ... FAIL (reason)", and a
 * summary "selftest summary: N passed, M failed" follows (the boot tests
 * in tests/ read these lines).
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include "mb2.h"

/* tick_hz: the running timer's rate, 0 if there is none. Returns the number of failures. */
unsigned selftest_run_all(const struct mb2_info *mb, unsigned tick_hz);

#endif
