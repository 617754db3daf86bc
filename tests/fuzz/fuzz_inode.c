// SPDX-License-Identifier: GPL-2.0+ OR MIT
/* Inodes and their xattrs: every entry, a lookup, the fingerprint. */
#include <stdlib.h>
#include <sys/stat.h>
#include "fuzz.h"

static int xattr_fn(const struct erofs_xattr_info *x, void *arg)
{
	(void)x;
	(void)arg;
	return 0;
}

static void inode_fn(struct erofs_image *img, const struct erofs_inode *vi)
{
	u8 digest[32], buf[64];

	erofs_xattr_iterate(img, vi, xattr_fn, NULL);
	erofs_getxattr(img, vi, "trusted.overlay.opaque", buf, sizeof(buf));
	erofs_getxattr(img, vi, "user.a", buf, sizeof(buf));
	erofs_inode_fingerprint(img, vi, digest);
	if (S_ISLNK(vi->mode) && vi->size < 4096) {
		char *target = malloc(vi->size + 1);

		if (target)
			erofs_read_symlink(img, vi, target, vi->size + 1);
		free(target);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_image img;

	if (!fuzz_image_open(&img, data, size))
		fuzz_walk(&img, inode_fn);
	erofs_image_close(&img);
	return 0;
}
