// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs -S: walk the tree once and count inodes by type, regular
 * file sizes (a power-of-two histogram in KiB, as erofs-utils prints it)
 * and, when files are compressed, what they take on disk.  Hard links
 * are counted once, as inodes.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include "dump.h"

#define SIZE_BUCKETS	17	/* < 1 KiB, then doubling up to >= 32 GiB */

/* extents of compressed files, by how they are stored */
enum { X_LZ4, X_LZMA, X_DEFLATE, X_ZSTD, X_PLAIN, X_INLINE_PLAIN,
       X_FRAGMENT, X_KINDS };

static const char *const kind_names[X_KINDS] = {
	"lz4", "lzma", "deflate", "zstd", "uncompressed", "inline uncompressed",
	"fragment",
};

struct kind_stats {
	u64 extents, bytes, stored;
};

struct stats {
	u64 types[EROFS_FT_MAX];
	u64 inodes, extra_links, empty, fingerprinted;
	u64 compressed, uncompressed;
	u64 bytes, ondisk, zbytes, zondisk;
	u64 orig_hist[SIZE_BUCKETS], disk_hist[SIZE_BUCKETS];
	struct dump_nidset linked;	/* files with nlink > 1 already seen */
	struct kind_stats kinds[X_KINDS];
	u64 packed_ondisk;		/* counted in ondisk and zondisk */
};

static unsigned int extent_kind(const struct erofs_map *m)
{
	if (m->flags & EROFS_MAP_FRAGMENT)
		return X_FRAGMENT;
	if (m->algorithm < Z_EROFS_COMPRESSION_MAX)
		return m->algorithm;
	return m->flags & EROFS_MAP_META ? X_INLINE_PLAIN : X_PLAIN;
}

/* a compressed file's extents, counted by kind: the index walk only */
static int count_extents(struct dump_image *d, struct stats *st,
			 const struct erofs_inode *vi)
{
	struct erofs_map m = { 0 };

	while (m.la < vi->size) {
		int err = erofs_map_blocks(&d->img, vi, &m, 0);
		struct kind_stats *k;

		if (!err && !m.llen)
			err = -EFSCORRUPTED;
		if (err)
			return err;
		if (m.flags & EROFS_MAP_MAPPED) {
			k = &st->kinds[extent_kind(&m)];
			k->extents++;
			k->bytes += m.llen;
			k->stored += m.plen;
		}
		m.la += m.llen;
	}
	return 0;
}

static unsigned int bucket(u64 size)
{
	unsigned int b = 0;

	for (size >>= 10; size && b < SIZE_BUCKETS - 1; size >>= 1)
		b++;
	return b;
}

static int count_file(struct dump_image *d, struct stats *st,
		      const struct erofs_inode *vi)
{
	u64 ondisk = dump_ondisk_size(d, vi);
	u8 digest[32];
	int err;

	st->bytes += vi->size;
	st->ondisk += ondisk;
	st->empty += !vi->size;
	st->orig_hist[bucket(vi->size)]++;
	st->disk_hist[bucket(ondisk)]++;
	if (erofs_inode_is_compressed(vi)) {
		st->compressed++;
		st->zbytes += vi->size;
		st->zondisk += ondisk;
		err = count_extents(d, st, vi);
		if (err)
			return dump_check(d, err, "cannot map a compressed file");
	} else {
		st->uncompressed++;
	}
	err = erofs_inode_fingerprint(&d->img, vi, digest);
	if (!err)
		st->fingerprinted++;
	if (err == -ENOTUNIQ || err == -EBADMSG)
		return dump_fail(d, EFSCORRUPTED, "fingerprint untrustworthy: "
				 "%s @ nid %llu", dump_fp_untrusted(err),
				 (unsigned long long)vi->nid);
	return err == -ENODATA ? 0 : err;
}

static int stats_fn(struct dump_image *d, const struct dump_entry *e,
		    void *arg)
{
	struct stats *st = arg;
	const struct erofs_inode *vi = e->vi;

	if (!S_ISDIR(vi->mode) && vi->nlink > 1) {
		int fresh = dump_nidset_add(&st->linked, vi->nid);

		if (fresh < 0)
			return fresh;
		if (!fresh) {
			st->extra_links++;
			return 0;
		}
	}
	st->inodes++;
	st->types[erofs_mode_to_ftype(vi->mode)]++;
	if (!S_ISREG(vi->mode))
		return 0;
	return dump_check(d, count_file(d, st, vi), "cannot read a fingerprint");
}

static void line(FILE *out, const char *what, u64 v)
{
	fprintf(out, "%-40s%" PRIu64 "\n", what, v);
}

static void histogram(FILE *out, const char *title, const u64 *hist,
		      u64 files)
{
	fprintf(out, "\n%s file size distribution:\n", title);
	fprintf(out, "%-18s %10s %8s  %s\n", ">=(KiB) .. <(KiB)", "count",
		"ratio", "distribution");
	for (unsigned int i = 0; i < SIZE_BUCKETS; i++) {
		u64 lo = i ? 1ULL << (i - 1) : 0, hi = 1ULL << i;
		double pct = files ? 100.0 * hist[i] / files : 0;
		char range[32], bar[51];
		unsigned int n = pct / 2;

		if (i == SIZE_BUCKETS - 1)
			snprintf(range, sizeof(range), "%7" PRIu64 " ..", lo);
		else
			snprintf(range, sizeof(range), "%7" PRIu64 " .. %-7"
				 PRIu64, lo, hi);
		memset(bar, '#', n);
		bar[n] = '\0';
		fprintf(out, "%-18s %10" PRIu64 " %7.2f%%  %s\n", range, hist[i],
			pct, bar);
	}
}

/* how much compression saves, and which algorithms do the work */
static void print_kinds(FILE *out, const struct stats *st)
{
	if (st->zondisk)
		fprintf(out, "%-40s%.2f (uncompressed / stored bytes of compressed files)\n",
			"Filesystem compression ratio:",
			(double)st->zbytes / st->zondisk);
	for (unsigned int i = 0; i < X_KINDS; i++) {
		const struct kind_stats *k = &st->kinds[i];
		char what[64];

		if (!k->extents)
			continue;
		snprintf(what, sizeof(what), "Filesystem %s extents:",
			 kind_names[i]);
		if (i == X_FRAGMENT)
			fprintf(out, "%-40s%" PRIu64 " (%" PRIu64
				" Bytes in the packed inode, which takes %"
				PRIu64 ")\n", what, k->extents, k->bytes,
				st->packed_ondisk);
		else
			fprintf(out, "%-40s%" PRIu64 " (%" PRIu64
				" Bytes stored in %" PRIu64 ")\n", what,
				k->extents, k->bytes, k->stored);
	}
}

static void print_stats(FILE *out, const struct stats *st)
{
	line(out, "Filesystem total file count:", st->inodes);
	line(out, "Filesystem regular file count:", st->types[EROFS_FT_REG_FILE]);
	line(out, "Filesystem directory count:", st->types[EROFS_FT_DIR]);
	line(out, "Filesystem symlink count:", st->types[EROFS_FT_SYMLINK]);
	line(out, "Filesystem character device count:",
	     st->types[EROFS_FT_CHRDEV]);
	line(out, "Filesystem block device count:", st->types[EROFS_FT_BLKDEV]);
	line(out, "Filesystem fifo count:", st->types[EROFS_FT_FIFO]);
	line(out, "Filesystem socket count:", st->types[EROFS_FT_SOCK]);
	line(out, "Filesystem extra hard links:", st->extra_links);
	line(out, "Filesystem empty files:", st->empty);
	line(out, "Filesystem fingerprinted files:", st->fingerprinted);
	line(out, "Filesystem compressed files:", st->compressed);
	line(out, "Filesystem uncompressed files:", st->uncompressed);
	fprintf(out, "%-40s%" PRIu64 " Bytes\n",
		"Filesystem total original file size:", st->bytes);
	fprintf(out, "%-40s%" PRIu64 " Bytes\n", "Filesystem total file size:",
		st->ondisk);
	if (st->compressed)
		fprintf(out, "%-40s%.2f%% (%" PRIu64 " of %" PRIu64
			" Bytes in compressed files)\n",
			"Filesystem compress rate:",
			st->zbytes ? 100.0 * st->zondisk / st->zbytes : 0,
			st->zondisk, st->zbytes);
	if (st->compressed)
		print_kinds(out, st);
	histogram(out, "Original", st->orig_hist, st->types[EROFS_FT_REG_FILE]);
	if (st->compressed)
		histogram(out, "On-disk", st->disk_hist,
			  st->types[EROFS_FT_REG_FILE]);
}

int dump_show_stats(struct dump_image *d, FILE *out)
{
	struct stats st;
	int err;

	memset(&st, 0, sizeof(st));
	err = dump_walk(d, d->img.sbi.root_nid, stats_fn, &st);
	dump_nidset_release(&st.linked);
	if (err)
		return dump_check(d, err, "cannot walk the tree");
	/*
	 * Fragments are stored once, in the packed inode: its blocks are the
	 * compressed files' too, or the ratio would count them as free.
	 */
	if (d->img.packed) {
		u64 packed = dump_ondisk_size(d, d->img.packed);

		st.ondisk += packed;
		st.zondisk += packed;
		st.packed_ondisk = packed;
	}
	print_stats(out, &st);
	return 0;
}
