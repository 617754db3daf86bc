// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs --nid/--path: one inode's fields, xattrs and fingerprint;
 * -e its extent map, --ls its directory entries, --cat its content.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "dump.h"

static const char *const ftype_names[EROFS_FT_MAX] = {
	[EROFS_FT_UNKNOWN] = "unknown type",
	[EROFS_FT_REG_FILE] = "regular file",
	[EROFS_FT_DIR] = "directory",
	[EROFS_FT_CHRDEV] = "character device",
	[EROFS_FT_BLKDEV] = "block device",
	[EROFS_FT_FIFO] = "fifo",
	[EROFS_FT_SOCK] = "socket",
	[EROFS_FT_SYMLINK] = "symlink",
};

static const char *const layout_names[EROFS_INODE_DATALAYOUT_MAX] = {
	[EROFS_INODE_FLAT_PLAIN] = "flat plain",
	[EROFS_INODE_COMPRESSED_FULL] = "compressed full",
	[EROFS_INODE_FLAT_INLINE] = "flat inline",
	[EROFS_INODE_COMPRESSED_COMPACT] = "compressed compact",
	[EROFS_INODE_CHUNK_BASED] = "chunk based",
};

/* the inode of --nid or --path, and its path when it can be found */
static int resolve(struct dump_image *d, const struct dump_target *t,
		   struct erofs_inode *vi, char **path)
{
	u64 nid = t->nid;
	int err;

	*path = NULL;
	if (t->path) {
		err = erofs_lookup_path(&d->img, t->path, &nid, NULL);
		if (err == -ENOENT || err == -ENOTDIR)
			return dump_fail(d, err, "path '%s': %s", t->path,
					 strerror(-err));
		if (err)
			return dump_check(d, err, "cannot look up the path");
	}
	err = erofs_read_inode(&d->img, nid, vi);
	if (err || d->failed)
		return dump_check(d, err ? err : -EFSCORRUPTED,
				  "cannot read the inode");
	if (t->path) {
		*path = strdup(t->path);
		return *path ? 0 : dump_check(d, -ENOMEM, "path");
	}
	err = dump_nid_path(d, nid, path);
	return err == -ENOENT ? 0 : err;
}

u64 dump_ondisk_size(const struct dump_image *d, const struct erofs_inode *vi)
{
	if (erofs_inode_is_compressed(vi))
		return (u64)vi->rdev << d->img.sbi.blkszbits;
	return vi->size;
}

static void show_time(FILE *out, s64 sec, u32 nsec)
{
	time_t t = (time_t)sec;
	char buf[64];
	struct tm tm;

	if ((s64)t == sec && gmtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		fprintf(out, "Timestamp: %s.%09u UTC\n", buf, nsec);
	else
		fprintf(out, "Timestamp: %" PRId64 ".%09u\n", sec, nsec);
}

static void show_mode(FILE *out, const struct erofs_inode *vi)
{
	static const char rwx[] = "rwxrwxrwx";
	char perm[10];

	for (int i = 0; i < 9; i++)
		perm[i] = vi->mode & (0400 >> i) ? rwx[i] : '-';
	perm[9] = '\0';
	fprintf(out, "Uid: %u   Gid: %u   Access: %04o/%s\n", vi->uid, vi->gid,
		vi->mode & 07777, perm);
}

/* a path from the image, escaped: it is made of the image's names */
static void put_path(FILE *out, const char *path)
{
	if (path)
		erofs_fput_escaped(out, path, strlen(path));
	else
		fputs("(not found)", out);
}

static void show_fields(FILE *out, struct dump_image *d,
			const struct erofs_inode *vi, const char *path)
{
	unsigned int ft = erofs_mode_to_ftype(vi->mode);
	u64 ondisk = dump_ondisk_size(d, vi);

	fputs("Path: ", out);
	put_path(out, path);
	fputc('\n', out);
	fprintf(out, "Size: %" PRIu64 "   On-disk size: %" PRIu64 "   %s\n",
		vi->size, ondisk, ftype_names[ft]);
	fprintf(out, "NID: %" PRIu64 "   Links: %u   Ino: %u   Layout: %u (%s)",
		vi->nid, vi->nlink, vi->ino, vi->datalayout,
		layout_names[vi->datalayout]);
	if (erofs_inode_is_compressed(vi) && vi->size)
		fprintf(out, "   Compression ratio: %.2f%%",
			100.0 * ondisk / vi->size);
	fprintf(out, "\nInode size: %u (%s)   Xattr size: %u\n",
		vi->inode_isize, vi->version ? "extended" : "compact",
		vi->xattr_isize);
	show_mode(out, vi);
	show_time(out, vi->mtime, vi->mtime_nsec);
	if (ft == EROFS_FT_CHRDEV || ft == EROFS_FT_BLKDEV)
		fprintf(out, "Device: %u,%u\n", erofs_dev_major(vi->rdev),
			erofs_dev_minor(vi->rdev));
}

static int show_symlink(FILE *out, struct dump_image *d,
			const struct erofs_inode *vi)
{
	char *target = malloc(vi->size + 1);
	int err = target ? erofs_read_symlink(&d->img, vi, target,
					     vi->size + 1) : -ENOMEM;

	if (!err && !d->failed) {
		fputs("Target: ", out);
		erofs_fput_escaped(out, target, strlen(target));
		fputc('\n', out);
	}
	free(target);
	return dump_check(d, err, "cannot read the symlink");
}

struct xattr_show {
	FILE *out;
	unsigned int n;
};

static int xattr_fn(const struct erofs_xattr_info *x, void *arg)
{
	struct xattr_show *s = arg;
	char esc[4 * 300];

	if (!s->n++)
		fputs("Xattrs:\n", s->out);
	erofs_escape(esc, sizeof(esc), x->name, x->name_len);
	fprintf(s->out, "  %s (%u bytes%s)", esc, x->value_len,
		x->shared ? ", shared" : "");
	if (x->fingerprint && x->value_len == EROFS_ISHARE_VALUE_SIZE) {
		fputs(" = sha256:", s->out);
		for (unsigned int i = EROFS_ISHARE_PREFIX_LEN; i < x->value_len;
		     i++)
			fprintf(s->out, "%02x", x->value[i]);
	}
	fputc('\n', s->out);
	return 0;
}

static int show_xattrs(FILE *out, struct dump_image *d,
		       const struct erofs_inode *vi)
{
	struct xattr_show s = { out, 0 };
	int err = erofs_xattr_iterate(&d->img, vi, xattr_fn, &s);

	if (!err && d->failed)
		err = -EFSCORRUPTED;
	return dump_check(d, err, "cannot read the xattrs");
}

static int ls_fn(const struct erofs_dirent_info *de, void *arg)
{
	FILE *out = arg;

	fprintf(out, "%10" PRIu64 " %4u  ", de->nid, de->ftype);
	erofs_fput_escaped(out, de->name, de->namelen);
	fputc('\n', out);
	return 0;
}

static int show_dir(FILE *out, struct dump_image *d,
		    const struct erofs_inode *vi)
{
	int err;

	if (!S_ISDIR(vi->mode))
		return dump_fail(d, ENOTDIR, "--ls: nid %" PRIu64
				 " is not a directory", vi->nid);
	fputs("\n       NID TYPE  FILENAME\n", out);
	err = erofs_dir_iterate(&d->img, vi, ls_fn, out);
	if (!err && d->failed)
		err = -EFSCORRUPTED;
	return dump_check(d, err, "cannot read the directory");
}

static const char *alg_name(unsigned int alg)
{
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4: return "lz4";
	case Z_EROFS_COMPRESSION_LZMA: return "lzma";
	case Z_EROFS_COMPRESSION_DEFLATE: return "deflate";
	case Z_EROFS_COMPRESSION_ZSTD: return "zstd";
	case EROFS_ZALG_SHIFTED: return "plain";
	case EROFS_ZALG_INTERLACED: return "interlaced";
	}
	return "unknown";
}

static void extent_line(FILE *out, unsigned int i, const struct erofs_map *m)
{
	fprintf(out, "%4u: %10" PRIu64 "..%10" PRIu64 " | %8" PRIu64 " : ", i,
		m->la, m->la + m->llen, m->llen);
	if (!(m->flags & EROFS_MAP_MAPPED)) {
		fprintf(out, "%10s  %10s | %8s  # hole\n", "", "", "");
		return;
	}
	fprintf(out, "%10" PRIu64 "..%10" PRIu64 " | %8" PRIu64, m->pa,
		m->pa + m->plen, m->plen);
	if (m->flags & EROFS_MAP_META)
		fputs("  # inline", out);
	if (m->flags & EROFS_MAP_ENCODED)
		fprintf(out, "  # compressed (algorithm %u, %s%s)",
			m->algorithm, alg_name(m->algorithm),
			m->flags & EROFS_MAP_PARTIAL_REF ? ", partial" : "");
	if (m->flags & EROFS_MAP_FRAGMENT)
		fputs("  # fragment", out);
	fputc('\n', out);
}

static int show_extents(FILE *out, struct dump_image *d,
			const struct erofs_inode *vi, const char *path)
{
	struct erofs_map m = { 0 };
	unsigned int n = 0;

	fputs("\n Ext:    logical offset        |   length :"
	      "    physical offset       |   length\n", out);
	while (m.la < vi->size) {
		int err = erofs_map_blocks(&d->img, vi, &m, 0);

		if (!err && (d->failed || !m.llen))
			err = -EFSCORRUPTED;
		if (err)
			return dump_check(d, err, "cannot map the data");
		extent_line(out, n++, &m);
		m.la += m.llen;
	}
	put_path(out, path);
	fprintf(out, ": %u extents found\n", n);
	return 0;
}

int dump_show_inode(struct dump_image *d, const struct dump_target *t,
		    bool extents, bool ls, FILE *out)
{
	struct erofs_inode vi;
	char *path;
	int err = resolve(d, t, &vi, &path);

	if (err)
		return err;
	show_fields(out, d, &vi, path);
	if (S_ISLNK(vi.mode))
		err = show_symlink(out, d, &vi);
	if (!err)
		err = show_xattrs(out, d, &vi);
	if (!err && ls)
		err = show_dir(out, d, &vi);
	if (!err && extents)
		err = show_extents(out, d, &vi, path);
	free(path);
	return err;
}

static int cat_data(struct dump_image *d, const struct erofs_inode *vi,
		    char *buf, size_t bufsz, struct erofs_zreader *zr,
		    FILE *out)
{
	for (u64 off = 0; off < vi->size; off += bufsz) {
		size_t n = vi->size - off < bufsz ? vi->size - off : bufsz;
		int err = erofs_read_data_zr(&d->img, vi, buf, n, off, 0, zr);

		if (!err && d->failed)
			err = -EFSCORRUPTED;
		if (err)
			return dump_check(d, err, "cannot read the data");
		if (fwrite(buf, 1, n, out) != n)
			return dump_fail(d, errno ? errno : EIO,
					 "cannot write the output: %s",
					 strerror(errno ? errno : EIO));
	}
	return 0;
}

int dump_cat(struct dump_image *d, const struct dump_target *t, FILE *out)
{
	size_t bufsz = 1U << 17;
	struct erofs_zreader *zr;
	struct erofs_inode vi;
	char *path, *buf;
	int err = resolve(d, t, &vi, &path);

	if (err)
		return err;
	free(path);
	if (!S_ISREG(vi.mode) && !S_ISLNK(vi.mode))
		return dump_fail(d, EINVAL, "--cat: nid %" PRIu64
				 " is not a regular file", vi.nid);
	buf = malloc(bufsz);
	zr = erofs_zreader_alloc();	/* each extent decoded once */
	if (!buf || !zr) {
		free(buf);
		erofs_zreader_free(zr);
		return dump_check(d, -ENOMEM, "--cat");
	}
	err = cat_data(d, &vi, buf, bufsz, zr, out);
	erofs_zreader_free(zr);
	free(buf);
	return err;
}
