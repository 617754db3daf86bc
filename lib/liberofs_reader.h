/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the image reader: reporting, checked arithmetic and the
 * metadata block cache.
 */
#ifndef __LIBEROFS_READER_H
#define __LIBEROFS_READER_H

#include <errno.h>
#include <stdarg.h>
#include "erofs/print.h"
#include "erofs/reader.h"

/* a + b, false on overflow: on-disk numbers go through these */
static inline bool erofs_add_ok(u64 a, u64 b, u64 *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

static inline bool erofs_mul_ok(u64 a, u64 b, u64 *prod)
{
	return !__builtin_mul_overflow(a, b, prod);
}

/*
 * Report problem @id about @nid through img->report unless @quiet; the
 * return value is what the caller hands back: -EFSCORRUPTED for image
 * problems, -EOPNOTSUPP for unsupported ones, -EIO for read failures.
 */
int erofs_reportf(struct erofs_image *img, bool quiet, enum erofs_problem_id id,
		  u64 nid, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* the same, into @note when it is not NULL (worker threads) */
int erofs_notef(struct erofs_image *img, struct erofs_problem_note *note,
		bool quiet, enum erofs_problem_id id, u64 nid,
		const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int erofs_vnotef(struct erofs_image *img, struct erofs_problem_note *note,
		 bool quiet, enum erofs_problem_id id, u64 nid,
		 const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

#define erofs_report(img, id, nid, fmt, ...) \
	erofs_reportf(img, false, id, nid, fmt, ##__VA_ARGS__)

/* metadata reads through the block cache (thread-safe) */
int erofs_meta_read(struct erofs_image *img, void *buf, size_t len, u64 pos);
int erofs_mcache_init(struct erofs_image *img);
void erofs_mcache_release(struct erofs_image *img);

/* image position of the inode slot @nid, or false when out of range */
static inline bool erofs_nid_pos(const struct erofs_image *img, u64 nid,
				 u64 *pos)
{
	u64 base = erofs_pos(&img->sbi, img->sbi.meta_blkaddr);

	if (nid > (img->size >> EROFS_ISLOTBITS))
		return false;
	return erofs_add_ok(base, nid << EROFS_ISLOTBITS, pos);
}

/* ---- compressed data (reader_zmap.c, reader_zdata.c) ---- */

/* read and check @vi's map header; called by erofs_read_inode() */
int z_erofs_read_header(struct erofs_image *img, struct erofs_inode *vi);
int z_erofs_map(struct erofs_image *img, const struct erofs_inode *vi,
		struct erofs_map *map, unsigned int flags,
		struct erofs_problem_note *note);
/* the cfgs records and the packed inode; called with the superblock */
int z_erofs_read_super(struct erofs_image *img);
int z_erofs_read_data(struct erofs_image *img, const struct erofs_inode *vi,
		      void *buf, size_t len, u64 off, bool quiet,
		      struct erofs_zreader *zr);

#endif
