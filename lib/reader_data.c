// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * File data: read through the maps of reader_map.c; compressed inodes
 * and fragments are read by reader_zdata.c.
 */
#include <string.h>
#include "liberofs_reader.h"

int erofs_read_data(struct erofs_image *img, const struct erofs_inode *vi,
		    void *buf, size_t len, u64 off, unsigned int flags)
{
	return erofs_read_data_zr(img, vi, buf, len, off, flags, NULL);
}

int erofs_read_data_zr(struct erofs_image *img, const struct erofs_inode *vi,
		       void *buf, size_t len, u64 off, unsigned int flags,
		       struct erofs_zreader *zr)
{
	bool quiet = flags & EROFS_RD_QUIET;
	u8 *p = buf;
	u64 end;

	if (!erofs_add_ok(off, len, &end) || end > vi->size)
		return -EINVAL;
	if (erofs_inode_is_compressed(vi))
		return z_erofs_read_data(img, vi, buf, len, off, quiet, zr);
	while (len) {
		struct erofs_map map = { .la = off };
		u64 n, skip;
		int err = erofs_map_blocks(img, vi, &map, flags);

		if (err)
			return err;
		skip = off - map.la;
		n = map.llen - skip < len ? map.llen - skip : len;
		if (!(map.flags & EROFS_MAP_MAPPED)) {
			memset(p, 0, n);
		} else {
			err = erofs_image_pread(img, p, n, map.pa + skip);
			if (err)
				return erofs_reportf(img, quiet,
					err == -EFSCORRUPTED ? EROFS_PB_INODE_DATA :
					EROFS_PB_IO, vi->nid,
					"cannot read data at offset %llu: %s",
					(unsigned long long)off,
					erofs_strerror(err));
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int erofs_read_symlink(struct erofs_image *img, const struct erofs_inode *vi,
		       char *buf, size_t bufsize)
{
	int err;

	if (vi->size >= bufsize)
		return -ENAMETOOLONG;
	err = erofs_read_data(img, vi, buf, vi->size, 0, 0);
	if (err)
		return err;
	buf[vi->size] = '\0';
	if (memchr(buf, '\0', vi->size))
		return erofs_report(img, EROFS_PB_SYMLINK, vi->nid,
				    "symlink target has a NUL byte");
	return 0;
}
