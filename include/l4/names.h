/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Name service protocol (servers/names): the endpoint "names" (a program
 * gets it with `use names` in the boot configuration). Servers register
 * an endpoint under a name; clients look a name up and receive a
 * capability to it. Calls; the reply's label is the error code.
 *
 * label                 arguments                        result
 * L4_NAMES_REGISTER     MR0-MR1 name (1-15 characters of   -
 *                       [a-z0-9_.-], NUL-padded), one
 *                       capability item: the endpoint
 *                       (msg.h: L4_ITEM_MAP, l4_fpage_cap)
 * L4_NAMES_LOOKUP       MR0-MR1 name                     one capability item
 *                                                          into the caller's
 *                                                          BR1 window (WRITE|GRANT)
 * L4_NAMES_UNREGISTER   MR0-MR1 name                     -
 * L4_NAMES_LIST         MR0 index                        MR0-MR1 the name of
 *                                                          entry index, MR2 count
 * Errors: L4_EMSG (fewer than 2 words, or REGISTER without exactly one
 * capability item), L4_EINVAL (bad name), L4_EEXIST (name taken),
 * L4_ENOENT (no such name), L4_ERIGHTS (UNREGISTER of another client's
 * name), L4_ENOMEM (the client has L4_NAMES_PER_CLIENT names, or the
 * service L4_NAMES_MAX), L4_ENOSYS (unknown label); REGISTER of a
 * capability that is no endpoint: L4_ETYPE, of one without the WRITE
 * right: L4_ERIGHTS. LIST of an index past the end: L4_ENOENT, with the
 * count still in MR2. A client's names go when it ends; a name whose
 * endpoint was destroyed is dropped.
 */
#ifndef L4_NAMES_H
#define L4_NAMES_H

enum l4_names_op {
	L4_NAMES_REGISTER = 1,
	L4_NAMES_LOOKUP = 2,
	L4_NAMES_UNREGISTER = 3,
	L4_NAMES_LIST = 4,
};

#define L4_NAMES_PER_CLIENT 8
#define L4_NAMES_MAX 64

#endif
