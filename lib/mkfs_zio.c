// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The compressing side's I/O, below every other mkfs_z*.c file: scratch
 * files beside the image, and whole reads and writes that name what
 * failed.  It calls nothing of theirs, so their arrows all point here.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "erofs/print.h"
#include "liberofs_zmkfs.h"

static int z_open_tmp(const char *dir)
{
	char *path;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	/* no O_TMPFILE there: a named file, unlinked at once */
	if (asprintf(&path, "%s/.mkfs.erofs.XXXXXX", dir) < 0)
		return -ENOMEM;
	fd = mkstemp(path);
	if (fd < 0) {
		fd = erofs_err_ret(-errno,
				   "cannot create a scratch file in '%s': %s",
				   dir, strerror(errno));
	} else {
		unlink(path);
	}
	free(path);
	return fd;
}

/*
 * -E fragments keeps raw fragment bytes in unlinked scratch files until
 * the packed inode is built.  They go beside the image, which is where
 * the user gave room for it, never to $TMPDIR.
 */
int z_open_spill(const struct erofs_mkfs_cfg *cfg)
{
	char *name;
	int fd;

	if (cfg->tmpdir)
		return z_open_tmp(cfg->tmpdir);
	name = strdup(cfg->image_name ? cfg->image_name : ".");
	if (!name)
		return -ENOMEM;
	fd = z_open_tmp(dirname(name));
	free(name);
	return fd;
}

int z_pwrite_all(int fd, const u8 *p, size_t len, u64 pos, const char *what)
{
	struct iovec iov = { (void *)p, len };
	int err = mkfs_pwritev_fd(fd, &iov, 1, pos);

	if (err)
		return erofs_err_ret(err, "cannot write %s: %s", what,
				     strerror(-err));
	return 0;
}

int z_pread_all(int fd, u8 *p, size_t len, u64 pos, const char *what)
{
	int err = mkfs_pread_all(fd, p, len, pos);

	if (err)
		return erofs_err_ret(err == -ENODATA ? -EIO : err,
				     "cannot read %s: %s", what,
				     err == -ENODATA ? "unexpected end of file" :
				     strerror(-err));
	return 0;
}
