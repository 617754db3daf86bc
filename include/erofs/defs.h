/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Kernel-isms that the on-disk header uses, kept apart so that erofs_fs.h
 * stays easy to compare with the kernel's fs/erofs/erofs_fs.h.
 */
#ifndef __EROFS_DEFS_H
#define __EROFS_DEFS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <endian.h>
#include <linux/types.h>	/* __u8, __le16, __le32, __le64 */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
/* __le* fields are little-endian on disk: only the helpers below touch them */

#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le16_to_cpu(x) ((u16)le16toh(x))
#define le32_to_cpu(x) ((u32)le32toh(x))
#define le64_to_cpu(x) ((u64)le64toh(x))

#define __packed __attribute__((__packed__))

#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y) ((x) & ~((__typeof__(x))((y) - 1)))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(nr) (1UL << (nr))

#ifndef EFSCORRUPTED
#define EFSCORRUPTED EUCLEAN	/* the kernel's spelling for a bad image */
#endif

#endif
