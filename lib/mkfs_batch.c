// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * How file data and inodes reach the image.  Every write to the image
 * takes its inode's lock in the kernel, so two workers writing small
 * pieces queue on it; and every byte that passes through user space is
 * copied twice.  So a worker gathers the data of a run of small files
 * (consecutive in data order, so their blocks are contiguous) and writes
 * it with one pwrite, gathers their inodes and writes the adjacent ones
 * with one pwritev, and hands large files without a fingerprint to the
 * kernel (copy_file_range, else splice, else read and write).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "erofs/print.h"
#include "liberofs_mkfs.h"

#define BATCH_DATA	(4U << 20)
#define BATCH_META	(1U << 20)
#define BATCH_ENTS	4096
#define SPLICE_CHUNK	(1U << 20)

struct mkfs_meta_ent {
	u64 pos;
	u32 off, len;		/* in the meta buffer, len padded to a slot */
};

static int write_error(struct mkfs_ctx *ctx, ssize_t n)
{
	return erofs_err_ret(n < 0 ? -errno : -EIO, "cannot write '%s': %s",
			     ctx->cfg->image_name,
			     n < 0 ? strerror(errno) : "short write");
}

/*
 * The buffers start at what one inode and one small file need and grow
 * by doubling up to BATCH_META and BATCH_DATA: a small image never
 * allocates (and, under a sanitizer, never poisons) megabytes per worker.
 */
#define DATA_START	(64U << 10)
#define META_START	(16U << 10)	/* beyond one inode's room */

int mkfs_batch_init(struct mkfs_batch *b, struct mkfs_ctx *ctx, bool data)
{
	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
	b->pipe[0] = b->pipe[1] = -1;
	b->meta_cap = MKFS_META_BUF_SIZE(erofs_blksiz(&ctx->sbi)) + META_START;
	b->meta = malloc(b->meta_cap);
	b->ents = malloc(BATCH_ENTS * sizeof(*b->ents));
	if (data) {
		b->cap = DATA_START;
		b->data = malloc(b->cap);
	}
	return b->meta && b->ents && (!data || b->data) ? 0 : -ENOMEM;
}

/* @buf of *@cap bytes holds at least @need (<= @max), its first @keep kept */
static int grow(u8 **buf, u32 *cap, u64 need, u32 max, u32 keep)
{
	u64 want = *cap;
	u8 *p;

	if (need <= *cap)
		return 0;
	while (want < need)
		want *= 2;
	if (want > max)
		want = max;
	p = malloc(want);	/* not realloc: it would copy all of *cap */
	if (!p)
		return -ENOMEM;
	memcpy(p, *buf, keep);
	free(*buf);
	*buf = p;
	*cap = want;
	return 0;
}

void mkfs_batch_release(struct mkfs_batch *b)
{
	free(b->data);
	free(b->meta);
	free(b->ents);
	if (b->pipe[0] >= 0) {
		close(b->pipe[0]);
		close(b->pipe[1]);
	}
}

int mkfs_pwritev_fd(int fd, struct iovec *iov, int cnt, u64 pos)
{
	while (cnt) {
		ssize_t n = pwritev(fd, iov, cnt, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		pos += n;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (u8 *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

/* all of @iov at image position @pos, however the kernel splits it */
static int pwritev_all(struct mkfs_ctx *ctx, struct iovec *iov, int cnt,
		       u64 pos)
{
	int err = mkfs_pwritev_fd(ctx->fd, iov, cnt, pos + ctx->cfg->offset);

	if (err)
		return erofs_err_ret(err, "cannot write '%s': %s",
				     ctx->cfg->image_name, strerror(-err));
	return 0;
}

int mkfs_pwrite(struct mkfs_ctx *ctx, const void *buf, size_t len, u64 pos)
{
	struct iovec iov = { (void *)buf, len };

	return pwritev_all(ctx, &iov, 1, pos);
}

int mkfs_pread_all(int fd, void *buf, size_t len, u64 pos)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		p += n;
		pos += n;
		len -= n;
	}
	return 0;
}

int mkfs_pread_full(int fd, u8 *buf, size_t len, u64 pos, const char *path)
{
	int err = mkfs_pread_all(fd, buf, len, pos);

	if (err == -ENODATA)
		return erofs_err_ret(-EAGAIN,
				     "'%s' changed size while being read", path);
	if (err)
		return erofs_err_ret(err, "cannot read '%s': %s", path,
				     strerror(-err));
	return 0;
}

static int flush_run(struct mkfs_batch *b)
{
	u32 len = b->used - b->run_off;
	int err = 0;

	if (len)
		err = mkfs_pwrite(b->ctx, b->data + b->run_off, len, b->run_pos);
	b->run_off = b->used;
	return err;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct mkfs_meta_ent *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* inodes in image order, each run of adjacent ones in one pwritev */
static int flush_meta(struct mkfs_batch *b)
{
	struct iovec iov[64];
	int err = 0;

	qsort(b->ents, b->nents, sizeof(*b->ents), cmp_ent);
	for (u32 i = 0; !err && i < b->nents; ) {
		u64 pos = b->ents[i].pos, end = pos;
		int cnt = 0;

		while (i < b->nents && cnt < 64 && b->ents[i].pos == end) {
			iov[cnt].iov_base = b->meta + b->ents[i].off;
			iov[cnt++].iov_len = b->ents[i].len;
			end += b->ents[i++].len;
		}
		err = pwritev_all(b->ctx, iov, cnt, pos);
	}
	b->nents = 0;
	b->meta_used = 0;
	return err;
}

int mkfs_batch_flush(struct mkfs_batch *b)
{
	int err = b->data ? flush_run(b) : 0;

	b->used = b->run_off = 0;
	return err ?: flush_meta(b);
}

u8 *mkfs_batch_meta_buf(struct mkfs_batch *b, int *err)
{
	u32 room = MKFS_META_BUF_SIZE(erofs_blksiz(&b->ctx->sbi));

	*err = 0;
	if (b->meta_used > BATCH_META || b->nents == BATCH_ENTS)
		*err = flush_meta(b);
	if (!*err)
		*err = grow(&b->meta, &b->meta_cap, b->meta_used + room,
			    BATCH_META + room, b->meta_used);
	return *err ? NULL : b->meta + b->meta_used;
}

void mkfs_batch_meta_add(struct mkfs_batch *b, u64 pos, u32 len)
{
	u32 padded = round_up(len, (u32)EROFS_ISLOT_SIZE);

	/* the rest of the last slot is the inode's own: zeroes */
	memset(b->meta + b->meta_used + len, 0, padded - len);
	b->ents[b->nents++] = (struct mkfs_meta_ent){
		pos, b->meta_used, padded };
	b->meta_used += padded;
}

u8 *mkfs_batch_data_buf(struct mkfs_batch *b, u64 len, int *err)
{
	*err = 0;
	if (len > BATCH_DATA)
		return NULL;
	if (b->cap - b->used < len && b->cap < BATCH_DATA)
		*err = grow(&b->data, &b->cap, b->used + len, BATCH_DATA,
			    b->used);
	if (!*err && b->cap - b->used < len) {
		*err = flush_run(b);
		b->used = b->run_off = 0;
		if (!*err)
			*err = grow(&b->data, &b->cap, len, BATCH_DATA, 0);
	}
	return *err ? NULL : b->data + b->used;
}

int mkfs_batch_data_add(struct mkfs_batch *b, u64 pos, u64 len)
{
	unsigned int blksz = erofs_blksiz(&b->ctx->sbi);
	u64 padded = round_up(len, (u64)blksz);
	int err = 0;

	if (!len)
		return 0;
	memset(b->data + b->used + len, 0, padded - len);
	if (b->used > b->run_off &&
	    b->run_pos + (b->used - b->run_off) != pos)
		err = flush_run(b);
	if (b->used == b->run_off)
		b->run_pos = pos;
	b->used += padded;
	return err;
}

/* the kernel's copy failed in a way that says "not between these files" */
static bool copy_unsupported(int e)
{
	return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP ||
	       e == EBADF;
}

static int read_error(struct mkfs_batch *b, const char *path, ssize_t n)
{
	/* copy_file_range() and splice() fail for either side */
	if (n < 0 && (errno == ENOSPC || errno == EDQUOT || errno == EFBIG))
		return write_error(b->ctx, n);
	if (!n)
		return erofs_err_ret(-EAGAIN,
				     "'%s' changed size while being read", path);
	return erofs_err_ret(-errno, "cannot read '%s': %s", path,
			     strerror(errno));
}

static int splice_range(struct mkfs_batch *b, int fd, u64 src, u64 dst,
			u64 len, const char *path)
{
	loff_t in = src, out = dst + b->ctx->cfg->offset;

	if (b->pipe[0] < 0 && pipe2(b->pipe, O_CLOEXEC))
		return -errno;
	while (len) {
		ssize_t n = splice(fd, &in, b->pipe[1], NULL,
				   len < SPLICE_CHUNK ? len : SPLICE_CHUNK, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && copy_unsupported(errno) ? -EOPNOTSUPP :
			       read_error(b, path, n);
		len -= n;
		while (n) {
			ssize_t w = splice(b->pipe[0], NULL, b->ctx->fd, &out,
					   n, 0);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return write_error(b->ctx, w);
			n -= w;
		}
	}
	return 0;
}

static int rw_range(struct mkfs_batch *b, int fd, u64 src, u64 dst, u64 len,
		    const char *path)
{
	int err = grow(&b->data, &b->cap, len < SPLICE_CHUNK ? len :
		       SPLICE_CHUNK, BATCH_DATA, b->used);

	while (!err && len) {
		u32 n = len < SPLICE_CHUNK ? len : SPLICE_CHUNK;

		err = mkfs_pread_full(fd, b->data, n, src, path);
		if (!err)
			err = mkfs_pwrite(b->ctx, b->data, n, dst);
		src += n;
		dst += n;
		len -= n;
	}
	return err;
}

int mkfs_batch_copy(struct mkfs_batch *b, int fd, u64 src, u64 dst, u64 len,
		    const char *path)
{
	loff_t in = src, out = dst + b->ctx->cfg->offset;
	int err;

	while (len && !b->no_copy_range) {
		ssize_t n = copy_file_range(fd, &in, b->ctx->fd, &out, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && copy_unsupported(errno) && in == (loff_t)src) {
			b->no_copy_range = true;
			break;
		}
		if (n <= 0)
			return read_error(b, path, n);
		len -= n;
	}
	if (!len)
		return 0;
	src = in;
	dst = out - b->ctx->cfg->offset;
	if (b->no_splice)
		return rw_range(b, fd, src, dst, len, path);
	err = splice_range(b, fd, src, dst, len, path);
	if (err != -EOPNOTSUPP && err != -EMFILE && err != -ENFILE)
		return err;
	b->no_splice = true;
	return rw_range(b, fd, src, dst, len, path);
}
