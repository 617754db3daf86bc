// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The image writer.  Everything is laid out from the scanned tree before a
 * byte of file data is read, so that each file is then read exactly once,
 * by any worker thread, straight into its final place.  Workers take runs
 * of consecutive files, whose blocks are contiguous, and write each run
 * and its inodes in a few large writes (mkfs_batch.c).  (With -z, files
 * that may shrink are read and compressed first, since their sizes are
 * needed; mkfs_compress.c places their blocks in an area of their own.)
 *
 *   block 0       superblock at 1024, then compression records (-z)
 *                 and the long xattr prefix table
 *   -z only       compressed data, in the order it was made
 *   next block    inodes, each followed by its xattrs and inline tail,
 *                 packed across blocks by mkfs_meta.c
 *                 (meta_blkaddr is 0 and nids count from the image
 *                 start, unless compressed data comes first)
 *   xattr_blkaddr shared xattrs
 *   then          data blocks, in inode order
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <linux/fs.h>
#include "erofs/progress.h"
#include "erofs/fingerprint.h"
#include "erofs/print.h"
#include "liberofs_mkfs.h"

#define DATA_CHUNK	(1U << 20)
#define ZERO_CHUNK	(64U << 10)
#define SPARSE_MIN	(1U << 20)
/* files up to this size are read whole into the batch (no holes looked for) */
#define SMALL_MAX	SPARSE_MIN
/* what a worker takes at a time: consecutive files, so contiguous blocks */
#define CLAIM_BYTES	(4U << 20)
#define CLAIM_FILES	1024

/* what one data worker reads into and hashes with */
struct mkfs_worker_buf {
	struct mkfs_batch batch;
	u8 *chunk;
	u8 *tail;		/* blksz bytes after chunk */
	u8 *meta;
	u8 *zeroes;		/* hashed for source holes */
	struct erofs_sha256 sha;
	char path[PATH_MAX];	/* the file's, see mkfs_src_path() */
};

void erofs_mkfs_cfg_init(struct erofs_mkfs_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->blkszbits = 12;
	cfg->timestamp = -1;
	cfg->timestamp_all = true;
	cfg->force_uid = -1;
	cfg->force_gid = -1;
	cfg->xattr_tolerance = 2;
}

int erofs_mkfs_cfg_validate(const struct erofs_mkfs_cfg *cfg)
{
	struct mkfs_ctx ctx = { .cfg = cfg };
	int err = mkfs_xattr_setup_prefixes(&ctx);

	erofs_sb_release(&ctx.sbi);
	return err ? err : mkfs_z_validate(cfg);
}

void erofs_sb_release(struct erofs_sb_info *sbi)
{
	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++)
		erofs_xattr_prefix_release(&sbi->xattr_prefixes[i]);
	free(sbi->xattr_prefixes);
	sbi->xattr_prefixes = NULL;
	sbi->xattr_prefix_count = 0;
}

/* bytes a directory's blocks take: dirents then names, none across blocks */
u64 mkfs_dir_size(const struct mkfs_inode *dir, unsigned int blksz)
{
	u64 blocks = 0;
	u32 used = 0;

	for (u32 i = 0; i < dir->ndents; i++) {
		u32 need = sizeof(struct erofs_dirent) + dir->dents[i].name_len;

		if (used + need > blksz) {
			blocks++;
			used = 0;
		}
		used += need;
	}
	return blocks * blksz + used;
}

/* nids go breadth-first from the root: a directory's children sit together */
static int order_inodes(struct mkfs_ctx *ctx)
{
	struct mkfs_inode **order = malloc(ctx->ninodes * sizeof(*order));
	u64 head = 0, tail = 0;

	if (!order)
		return -ENOMEM;
	order[tail++] = ctx->root;
	ctx->root->in_queue = true;
	while (head < tail) {
		struct mkfs_inode *dir = order[head++];

		for (u32 i = 0; i < dir->ndents; i++) {
			struct mkfs_inode *in = dir->dents[i].inode;

			if (!in->in_queue) {
				in->in_queue = true;
				order[tail++] = in;
			}
		}
	}
	free(ctx->inodes);
	ctx->inodes = order;
	ctx->ninodes = tail;
	return 0;
}

static bool needs_extended(const struct mkfs_ctx *ctx,
			   const struct mkfs_inode *in)
{
	if (ctx->cfg->force_extended)
		return true;
	if (in->uid > UINT16_MAX || in->gid > UINT16_MAX ||
	    in->nlink > UINT16_MAX || in->size > UINT32_MAX)
		return true;
	/* a compact inode has no mtime: it shows the build time */
	return !ctx->cfg->force_compact &&
	       (in->mtime != ctx->build_sec || in->mtime_nsec != ctx->build_nsec);
}

static void choose_layout(struct mkfs_ctx *ctx, struct mkfs_inode *in)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	u32 tail = in->size % blksz;
	u32 meta;

	in->inode_isize = needs_extended(ctx, in) ?
		sizeof(struct erofs_inode_extended) :
		sizeof(struct erofs_inode_compact);
	in->fingerprint = ctx->sbi.ishare_prefix_id >= 0 &&
			  S_ISREG(in->mode) && in->size &&
			  !mkfs_z_is_packed(ctx, in);
	in->xattr_isize = mkfs_xattr_ibody_size(ctx, in);
	meta = in->inode_isize + in->xattr_isize;
	in->datalayout = EROFS_INODE_FLAT_PLAIN;
	in->inline_size = 0;
	if (mkfs_z_choose_layout(ctx, in))
		return;
	if (!S_ISREG(in->mode) && !S_ISDIR(in->mode) && !S_ISLNK(in->mode))
		return;
	if (S_ISREG(in->mode) && ctx->cfg->noinline_data)
		return;
	if (tail && meta + tail <= blksz) {
		in->datalayout = EROFS_INODE_FLAT_INLINE;
		in->inline_size = tail;
	}
}

static u64 data_blocks(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		       unsigned int blksz)
{
	(void)ctx;
	if (in->z)
		return 0;	/* in the compressed data area already */
	if (in->datalayout == EROFS_INODE_FLAT_INLINE)
		return in->size / blksz;
	return DIV_ROUND_UP(in->size, blksz);
}

/* the superblock's block: known before anything is compressed */
static void layout_head(struct mkfs_ctx *ctx)
{
	struct erofs_sb_info *sbi = &ctx->sbi;
	u64 pos = EROFS_SUPER_OFFSET + EROFS_SB_BASE_SIZE;

	/* compression records, if any, come right after the superblock */
	pos += mkfs_z_head_size(ctx);
	sbi->xattr_prefix_start = pos / 4;
	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++)
		pos = round_up(pos + 2 + 1 + sbi->xattr_prefixes[i].infix_len,
			       4ULL);
	ctx->head_end = round_up(pos, (u64)erofs_blksiz(sbi));
}

static int layout(struct mkfs_ctx *ctx)
{
	struct erofs_sb_info *sbi = &ctx->sbi;
	unsigned int blksz = erofs_blksiz(sbi);
	u64 meta_start, blk;
	int err;

	err = mkfs_xattr_layout(ctx);
	if (err)
		return err;
	/*
	 * nids count from block 0, so the root's nid is never 0: the kernel
	 * uses the nid as st_ino, and readdir hides entries with inode 0.
	 * After compressed data they count from the first inode block, whose
	 * first slot is left empty for the same reason.
	 */
	meta_start = mkfs_z_area_end(ctx);
	sbi->meta_blkaddr = meta_start > ctx->head_end ? meta_start / blksz : 0;

	err = order_inodes(ctx);
	if (!err)
		err = mkfs_z_link_packed(ctx);
	if (err)
		return err;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];

		if (S_ISDIR(in->mode))
			in->size = mkfs_dir_size(in, blksz);
		choose_layout(ctx, in);
		if (in->xattr_isize &&
		    (in->xattr_isize - sizeof(struct erofs_xattr_ibody_header)) / 4
		    + 1 > UINT16_MAX)
			return erofs_err_ret(-E2BIG, "too many xattrs on an inode");
		in->ino = i + 1;
	}
	/* slot 0 after compressed data stays empty, see above */
	err = mkfs_meta_layout(ctx, meta_start + (sbi->meta_blkaddr ?
					EROFS_ISLOT_SIZE : 0), &ctx->meta_end);
	if (err)
		return err;
	if (ctx->root->nid > UINT16_MAX)
		return erofs_err_ret(-EFBIG, "root inode out of 16-bit nid range");
	sbi->xattr_blkaddr = ctx->nshared ? ctx->meta_end / blksz : 0;
	blk = (ctx->meta_end + round_up(ctx->shared_bytes, (u64)blksz)) / blksz;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		struct mkfs_inode *in = ctx->inodes[i];
		u64 n = data_blocks(ctx, in, blksz);

		in->startblk = n ? blk : 0;
		blk += n;
	}
	mkfs_z_share_blocks(ctx);
	if (ctx->cfg->fsalignblks)
		blk = round_up(blk, (u64)ctx->cfg->fsalignblks);
	if (blk > UINT32_MAX)
		return erofs_err_ret(-EFBIG, "image larger than 2^32 blocks");
	ctx->total_blocks = blk;
	sbi->root_nid = ctx->root->nid;
	sbi->inos = ctx->ninodes;
	sbi->blocks = blk;
	return 0;
}

static u32 inode_i_u(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	if (S_ISCHR(in->mode) || S_ISBLK(in->mode))
		return in->rdev;
	/* compressed: the block count, for st_blocks */
	if (erofs_layout_compressed(in->datalayout))
		return (u32)mkfs_z_data_blocks(ctx, in);
	if (S_ISREG(in->mode) || S_ISDIR(in->mode) || S_ISLNK(in->mode))
		return (u32)in->startblk;
	return 0;
}

/* the inode, its xattr body and inline tail, as they go on disk */
static u32 fill_meta(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		     const u8 *fingerprint, const u8 *tail, u8 *buf)
{
	u16 icount = in->xattr_isize ?
		(in->xattr_isize - sizeof(struct erofs_xattr_ibody_header)) / 4
		+ 1 : 0;

	if (in->inode_isize == sizeof(struct erofs_inode_compact)) {
		struct erofs_inode_compact dic = {
			.i_format = cpu_to_le16(erofs_i_format(
				EROFS_INODE_LAYOUT_COMPACT, in->datalayout)),
			.i_xattr_icount = cpu_to_le16(icount),
			.i_mode = cpu_to_le16(in->mode),
			.i_nlink = cpu_to_le16(in->nlink),
			.i_size = cpu_to_le32((u32)in->size),
			.i_u = cpu_to_le32(inode_i_u(ctx, in)),
			.i_ino = cpu_to_le32(in->ino),
			.i_uid = cpu_to_le16(in->uid),
			.i_gid = cpu_to_le16(in->gid),
		};
		memcpy(buf, &dic, sizeof(dic));
	} else {
		struct erofs_inode_extended die = {
			.i_format = cpu_to_le16(erofs_i_format(
				EROFS_INODE_LAYOUT_EXTENDED, in->datalayout)),
			.i_xattr_icount = cpu_to_le16(icount),
			.i_mode = cpu_to_le16(in->mode),
			.i_size = cpu_to_le64(in->size),
			.i_u = cpu_to_le32(inode_i_u(ctx, in)),
			.i_ino = cpu_to_le32(in->ino),
			.i_uid = cpu_to_le32(in->uid),
			.i_gid = cpu_to_le32(in->gid),
			.i_mtime = cpu_to_le64((u64)in->mtime),
			.i_mtime_nsec = cpu_to_le32(in->mtime_nsec),
			.i_nlink = cpu_to_le32(in->nlink),
		};
		memcpy(buf, &die, sizeof(die));
	}
	if (in->xattr_isize)
		mkfs_xattr_fill_ibody(ctx, in, fingerprint,
				      buf + in->inode_isize);
	if (in->inline_size)
		memcpy(buf + in->inode_isize + in->xattr_isize, tail,
		       in->inline_size);
	return in->inode_isize + in->xattr_isize + in->inline_size;
}

static int write_meta(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      const u8 *fingerprint, const u8 *tail, u8 *buf)
{
	u32 len = fill_meta(ctx, in, fingerprint, tail, buf);

	return mkfs_pwrite(ctx, buf, len, erofs_iloc(&ctx->sbi, in->nid));
}

/* the same, gathered with its neighbours */
static int queue_meta(struct mkfs_ctx *ctx, struct mkfs_batch *b,
		      const struct mkfs_inode *in, const u8 *fingerprint,
		      const u8 *tail)
{
	int err;
	u8 *buf = mkfs_batch_meta_buf(b, &err);

	if (!buf)
		return err;
	mkfs_batch_meta_add(b, erofs_iloc(&ctx->sbi, in->nid),
			    fill_meta(ctx, in, fingerprint, tail, buf));
	return 0;
}

/* directory blocks, now that every child has its nid */
static u8 *build_dir(const struct mkfs_inode *dir, unsigned int blksz)
{
	u8 *buf = calloc(1, round_up(dir->size, (u64)blksz));
	u32 i = 0;

	if (!buf)
		return NULL;
	for (u64 blk = 0; i < dir->ndents; blk++) {
		u8 *b = buf + blk * blksz;
		u32 n = 0, used = 0, nameoff;

		while (i + n < dir->ndents) {
			u32 need = sizeof(struct erofs_dirent) +
				   dir->dents[i + n].name_len;

			if (used + need > blksz)
				break;
			used += need;
			n++;
		}
		nameoff = n * sizeof(struct erofs_dirent);
		for (u32 k = 0; k < n; k++, i++) {
			const struct mkfs_dentry *de = &dir->dents[i];
			struct erofs_dirent d = {
				.nid = cpu_to_le64(de->inode->nid),
				.nameoff = cpu_to_le16(nameoff),
				.file_type = de->file_type,
			};

			memcpy(b + k * sizeof(d), &d, sizeof(d));
			memcpy(b + nameoff, de->name, de->name_len);
			nameoff += de->name_len;
		}
	}
	return buf;
}

/* directories, symlinks and special files: everything but file data */
static int write_small_inodes(struct mkfs_ctx *ctx)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	struct mkfs_batch b;
	int err = mkfs_batch_init(&b, ctx, false);

	for (u64 i = 0; i < ctx->ninodes && !err; i++) {
		struct mkfs_inode *in = ctx->inodes[i];
		u64 full = in->size - in->inline_size;
		u8 *data = in->data;

		if (S_ISREG(in->mode) && in->size)
			continue;
		if (S_ISDIR(in->mode)) {
			data = build_dir(in, blksz);
			if (!data)
				return -ENOMEM;
		}
		if (full)
			err = mkfs_pwrite(ctx, data, full,
					 erofs_pos(&ctx->sbi, in->startblk));
		if (!err)
			err = queue_meta(ctx, &b, in, NULL,
					 data ? data + full : NULL);
		if (data != in->data)
			free(data);
	}
	if (!err)
		err = mkfs_batch_flush(&b);
	mkfs_batch_release(&b);
	return err;
}

struct data_worker {
	struct mkfs_ctx *ctx;
	pthread_mutex_t *lock;
	u64 *next;
	int *error;
};

/* where the next data run of @fd starts and ends, within [pos, end) */
static void next_data_run(int fd, u64 pos, u64 end, u64 *data, u64 *hole)
{
	off_t d, h;

	*data = pos;
	*hole = end;
	/* only large files are worth two more syscalls to find holes in */
	if (end < SPARSE_MIN)
		return;
	d = lseek(fd, pos, SEEK_DATA);
	if (d < 0) {
		if (errno == ENXIO)
			*data = end;	/* nothing but a hole up to EOF */
		return;
	}
	*data = (u64)d < end ? (u64)d : end;
	h = lseek(fd, *data, SEEK_HOLE);
	if (h >= 0 && (u64)h < end)
		*hole = h;
}

/*
 * Copy [0, full) of a file into its data blocks.  The image was sized
 * sparse beforehand, so a hole in the source is only hashed, never read
 * or written.
 */
static int copy_blocks(struct mkfs_ctx *ctx, int fd, u64 base,
		       const struct mkfs_inode *in, u64 full,
		       struct mkfs_worker_buf *wb)
{
	u64 dst = erofs_pos(&ctx->sbi, in->startblk), pos = 0;
	int err = 0;

	while (!err && pos < full) {
		u64 data = pos, hole = full;

		/* a tar member has no holes of its own */
		if (!ctx->tar)
			next_data_run(fd, pos, full, &data, &hole);
		for (; !err && in->fingerprint && pos < data; ) {
			u64 n = data - pos < ZERO_CHUNK ? data - pos : ZERO_CHUNK;

			err = erofs_sha256_update(&wb->sha, wb->zeroes, n);
			pos += n;
			erofs_progress_add(ctx->cfg->progress, 0, n);
		}
		erofs_progress_add(ctx->cfg->progress, 0, data - pos);
		pos = data;
		/* nothing to hash: the kernel copies it */
		if (!in->fingerprint && pos < hole) {
			err = mkfs_batch_copy(&wb->batch, fd, base + pos,
					      dst + pos, hole - pos, wb->path);
			erofs_progress_add(ctx->cfg->progress, 0, hole - pos);
			pos = hole;
		}
		while (!err && pos < hole) {
			u32 n = hole - pos < DATA_CHUNK ? hole - pos : DATA_CHUNK;

			err = mkfs_pread_full(fd, wb->chunk, n, base + pos, wb->path);
			if (!err && in->fingerprint)
				err = erofs_sha256_update(&wb->sha, wb->chunk, n);
			if (!err)
				err = mkfs_pwrite(ctx, wb->chunk, n, dst + pos);
			pos += n;
			erofs_progress_add(ctx->cfg->progress, 0, n);
		}
	}
	return err;
}

/* a file compressed before the layout: its blocks are in place */
static int write_zfile(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		       struct mkfs_worker_buf *wb)
{
	u8 fp[EROFS_ISHARE_VALUE_SIZE];
	int err = mkfs_z_write_file(ctx, in, fp);

	if (!err)
		err = write_meta(ctx, in, in->fingerprint ? fp : NULL, wb->tail,
				 wb->meta);
	return err;
}

static int fingerprint(struct mkfs_worker_buf *wb, u8 *fp)
{
	u8 digest[32];
	int err = erofs_sha256_final(&wb->sha, digest);

	erofs_fingerprint_value(digest, fp);
	return err;
}

/*
 * All of a small file, and one byte more to see whether it grew, without
 * an fstat: a file that changed since the scan reads short or long.
 */
static int read_whole(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      u8 *buf, char *path)
{
	u64 got = 0;
	int fd, err = mkfs_src_path(ctx, in, path);

	if (err)
		return err;
	if (ctx->tar)
		return mkfs_pread_full(ctx->tar_fd, buf, in->size, in->src_off,
				       path);
	/* O_NONBLOCK: a file swapped for a fifo since the scan must not hang */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return erofs_err_ret(-errno, "cannot open '%s': %s", path,
				     strerror(errno));
	while (got <= in->size) {
		u64 want = in->size + 1 - got;
		ssize_t n = pread(fd, buf + got, want, got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = erofs_err_ret(-errno, "cannot read '%s': %s",
					    path, strerror(errno));
		if (n <= 0)
			break;
		got += n;
		/* a regular file reads short only at its end */
		if ((u64)n < want)
			break;
	}
	close(fd);
	if (!err && got != in->size)
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    path);
	return err;
}

/* a small file: read into the batch, hashed there, written from there */
static int write_small_file(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
			    struct mkfs_worker_buf *wb)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	u64 full = in->size - in->inline_size;
	u8 fp[EROFS_ISHARE_VALUE_SIZE], *buf;
	int err;

	buf = mkfs_batch_data_buf(&wb->batch,
				  round_up(in->size + 1, (u64)blksz), &err);
	if (!buf)
		return err ?: -EFBIG;
	err = read_whole(ctx, in, buf, wb->path);
	if (!err && in->fingerprint)
		err = erofs_sha256_update(&wb->sha, buf, in->size) ?:
		      fingerprint(wb, fp);
	/* the tail goes into the inode before padding overwrites it */
	if (!err)
		err = queue_meta(ctx, &wb->batch, in,
				 in->fingerprint ? fp : NULL, buf + full);
	if (!err)
		err = mkfs_batch_data_add(&wb->batch,
					  erofs_pos(&ctx->sbi, in->startblk),
					  full);
	return err;
}

/*
 * The buffers of a large or compressed file, allocated at the first one:
 * a worker that writes only small files (through its batch) needs none.
 */
static int big_bufs(struct mkfs_ctx *ctx, struct mkfs_worker_buf *wb)
{
	unsigned int blksz = erofs_blksiz(&ctx->sbi);

	if (wb->chunk)
		return 0;
	wb->chunk = malloc(DATA_CHUNK + blksz);
	wb->meta = malloc(MKFS_META_BUF_SIZE(blksz));
	if (ctx->sbi.ishare_prefix_id >= 0)
		wb->zeroes = calloc(1, ZERO_CHUNK);
	if (!wb->chunk || !wb->meta ||
	    (ctx->sbi.ishare_prefix_id >= 0 && !wb->zeroes)) {
		free(wb->chunk);
		free(wb->meta);
		free(wb->zeroes);
		wb->chunk = wb->meta = wb->zeroes = NULL;
		return -ENOMEM;
	}
	wb->tail = wb->chunk + DATA_CHUNK;
	return 0;
}

/* read one file once: blocks to the data area, tail inline, digest of all */
static int write_file(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      struct mkfs_worker_buf *wb)
{
	u64 full = in->size - in->inline_size, base;
	u8 fp[EROFS_ISHARE_VALUE_SIZE], probe;
	struct stat st;
	int fd, err = 0;

	if (!in->z && in->size <= SMALL_MAX)
		return write_small_file(ctx, in, wb);
	err = big_bufs(ctx, wb);
	if (err)
		return err;
	if (in->z)
		return write_zfile(ctx, in, wb);
	fd = mkfs_src_open(ctx, in, &base, wb->path);
	if (fd < 0)
		return fd;
	err = copy_blocks(ctx, fd, base, in, full, wb);
	if (!err && in->inline_size)
		err = mkfs_pread_full(fd, wb->tail, in->inline_size, base + full,
				wb->path);
	if (!err && in->inline_size && in->fingerprint)
		err = erofs_sha256_update(&wb->sha, wb->tail, in->inline_size);
	/*
	 * A file that grew while read would leave its image copy short; one
	 * that shrank reads as a hole up to EOF (SEEK_DATA gives ENXIO past
	 * the end), so only its size tells.
	 */
	if (!err && !ctx->tar &&
	    (pread(fd, &probe, 1, in->size) != 0 || fstat(fd, &st) ||
	     (u64)st.st_size != in->size))
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    wb->path);
	if (!err && in->fingerprint)
		err = fingerprint(wb, fp);
	if (!err)
		err = queue_meta(ctx, &wb->batch, in,
				 in->fingerprint ? fp : NULL, wb->tail);
	mkfs_src_close(ctx, fd);
	return err;
}

static void worker_buf_release(struct mkfs_worker_buf *wb)
{
	if (wb->sha.ctx)
		erofs_sha256_release(&wb->sha);
	free(wb->chunk);
	free(wb->meta);
	free(wb->zeroes);
	mkfs_batch_release(&wb->batch);
}

/* the large files' buffers come later, with the first (big_bufs) */
static int worker_buf_init(struct mkfs_ctx *ctx, struct mkfs_worker_buf *wb)
{
	memset(wb, 0, sizeof(*wb));
	if (mkfs_batch_init(&wb->batch, ctx, true))
		return -ENOMEM;
	if (ctx->sbi.ishare_prefix_id >= 0)
		return erofs_sha256_init(&wb->sha);
	return 0;
}

static bool is_data_file(const struct mkfs_inode *in)
{
	return S_ISREG(in->mode) && in->size;
}

/* the end of a run of files from @first: about CLAIM_BYTES of data */
static u64 claim(const struct mkfs_ctx *ctx, u64 first)
{
	u64 i = first, bytes = 0;
	u32 n = 0;

	while (i < ctx->ninodes && n < CLAIM_FILES && bytes < CLAIM_BYTES) {
		const struct mkfs_inode *in = ctx->inodes[i++];

		if (is_data_file(in)) {
			n++;
			bytes += in->size;
		}
	}
	return i;
}

static void *data_worker_fn(void *arg)
{
	struct data_worker *w = arg;
	struct mkfs_ctx *ctx = w->ctx;
	struct mkfs_worker_buf wb;
	int err = worker_buf_init(ctx, &wb);

	while (!err) {
		u64 first, end;

		pthread_mutex_lock(w->lock);
		err = *w->error;
		first = *w->next;
		end = claim(ctx, first);
		*w->next = end;
		pthread_mutex_unlock(w->lock);
		if (err || first >= ctx->ninodes)
			break;
		for (u64 i = first; !err && i < end; i++) {
			struct mkfs_inode *in = ctx->inodes[i];

			if (!is_data_file(in))
				continue;
			err = write_file(ctx, in, &wb);
			/* copy_blocks() counted an uncompressed file's blocks */
			erofs_progress_add(ctx->cfg->progress, 1,
					   in->z ? in->size : in->inline_size);
		}
		if (!err)
			err = mkfs_batch_flush(&wb.batch);
	}
	if (err) {
		pthread_mutex_lock(w->lock);
		if (!*w->error)
			*w->error = err;
		pthread_mutex_unlock(w->lock);
	}
	worker_buf_release(&wb);
	return NULL;
}

static int write_files(struct mkfs_ctx *ctx)
{
	unsigned int nw = ctx->cfg->workers;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct data_worker w;
	pthread_t *tids;
	u64 next = 0, nfiles = 0, nbytes = 0;
	int error = 0;

	for (u64 i = 0; i < ctx->ninodes; i++) {
		if (S_ISREG(ctx->inodes[i]->mode) && ctx->inodes[i]->size) {
			nfiles++;
			nbytes += ctx->inodes[i]->size;
		}
	}
	erofs_progress_phase(ctx->cfg->progress, "writing data", nfiles, nbytes);

	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? n : 1;
	}
	w = (struct data_worker){ ctx, &lock, &next, &error };
	tids = calloc(nw, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	for (unsigned int i = 1; i < nw; i++)
		if (pthread_create(&tids[i], NULL, data_worker_fn, &w))
			tids[i] = 0;
	data_worker_fn(&w);
	for (unsigned int i = 1; i < nw; i++)
		if (tids[i])
			pthread_join(tids[i], NULL);
	free(tids);
	return error;
}

static int write_head(struct mkfs_ctx *ctx)
{
	const struct erofs_sb_info *sbi = &ctx->sbi;
	unsigned int blksz = erofs_blksiz(sbi);
	u8 *head = calloc(1, ctx->head_end);
	struct erofs_super_block sb = {
		.magic = cpu_to_le32(EROFS_SUPER_MAGIC_V1),
		.feature_compat = cpu_to_le32(sbi->feature_compat),
		.blkszbits = sbi->blkszbits,
		.rootnid_2b = cpu_to_le16((u16)sbi->root_nid),
		.inos = cpu_to_le64(sbi->inos),
		.epoch = cpu_to_le64((u64)sbi->epoch),
		.fixed_nsec = cpu_to_le32(sbi->fixed_nsec),
		.blocks_lo = cpu_to_le32((u32)sbi->blocks),
		.meta_blkaddr = cpu_to_le32(sbi->meta_blkaddr),
		.xattr_blkaddr = cpu_to_le32(sbi->xattr_blkaddr),
		.feature_incompat = cpu_to_le32(sbi->feature_incompat),
		.xattr_prefix_count = sbi->xattr_prefix_count,
		.xattr_prefix_start = cpu_to_le32(sbi->xattr_prefix_start),
	};
	u64 pos = (u64)sbi->xattr_prefix_start * 4;
	u32 crc;
	int err;

	if (!head)
		return -ENOMEM;
	mkfs_z_fill_head(ctx, &sb, head + EROFS_SUPER_OFFSET +
			 EROFS_SB_BASE_SIZE);
	memcpy(sb.uuid, sbi->uuid, sizeof(sb.uuid));
	memcpy(sb.volume_name, sbi->volume_name, sizeof(sb.volume_name));
	if (sbi->ishare_prefix_id >= 0)
		sb.ishare_xattr_prefix_id = sbi->ishare_prefix_id;
	/* sb_extslots is 0: the fields past the base size are not on disk */
	memcpy(head + EROFS_SUPER_OFFSET, &sb, EROFS_SB_BASE_SIZE);
	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++) {
		const struct erofs_xattr_prefix *pf = &sbi->xattr_prefixes[i];
		__le16 len = cpu_to_le16(1 + pf->infix_len);

		memcpy(head + pos, &len, 2);
		head[pos + 2] = pf->base_index;
		memcpy(head + pos + 3, pf->infix, pf->infix_len);
		pos = round_up(pos + 3 + pf->infix_len, 4ULL);
	}
	crc = erofs_crc32c(~0U, head + EROFS_SUPER_OFFSET,
			   erofs_sb_csum_len(blksz));
	sb.checksum = cpu_to_le32(ctx->cfg->no_sbcrc ? 0 : crc);
	memcpy(head + EROFS_SUPER_OFFSET + offsetof(struct erofs_super_block,
						    checksum),
	       &sb.checksum, sizeof(sb.checksum));
	err = mkfs_pwrite(ctx, head, ctx->head_end, 0);
	free(head);
	return err;
}

static int write_shared_xattrs(struct mkfs_ctx *ctx)
{
	u8 *buf;
	int err;

	if (!ctx->shared_bytes)
		return 0;
	buf = calloc(1, ctx->shared_bytes);
	if (!buf)
		return -ENOMEM;
	mkfs_xattr_fill_shared(ctx, buf);
	err = mkfs_pwrite(ctx, buf, ctx->shared_bytes,
			 erofs_pos(&ctx->sbi, ctx->sbi.xattr_blkaddr));
	free(buf);
	return err;
}

static void set_features(struct mkfs_ctx *ctx)
{
	struct erofs_sb_info *sbi = &ctx->sbi;

	sbi->feature_compat = ctx->cfg->no_sbcrc ? 0 :
			      EROFS_FEATURE_COMPAT_SB_CHKSUM;
	if ((ctx->xattrs.count || sbi->ishare_prefix_id >= 0) &&
	    !ctx->cfg->no_xattr_filter)
		sbi->feature_compat |= EROFS_FEATURE_COMPAT_XATTR_FILTER;
	if (sbi->xattr_prefix_count) {
		sbi->feature_incompat |= EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES;
		sbi->feature_compat |= EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX;
	}
	if (sbi->ishare_prefix_id >= 0)
		sbi->feature_compat |= EROFS_FEATURE_COMPAT_ISHARE_XATTRS;
	mkfs_z_set_features(ctx);
}

static int init_sb(struct mkfs_ctx *ctx)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	struct erofs_sb_info *sbi = &ctx->sbi;
	struct timespec now;

	sbi->blkszbits = cfg->blkszbits;
	if (cfg->timestamp >= 0) {
		ctx->build_sec = cfg->timestamp;
		ctx->build_nsec = 0;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		ctx->build_sec = now.tv_sec;
		ctx->build_nsec = now.tv_nsec;
	}
	sbi->epoch = ctx->build_sec;
	sbi->fixed_nsec = ctx->build_nsec;
	if (cfg->uuid_set)
		memcpy(sbi->uuid, cfg->uuid, sizeof(sbi->uuid));
	else
		uuid_generate(sbi->uuid);
	if (cfg->label)
		strncpy(sbi->volume_name, cfg->label,
			sizeof(sbi->volume_name) - 1);
	return mkfs_xattr_setup_prefixes(ctx) ?: mkfs_z_init(ctx);
}

/*
 * The writer needs an output that reads as zeroes wherever it writes
 * nothing: holes of source files, padding between inodes, block tails.  A
 * file gets that from ftruncate(); a block device is zeroed first, and
 * refused before any write if the image does not fit.
 */
static int size_output(struct mkfs_ctx *ctx, u64 size)
{
	const char *name = ctx->cfg->image_name;
	/* compressed data is in place already: zero only what follows it */
	u64 keep = mkfs_z_area_end(ctx) > ctx->head_end ?
		   mkfs_z_area_end(ctx) : 0;
	u64 range[2] = { ctx->cfg->offset + keep, size - keep }, devsize;
	struct stat st;

	if (fstat(ctx->fd, &st))
		return erofs_err_ret(-errno, "cannot stat '%s': %s", name,
				     strerror(errno));
	if (!S_ISBLK(st.st_mode)) {
		if (ftruncate(ctx->fd, ctx->cfg->offset + size))
			return erofs_err_ret(-errno, "cannot size '%s': %s",
					     name, strerror(errno));
		return 0;
	}
	if (ioctl(ctx->fd, BLKGETSIZE64, &devsize))
		return erofs_err_ret(-errno, "cannot get the size of '%s': %s",
				     name, strerror(errno));
	if (devsize < ctx->cfg->offset + size)
		return erofs_err_ret(-ENOSPC,
			"'%s' has %llu bytes, the image needs %llu", name,
			(unsigned long long)devsize, (unsigned long long)size);
	if (ioctl(ctx->fd, BLKZEROOUT, range))
		return erofs_err_ret(-errno, "cannot zero '%s': %s", name,
				     strerror(errno));
	return 0;
}

int erofs_mkfs_build(const struct erofs_mkfs_cfg *cfg, int fd)
{
	struct mkfs_ctx ctx = { .cfg = cfg, .fd = fd };
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return erofs_err_ret(-errno, "cannot stat '%s': %s",
				     cfg->image_name, strerror(errno));
	ctx.out_dev = st.st_dev;
	ctx.out_ino = st.st_ino;
	err = init_sb(&ctx);
	erofs_progress_phase(cfg->progress, "scanning", 0, 0);
	if (!err)
		err = cfg->tar ? mkfs_tar_scan(&ctx) : mkfs_scan_tree(&ctx);
	if (!err)
		err = mkfs_overlay_whiteouts(&ctx);
	/* compressed sizes must be known before the layout */
	if (!err) {
		layout_head(&ctx);
		err = mkfs_z_compress_files(&ctx);
	}
	if (!err)
		err = layout(&ctx);
	if (err)
		goto out;
	set_features(&ctx);
	err = size_output(&ctx, erofs_pos(&ctx.sbi, ctx.total_blocks));
	if (err)
		goto out;
	erofs_progress_phase(cfg->progress, "writing metadata", 0, 0);
	err = write_shared_xattrs(&ctx);
	if (!err)
		err = write_small_inodes(&ctx);
	if (!err)
		err = write_files(&ctx);
	erofs_progress_phase(cfg->progress, "writing metadata", 0, 0);
	if (!err)
		err = write_head(&ctx);
	if (!err)
		erofs_info("%s: %llu inodes, %llu blocks of %u bytes",
			   cfg->image_name, (unsigned long long)ctx.ninodes,
			   (unsigned long long)ctx.total_blocks,
			   erofs_blksiz(&ctx.sbi));
out:
	if (err == -ENOMEM)
		erofs_err("out of memory");
	mkfs_z_release(&ctx);
	mkfs_tree_release(&ctx);
	mkfs_tar_release(&ctx);
	mkfs_xattr_release(&ctx);
	erofs_sb_release(&ctx.sbi);
	return err;
}
