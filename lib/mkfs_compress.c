// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Compressed files for the image writer.
 *
 * Before the layout, worker threads read each file that may shrink once,
 * hash it for its fingerprint, cut it into extents with a fixed-output
 * compressor (each extent fills one pcluster), and append the pclusters to
 * the worker's spill file.  A file that does not shrink is kept as plain
 * data.  The layout then knows every size exactly, and the writer copies
 * each file's blocks from the spill to their place in the image.
 *
 * Nothing here depends on which worker compressed a file or when, so the
 * image is the same whatever --workers says.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/fingerprint.h"
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "liberofs_zmkfs.h"

/* input a worker keeps of one file; extents never exceed it */
#define Z_WINDOW	(4U << 20)
/* spill writes are batched */
#define Z_STAGE		(1U << 20)
/* the lz4 window the superblock announces when there are no cfgs */
#define Z_LZ4_MAX_DISTANCE	65535
/*
 * ztailpacking data must not cross a block boundary, and an inode may
 * only move in 32-byte steps: data this much shorter than a block always
 * finds a place.
 */
#define Z_INLINE_SLACK		32

/* ---- -z parsing ----------------------------------------------------- */

static bool z_parse_size(const char *s, const char *end, u32 *out)
{
	unsigned long long v;
	char *p;

	errno = 0;
	v = strtoull(s, &p, 0);
	if (errno || p == s)
		return false;
	if (p < end && (*p == 'k' || *p == 'K'))
		v <<= 10, p++;
	else if (p < end && (*p == 'm' || *p == 'M'))
		v <<= 20, p++;
	if (p != end || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

static bool z_parse_level(const char *s, const char *end, int *out)
{
	long v;
	char *p;

	errno = 0;
	v = strtol(s, &p, 10);
	if (errno || p == s || p != end || v < -1000 || v > 1000)
		return false;
	*out = (int)v;
	return true;
}

static int z_check_level(const struct z_erofs_compressor_ops *ops, int level,
			 bool given)
{
	if (!given)
		return 0;
	if (!ops->has_level)
		return erofs_err_ret(-EINVAL,
			"compression level %d is not supported by %s", level,
			ops->name);
	if ((level >= ops->min_level && level <= ops->max_level) ||
	    (ops->xmax_level && level >= ops->xmin_level &&
	     level <= ops->xmax_level))
		return 0;
	if (ops->xmax_level)
		return erofs_err_ret(-EINVAL,
			"invalid %s level %d (%d-%d, or %d-%d for extreme)",
			ops->name, level, ops->min_level, ops->max_level,
			ops->xmin_level, ops->xmax_level);
	return erofs_err_ret(-EINVAL, "invalid %s level %d (%d-%d)", ops->name,
			     level, ops->min_level, ops->max_level);
}

/* one "NAME[,LEVEL|,level=N][,dictsize=N]" of -z */
static int z_parse_one(const char *s, const char *end, unsigned int pcs,
		       struct z_erofs_alg_cfg *cfg)
{
	const char *comma = memchr(s, ',', end - s), *opt;
	char name[16];
	bool level_given = false, dict_given = false;
	const char *why;

	if (!comma)
		comma = end;
	if (comma - s <= 0 || comma - s >= (long)sizeof(name))
		return erofs_err_ret(-EINVAL, "invalid compressor '%.*s'",
				     (int)(end - s), s);
	memcpy(name, s, comma - s);
	name[comma - s] = '\0';
	cfg->ops = z_erofs_compressor_find(name);
	if (!cfg->ops)
		return erofs_err_ret(-EINVAL,
			"unknown compressor '%s' (lz4, lz4hc, lzma, zstd)", name);
	cfg->level = cfg->ops->default_level;
	cfg->dict_size = 0;
	for (opt = comma; opt < end; ) {
		const char *o = opt + 1, *oend = memchr(o, ',', end - o);
		bool ok;

		if (!oend)
			oend = end;
		if (!strncmp(o, "level=", 6)) {
			ok = z_parse_level(o + 6, oend, &cfg->level);
			level_given = true;
		} else if (!strncmp(o, "dictsize=", 9)) {
			ok = z_parse_size(o + 9, oend, &cfg->dict_size);
			dict_given = true;
		} else if (o == comma + 1 && *o >= '0' && *o <= '9') {
			ok = z_parse_level(o, oend, &cfg->level);
			level_given = true;	/* the old -zlz4hc,9 form */
		} else {
			ok = false;
		}
		if (!ok)
			return erofs_err_ret(-EINVAL,
				"invalid option '%.*s' for compressor %s",
				(int)(oend - o), o, name);
		opt = oend;
	}
	if (z_check_level(cfg->ops, cfg->level, level_given))
		return -EINVAL;
	if (dict_given && !cfg->ops->check_dict)
		return erofs_err_ret(-EINVAL, "%s takes no dictionary size", name);
	if (!dict_given)
		cfg->dict_size = cfg->ops->default_dict ?
				 cfg->ops->default_dict(pcs) : 0;
	why = cfg->ops->check_dict ? cfg->ops->check_dict(cfg->dict_size) : NULL;
	if (why)
		return erofs_err_ret(-EINVAL, "%s: %u", why, cfg->dict_size);
	return 0;
}

int z_parse_algs(const char *spec, unsigned int pclustersize,
		 struct z_erofs_alg_cfg *algs, unsigned int *nalgs)
{
	const char *s = spec;

	*nalgs = 0;
	while (1) {
		const char *end = strchr(s, ':');
		int err;

		if (!end)
			end = s + strlen(s);
		if (*nalgs >= Z_MAX_ALGS)
			return erofs_err_ret(-EINVAL, "too many compressors in '%s'",
					     spec);
		err = z_parse_one(s, end, pclustersize, &algs[*nalgs]);
		if (err)
			return err;
		++*nalgs;
		if (!*end)
			return 0;
		s = end + 1;
	}
}

static int z_check_pclustersize(const struct erofs_mkfs_cfg *cfg,
				unsigned int *pcs)
{
	unsigned int blksz = 1U << cfg->blkszbits;

	*pcs = cfg->pclustersize ? cfg->pclustersize : blksz;
	if (*pcs % blksz || *pcs > Z_EROFS_PCLUSTER_MAX_SIZE)
		return erofs_err_ret(-EINVAL,
			"invalid physical cluster size %u: a multiple of the "
			"block size (%u), at most %u", *pcs, blksz,
			Z_EROFS_PCLUSTER_MAX_SIZE);
	return 0;
}

int mkfs_z_validate(const struct erofs_mkfs_cfg *cfg)
{
	struct z_erofs_alg_cfg algs[Z_MAX_ALGS];
	unsigned int pcs, n;

	if (!cfg->compress)
		return 0;
	if (z_check_pclustersize(cfg, &pcs))
		return -EINVAL;
	return z_parse_algs(cfg->compress, pcs, algs, &n);
}

/* ---- build state ----------------------------------------------------- */

static u32 z_cfgs_record_size(u8 alg)
{
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4:
		return 2 + sizeof(struct z_erofs_lz4_cfgs);
	case Z_EROFS_COMPRESSION_LZMA:
		return 2 + sizeof(struct z_erofs_lzma_cfgs);
	case Z_EROFS_COMPRESSION_DEFLATE:
		return 2 + sizeof(struct z_erofs_deflate_cfgs);
	default:
		return 2 + sizeof(struct z_erofs_zstd_cfgs);
	}
}

int mkfs_z_init(struct mkfs_ctx *ctx)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	struct mkfs_zctx *zc;
	int err;

	if (!cfg->compress)
		return 0;
	zc = calloc(1, sizeof(*zc));
	if (!zc)
		return -ENOMEM;
	ctx->z = zc;
	err = z_check_pclustersize(cfg, &zc->pclustersize);
	if (!err)
		err = z_parse_algs(cfg->compress, zc->pclustersize, zc->algs,
				   &zc->nalgs);
	if (err)
		return err;
	for (unsigned int i = 0; i < zc->nalgs; i++)
		zc->available_algs |= 1U << zc->algs[i].ops->alg;
	zc->big_pcluster = zc->pclustersize > erofs_blksiz(&ctx->sbi);
	/* the same bit means both; the kernel then reads every record */
	zc->compr_cfgs = zc->big_pcluster ||
			 (zc->available_algs & ~(1U << Z_EROFS_COMPRESSION_LZ4));
	zc->compact = !cfg->full_indexes;
	if (zc->compr_cfgs)
		for (unsigned int a = 0; a < Z_EROFS_COMPRESSION_MAX; a++)
			if (zc->available_algs & (1U << a))
				zc->cfgs_size += z_cfgs_record_size(a);
	return 0;
}

void mkfs_z_set_features(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;

	if (!zc)
		return;
	ctx->sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_LZ4_0PADDING;
	if (zc->compr_cfgs)
		ctx->sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_COMPR_CFGS;
	for (u64 i = 0; i < ctx->ninodes; i++) {
		const struct mkfs_zinode *z = ctx->inodes[i]->z;

		if (z && !z->raw && z->idata_size)
			ctx->sbi.feature_incompat |=
				EROFS_FEATURE_INCOMPAT_ZTAILPACKING;
	}
}

u32 mkfs_z_head_size(const struct mkfs_ctx *ctx)
{
	return ctx->z ? round_up(ctx->z->cfgs_size, 4U) : 0;
}

/* the largest dictionary the files of one on-disk algorithm use */
static u32 z_max_dict(const struct mkfs_zctx *zc, u8 alg)
{
	u32 d = 0;

	for (unsigned int i = 0; i < zc->nalgs; i++)
		if (zc->algs[i].ops->alg == alg && zc->algs[i].dict_size > d)
			d = zc->algs[i].dict_size;
	return d;
}

static u32 z_fill_record(const struct mkfs_zctx *zc, u8 alg, u8 *out,
			 unsigned int blkszbits)
{
	u32 len = z_cfgs_record_size(alg) - 2;
	__le16 hdr = cpu_to_le16(len);
	u8 rec[16] = { 0 };

	if (alg == Z_EROFS_COMPRESSION_LZ4) {
		struct z_erofs_lz4_cfgs c = {
			.max_distance = cpu_to_le16(Z_LZ4_MAX_DISTANCE),
			.max_pclusterblks =
				cpu_to_le16(zc->pclustersize >> blkszbits),
		};
		memcpy(rec, &c, sizeof(c));
	} else if (alg == Z_EROFS_COMPRESSION_LZMA) {
		struct z_erofs_lzma_cfgs c = {
			.dict_size = cpu_to_le32(z_max_dict(zc, alg)),
		};
		memcpy(rec, &c, sizeof(c));
	} else if (alg == Z_EROFS_COMPRESSION_ZSTD) {
		struct z_erofs_zstd_cfgs c = {
			.windowlog = 31 - __builtin_clz(z_max_dict(zc, alg)) - 10,
		};
		memcpy(rec, &c, sizeof(c));
	}
	memcpy(out, &hdr, 2);
	memcpy(out + 2, rec, len);
	return 2 + len;
}

void mkfs_z_fill_head(const struct mkfs_ctx *ctx, struct erofs_super_block *sb,
		      u8 *records)
{
	const struct mkfs_zctx *zc = ctx->z;

	if (!zc)
		return;
	if (!zc->compr_cfgs) {
		sb->available_compr_algs = cpu_to_le16(Z_LZ4_MAX_DISTANCE);
		return;
	}
	sb->available_compr_algs = cpu_to_le16(zc->available_algs);
	for (unsigned int a = 0; a < Z_EROFS_COMPRESSION_MAX; a++)
		if (zc->available_algs & (1U << a))
			records += z_fill_record(zc, a, records,
						 ctx->sbi.blkszbits);
}

static void z_inode_free(struct mkfs_zinode *z)
{
	if (!z)
		return;
	free(z->ext);
	free(z);
}

void mkfs_z_release(struct mkfs_ctx *ctx)
{
	struct mkfs_zctx *zc = ctx->z;

	for (u64 i = 0; i < ctx->ninodes; i++) {
		z_inode_free(ctx->inodes[i]->z);
		ctx->inodes[i]->z = NULL;
	}
	if (!zc)
		return;
	for (unsigned int i = 0; i < zc->nspill; i++)
		if (zc->spill_fds[i] >= 0)
			close(zc->spill_fds[i]);
	free(zc->spill_fds);
	free(zc);
	ctx->z = NULL;
}

/* ---- spill files ------------------------------------------------------ */

struct z_spill {
	int fd;
	u64 pos;		/* where the next byte goes */
	u64 stage_off;		/* spill offset of stage[0] */
	u32 stage_len;
	u8 *stage;
};

static int z_open_spill(const struct erofs_mkfs_cfg *cfg)
{
	const char *dir = cfg->tmpdir;
	char *path;
	int fd;

	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* no O_TMPFILE there: a named file, unlinked at once */
	if (asprintf(&path, "%s/mkfs.erofs.XXXXXX", dir) < 0)
		return -ENOMEM;
	fd = mkstemp(path);
	if (fd < 0) {
		fd = erofs_err_ret(-errno, "cannot create a spill file in '%s': %s",
				   dir, strerror(errno));
	} else {
		unlink(path);
	}
	free(path);
	return fd;
}

static int z_pwrite_all(int fd, const u8 *p, size_t len, u64 pos,
			const char *what)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return erofs_err_ret(n < 0 ? -errno : -EIO,
					     "cannot write %s: %s", what,
					     n < 0 ? strerror(errno) : "short write");
		p += n;
		pos += n;
		len -= n;
	}
	return 0;
}

static int z_pread_all(int fd, u8 *p, size_t len, u64 pos, const char *what)
{
	while (len) {
		ssize_t n = pread(fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return erofs_err_ret(-errno, "cannot read %s: %s", what,
					     strerror(errno));
		if (!n)
			return erofs_err_ret(-EIO, "cannot read %s: %s", what,
					     "unexpected end of file");
		p += n;
		pos += n;
		len -= n;
	}
	return 0;
}

static int z_spill_flush(struct z_spill *sp)
{
	int err;

	if (!sp->stage_len)
		return 0;
	err = z_pwrite_all(sp->fd, sp->stage, sp->stage_len, sp->stage_off,
			   "a spill file");
	sp->stage_off += sp->stage_len;
	sp->stage_len = 0;
	return err;
}

/* append @len bytes, or zeroes when @buf is NULL */
static int z_spill_write(struct z_spill *sp, const void *buf, u32 len)
{
	while (len) {
		u32 n = Z_STAGE - sp->stage_len;
		int err;

		if (!n) {
			err = z_spill_flush(sp);
			if (err)
				return err;
			continue;
		}
		if (n > len)
			n = len;
		if (buf) {
			memcpy(sp->stage + sp->stage_len, buf, n);
			buf = (const u8 *)buf + n;
		} else {
			memset(sp->stage + sp->stage_len, 0, n);
		}
		sp->stage_len += n;
		sp->pos += n;
		len -= n;
	}
	return 0;
}

/* forget everything from @pos on: it will be written again */
static void z_spill_rewind(struct z_spill *sp, u64 pos)
{
	if (pos >= sp->stage_off) {
		sp->stage_len = pos - sp->stage_off;
	} else {
		sp->stage_off = pos;
		sp->stage_len = 0;
	}
	sp->pos = pos;
}

/* ---- compressing one file --------------------------------------------- */

struct z_worker {
	struct mkfs_ctx *ctx;
	unsigned int id;
	struct z_erofs_compressor comp;
	struct erofs_sha256 sha;
	u8 *win;		/* Z_WINDOW bytes of input */
	u8 *out;		/* one pcluster */
	struct z_spill sp;

	/* shared by all workers */
	pthread_mutex_t *lock;
	struct mkfs_inode **todo;
	u64 ntodo, *next;
	int *error;
};

struct z_file {
	struct z_worker *w;
	const struct mkfs_inode *in;
	struct mkfs_zinode *z;
	int fd;
	u64 done;		/* bytes read so far */
	u32 head, tail;		/* unconsumed input is win[head, tail) */
	u32 hint;		/* input the last extent took */
	bool hash;
};

static int z_add_extent(struct mkfs_zinode *z, u32 length, u16 pblks,
			u8 flags)
{
	if (z->nextents == z->ext_cap) {
		u32 cap = z->ext_cap ? z->ext_cap * 2 : 16;
		void *p = realloc(z->ext, cap * sizeof(*z->ext));

		if (!p)
			return -ENOMEM;
		z->ext = p;
		z->ext_cap = cap;
	}
	z->ext[z->nextents++] = (struct z_extent){ length, pblks, flags };
	z->pblocks += pblks;
	return 0;
}

/* keep at least half a window of input ahead, as long as the file lasts */
static int z_refill(struct z_file *f)
{
	u8 *win = f->w->win;
	u32 n;
	int err;

	if (f->tail - f->head >= Z_WINDOW / 2 || f->done == f->in->size)
		return 0;
	memmove(win, win + f->head, f->tail - f->head);
	f->tail -= f->head;
	f->head = 0;
	n = Z_WINDOW - f->tail;
	if (n > f->in->size - f->done)
		n = f->in->size - f->done;
	err = z_pread_all(f->fd, win + f->tail, n, f->done, f->in->path);
	if (err == -EIO)
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    f->in->path);
	if (!err && f->hash)
		err = erofs_sha256_update(&f->w->sha, win + f->tail, n);
	f->tail += n;
	f->done += n;
	return err;
}

/* one block holding @len bytes as they are */
static int z_emit_raw(struct z_file *f, u32 len)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	int err = z_spill_write(&f->w->sp, f->w->win + f->head, len);

	if (!err)
		err = z_spill_write(&f->w->sp, NULL, blksz - len);
	if (!err)
		err = z_add_extent(f->z, len, 1, Z_EXT_RAW);
	f->head += len;
	return err;
}

/*
 * The input a pcluster did not shrink goes out as raw blocks, as many as
 * it took (up to a pcluster), so that the next try starts past it.
 */
static int z_emit_raws(struct z_file *f, u32 avail, u32 took)
{
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	unsigned int pcs = f->w->ctx->z->pclustersize;
	u32 n = (took < pcs ? took : pcs) / blksz;
	int err = 0;

	if (avail < blksz)
		return z_emit_raw(f, avail);
	for (u32 i = 0; i < (n ? n : 1) && !err; i++)
		err = z_emit_raw(f, blksz);
	return err;
}

/*
 * Fill one pcluster from the input.  Compressors may look at all the input
 * they are offered (lz4hc does, on data that does not compress), so offer
 * a few times what the last pcluster took, and more only when all of it
 * fitted.
 */
static int z_fill_pcluster(struct z_file *f, u32 avail, u32 *len)
{
	struct z_worker *w = f->w;
	unsigned int pcs = w->ctx->z->pclustersize;
	unsigned int k = w->comp.ops->offer_factor;
	u32 limit = k * (f->hint > pcs ? f->hint : pcs);
	int n;

	while (1) {
		u32 offer = avail < limit ? avail : limit;

		*len = offer;
		n = w->comp.ops->compress_destsize(&w->comp, w->win + f->head,
						   len, w->out, pcs);
		if (n <= 0 || *len < offer || offer == avail)
			break;
		limit = offer > UINT32_MAX / 4 ? UINT32_MAX : offer * 4;
	}
	if (n < 0)
		return erofs_err_ret(n, "cannot compress '%s': %s", f->in->path,
				     erofs_strerror(n));
	f->hint = *len;
	return n;
}

/* ztailpacking: @len bytes of input as @size bytes after the indexes */
static int z_emit_inline(struct z_file *f, const u8 *data, u32 len,
			 u32 size, u8 flags)
{
	int err = z_spill_write(&f->w->sp, data, size);

	if (!err)
		err = z_add_extent(f->z, len, 0, flags | Z_EXT_INLINE);
	f->z->idata_size = size;
	f->head += len;
	return err;
}

/*
 * One extent: as much input as compresses into a pcluster, or one raw
 * block when that gains nothing.  Compressed data ends the pcluster,
 * zeroes before it (LZ4_0PADDING: readers skip leading zeroes).
 */
static int z_emit(struct z_file *f)
{
	struct z_worker *w = f->w;
	unsigned int blksz = erofs_blksiz(&w->ctx->sbi);
	u32 avail = f->tail - f->head, len, plen;
	bool final = f->done == f->in->size;
	/* -E ztailpacking: a last extent that fits goes after the indexes */
	bool tail = final && w->ctx->cfg->ztailpacking;
	u32 room = blksz - Z_INLINE_SLACK;
	int n, err;

	if (final && avail <= blksz && !tail)
		return z_emit_raw(f, avail);
	n = z_fill_pcluster(f, avail, &len);
	if (n < 0)
		return n;
	if (tail && n > 0 && len == avail && (u32)n < avail && (u32)n <= room)
		return z_emit_inline(f, w->out, avail, n, 0);
	plen = round_up((u32)n, blksz);
	if (n && plen < len) {
		err = z_spill_write(&w->sp, NULL, plen - n);
		if (!err)
			err = z_spill_write(&w->sp, w->out, n);
		if (!err)
			err = z_add_extent(f->z, len, plen / blksz, 0);
		f->head += len;
		return err;
	}
	if (tail && avail <= room)
		return z_emit_inline(f, w->win + f->head, avail, avail,
				     Z_EXT_RAW);
	if (final && avail <= blksz)
		return z_emit_raw(f, avail);
	return z_emit_raws(f, avail, len);
}

static bool z_all_raw(const struct mkfs_zinode *z)
{
	for (u32 i = 0; i < z->nextents; i++)
		if (!(z->ext[i].flags & Z_EXT_RAW))
			return false;
	return true;
}

/*
 * Keep the file compressed only if that saves space, as erofs-utils
 * decides: blocks + full-index metadata < size.  A file that fitted the
 * window is still in memory and goes back to the spill as plain data; a
 * larger one falls back only if every extent is raw, since its spill
 * blocks are then its plain data already.
 */
static int z_decide(struct z_file *f, u64 start)
{
	struct mkfs_zinode *z = f->z;
	unsigned int blksz = erofs_blksiz(&f->w->ctx->sbi);
	u64 size = f->in->size, meta = 16 + 8 * DIV_ROUND_UP(size, blksz);
	u64 blocks = DIV_ROUND_UP(size, blksz);
	int err;

	if (z->pblocks * blksz + z->idata_size + meta < size)
		return 0;
	if (size <= Z_WINDOW) {
		z_spill_rewind(&f->w->sp, start);
		err = z_spill_write(&f->w->sp, f->w->win, size);
		if (!err)
			err = z_spill_write(&f->w->sp, NULL,
					    blocks * blksz - size);
		if (err)
			return err;
	} else if (!z_all_raw(z)) {
		return 0;
	}
	free(z->ext);
	z->ext = NULL;
	z->nextents = z->ext_cap = 0;
	z->pblocks = blocks;
	z->idata_size = 0;
	z->raw = true;
	return 0;
}

static int z_open_source(const struct mkfs_inode *in)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a file swapped for a fifo since the scan must not hang */
	fd = open(in->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return erofs_err_ret(-errno, "cannot open '%s': %s", in->path,
				     strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return erofs_err_ret(-EAGAIN, "'%s' changed type while being read",
				     in->path);
	}
	if ((u64)st.st_size != in->size) {
		close(fd);
		return erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				     in->path);
	}
	return fd;
}

static int z_compress_body(struct z_file *f)
{
	u8 probe;
	int err = 0;

	while (!err) {
		err = z_refill(f);
		if (err || f->head == f->tail)
			break;
		err = z_emit(f);
	}
	/* a file that grew while read would leave its image copy short */
	if (!err && pread(f->fd, &probe, 1, f->in->size) != 0)
		err = erofs_err_ret(-EAGAIN, "'%s' changed size while being read",
				    f->in->path);
	return err;
}

static int z_compress_file(struct z_worker *w, struct mkfs_inode *in)
{
	struct z_file f = {
		.w = w, .in = in,
		.hash = w->ctx->sbi.ishare_prefix_id >= 0,
	};
	u64 start = w->sp.pos;
	int err;

	f.z = calloc(1, sizeof(*f.z));
	if (!f.z)
		return -ENOMEM;
	f.z->spill_id = w->id;
	f.z->spill_off = start;
	f.z->alg = w->comp.ops->alg;
	in->z = f.z;
	f.fd = z_open_source(in);
	if (f.fd < 0)
		return f.fd;
	err = z_compress_body(&f);
	close(f.fd);
	if (!err && f.hash)
		err = erofs_sha256_final(&w->sha, f.z->digest);
	if (!err)
		err = z_decide(&f, start);
	return err;
}

/* ---- the worker pool -------------------------------------------------- */

static void z_worker_release(struct z_worker *w)
{
	z_erofs_compressor_exit(&w->comp);
	if (w->sha.ctx)
		erofs_sha256_release(&w->sha);
	free(w->win);
	free(w->out);
	free(w->sp.stage);
}

static int z_worker_init(struct z_worker *w)
{
	struct mkfs_zctx *zc = w->ctx->z;
	int err;

	w->win = malloc(Z_WINDOW);
	w->out = malloc(zc->pclustersize);
	w->sp.stage = malloc(Z_STAGE);
	w->sp.fd = zc->spill_fds[w->id];
	if (!w->win || !w->out || !w->sp.stage)
		return -ENOMEM;
	err = z_erofs_compressor_init(&w->comp, &zc->algs[0]);
	if (err)
		return erofs_err_ret(err, "cannot set up compressor %s: %s",
				     zc->algs[0].ops->name, erofs_strerror(err));
	if (w->ctx->sbi.ishare_prefix_id >= 0)
		return erofs_sha256_init(&w->sha);
	return 0;
}

static void z_set_error(struct z_worker *w, int err)
{
	pthread_mutex_lock(w->lock);
	if (!*w->error)
		*w->error = err;
	pthread_mutex_unlock(w->lock);
}

static void *z_worker_fn(void *arg)
{
	struct z_worker *w = arg;
	int err = z_worker_init(w);

	while (!err) {
		u64 i;

		pthread_mutex_lock(w->lock);
		err = *w->error;
		i = (*w->next)++;
		pthread_mutex_unlock(w->lock);
		if (err || i >= w->ntodo)
			break;
		err = z_compress_file(w, w->todo[i]);
	}
	if (!err)
		err = z_spill_flush(&w->sp);
	if (err)
		z_set_error(w, err);
	z_worker_release(w);
	return NULL;
}

/*
 * Files worth trying: those a compressed form can make smaller.  Without
 * ztailpacking that takes at least one block less.
 */
static bool z_candidate(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	if (!S_ISREG(in->mode) || !in->path)
		return false;
	return ctx->cfg->ztailpacking || in->size > erofs_blksiz(&ctx->sbi);
}

/* the big files first, so that no worker is left with one at the end */
static int z_cmp_size(const void *a, const void *b)
{
	const struct mkfs_inode *x = *(struct mkfs_inode *const *)a;
	const struct mkfs_inode *y = *(struct mkfs_inode *const *)b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->src_ino < y->src_ino ? -1 : x->src_ino > y->src_ino;
}

static int z_collect(struct mkfs_ctx *ctx, struct mkfs_inode ***todo, u64 *n)
{
	*n = 0;
	*todo = malloc((ctx->ninodes ? ctx->ninodes : 1) * sizeof(**todo));
	if (!*todo)
		return -ENOMEM;
	for (u64 i = 0; i < ctx->ninodes; i++)
		if (z_candidate(ctx, ctx->inodes[i]))
			(*todo)[(*n)++] = ctx->inodes[i];
	if (*n > 1)
		qsort(*todo, *n, sizeof(**todo), z_cmp_size);
	return 0;
}

static unsigned int z_nworkers(const struct mkfs_ctx *ctx, u64 ntodo)
{
	unsigned int nw = ctx->cfg->workers;

	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? n : 1;
	}
	if (nw > ntodo)
		nw = ntodo ? ntodo : 1;
	return nw;
}

static int z_open_spills(struct mkfs_ctx *ctx, unsigned int nw)
{
	struct mkfs_zctx *zc = ctx->z;

	zc->spill_fds = malloc(nw * sizeof(*zc->spill_fds));
	if (!zc->spill_fds)
		return -ENOMEM;
	for (; zc->nspill < nw; zc->nspill++) {
		int fd = z_open_spill(ctx->cfg);

		if (fd < 0)
			return fd;
		zc->spill_fds[zc->nspill] = fd;
	}
	return 0;
}

static int z_run_workers(struct mkfs_ctx *ctx, struct mkfs_inode **todo,
			 u64 ntodo, unsigned int nw)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct z_worker *w = calloc(nw, sizeof(*w));
	pthread_t *tids = calloc(nw, sizeof(*tids));
	bool *started = calloc(nw, sizeof(*started));
	u64 next = 0;
	int error = 0;

	if (!w || !tids || !started) {
		error = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < nw; i++)
		w[i] = (struct z_worker){
			.ctx = ctx, .id = i, .lock = &lock, .todo = todo,
			.ntodo = ntodo, .next = &next, .error = &error,
		};
	for (unsigned int i = 1; i < nw; i++)
		started[i] = !pthread_create(&tids[i], NULL, z_worker_fn, &w[i]);
	z_worker_fn(&w[0]);
	for (unsigned int i = 1; i < nw; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	/* a worker that never started leaves its files to the others */
out:
	free(w);
	free(tids);
	free(started);
	return error;
}

int mkfs_z_compress_files(struct mkfs_ctx *ctx)
{
	struct mkfs_inode **todo;
	unsigned int nw;
	u64 ntodo;
	int err;

	if (!ctx->z)
		return 0;
	err = z_collect(ctx, &todo, &ntodo);
	if (err)
		return err;
	nw = z_nworkers(ctx, ntodo);
	err = z_open_spills(ctx, nw);
	if (!err && ntodo)
		err = z_run_workers(ctx, todo, ntodo, nw);
	free(todo);
	return err;
}

/* ---- layout and writing ----------------------------------------------- */

bool mkfs_z_choose_layout(struct mkfs_ctx *ctx, struct mkfs_inode *in)
{
	if (!in->z || in->z->raw)
		return false;
	in->datalayout = z_datalayout(ctx->z, in);
	in->inline_size = 0;
	return true;
}

u64 mkfs_z_data_blocks(const struct mkfs_ctx *ctx, const struct mkfs_inode *in)
{
	return in->z->pblocks;
}

/* copy @len bytes of spill @sfd at @from to the image at @to */
static int z_copy(struct mkfs_ctx *ctx, int sfd, u64 from, u64 to, u64 len,
		  u8 *chunk, size_t chunk_size)
{
	loff_t in_off = from, out_off = to;
	int err = 0;

	while (len) {
		ssize_t n = copy_file_range(sfd, &in_off, ctx->fd, &out_off,
					    len, 0);

		if (n > 0) {
			len -= n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;	/* not supported here: copy by hand */
	}
	while (!err && len) {
		size_t n = len < chunk_size ? len : chunk_size;

		err = z_pread_all(sfd, chunk, n, in_off, "a spill file");
		if (!err)
			err = z_pwrite_all(ctx->fd, chunk, n, out_off,
					   ctx->cfg->image_name);
		in_off += n;
		out_off += n;
		len -= n;
	}
	return err;
}

static int z_write_index(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
			 int sfd, u64 idata_off)
{
	u64 pos = erofs_iloc(&ctx->sbi, in->nid) + in->inode_isize +
		  in->xattr_isize;
	u8 *buf;
	u32 len;
	int err = z_build_meta(ctx, in, &buf, &len);

	if (err)
		return err;
	if (in->z->idata_size)
		err = z_pread_all(sfd, buf + len - in->z->idata_size,
				  in->z->idata_size, idata_off, "a spill file");
	if (!err)
		err = z_pwrite_all(ctx->fd, buf, len, pos, ctx->cfg->image_name);
	free(buf);
	return err;
}

int mkfs_z_write_file(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      u8 *chunk, size_t chunk_size, u8 *tail, u8 *fp)
{
	const struct mkfs_zinode *z = in->z;
	unsigned int blksz = erofs_blksiz(&ctx->sbi);
	int sfd = ctx->z->spill_fds[z->spill_id];
	u64 blocks = z->pblocks;
	int err;

	if (z->raw && in->datalayout == EROFS_INODE_FLAT_INLINE)
		blocks = in->size / blksz;
	err = z_copy(ctx, sfd, z->spill_off, erofs_pos(&ctx->sbi, in->startblk),
		     blocks * blksz, chunk, chunk_size);
	if (!err && z->raw && in->inline_size)
		err = z_pread_all(sfd, tail, in->inline_size,
				  z->spill_off + blocks * blksz, "a spill file");
	if (!err && !z->raw)
		err = z_write_index(ctx, in, sfd,
				    z->spill_off + blocks * blksz);
	if (!err && in->fingerprint)
		erofs_fingerprint_value(z->digest, fp);
	return err;
}
