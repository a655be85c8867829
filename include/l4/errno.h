/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error codes. Every system call returns one in RAX (0 = success); a
 * kernel object invocation also returns it as the result. A bad
 * argument, capability or message is always an error code, never a
 * crash of the kernel or of another task.
 */
#ifndef L4_ERRNO_H
#define L4_ERRNO_H

enum l4_error {
	L4_OK = 0,
	L4_EINVAL = 1,      /* an argument is malformed or out of range */
	L4_ECAP = 2,        /* the capability slot is empty or beyond the table */
	L4_ETYPE = 3,       /* the capability names an object of the wrong type */
	L4_ERIGHTS = 4,     /* the capability lacks a right the operation needs */
	L4_ENOMEM = 5,      /* the factory's quota or the kernel's memory is exhausted */
	L4_ETIMEOUT = 6,    /* the timeout expired before the partner came */
	L4_ECANCELED = 7,   /* the partner or the object went away while blocked */
	L4_EBUSY = 8,       /* the destination slot or object is in use */
	L4_ENOSYS = 9,      /* unknown system call or invocation label */
	L4_EMSG = 10,       /* malformed message: word or item counts, typed items */
	L4_ENOREPLY = 11,   /* reply without a caller to reply to */
	L4_EFAULT = 12,     /* an address is not canonical, not aligned or not user */
	L4_EDEADLK = 13,    /* the operation would wait for the caller itself */
	L4_ENOENT = 14,     /* servers: no such name, region or entry */
	L4_EEXIST = 15,     /* servers: the name or entry exists already */
	L4_EIO = 16,        /* servers: the device reported an error for the operation */
	L4_ENODEV = 17,     /* servers: no such device, or it is absent or not ready */
	L4_ERROR_COUNT
};

#endif
