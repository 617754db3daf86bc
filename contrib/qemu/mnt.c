// SPDX-License-Identifier: GPL-2.0+
/*
 * mnt SRC DIR FSTYPE OPTS: one mount(2) call for the QEMU guest.
 *
 * busybox mount turns a regular file into a loop device by itself, which
 * would hide EROFS file-backed mounts; this calls mount(2) as asked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: mnt SRC DIR FSTYPE OPTS\n");
		return 2;
	}
	if (mount(argv[1], argv[2], argv[3], MS_RDONLY, argv[4])) {
		fprintf(stderr, "mnt: cannot mount %s on %s: %s\n",
			argv[1], argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
