/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * The targets whose code under test takes a path (the tar source, the
 * images of the sharing report) get one to an anonymous file in memory.
 */
#ifndef __EROFS_FUZZ_MEMFD_H
#define __EROFS_FUZZ_MEMFD_H

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* a memfd holding @len bytes of @data, its /proc path in @path; or -1 */
static inline int fuzz_memfd(const void *data, size_t len, char *path,
			     size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
