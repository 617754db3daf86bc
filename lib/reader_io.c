// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The reader's access to the image: a read-only descriptor, bounded reads,
 * a small cache of metadata blocks or a mapping of the whole image, and
 * problem reports.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_LINUX_FS_H
#include <linux/fs.h>
#endif
#include "erofs/print.h"
#include "liberofs_reader.h"

/* metadata blocks kept, whatever the block size: bounded memory */
#define MCACHE_BYTES	(1U << 20)

/*
 * With img->map_data the whole image is mapped once, read-only, and file
 * data and metadata are read straight from the mapping: no system call,
 * and no copy into a cache.  The pages it touches count in the resident
 * set, so once ZAP_BYTES of the image are mapped the mapping's page table
 * entries are dropped: the pages stay in the page cache, and a later
 * touch maps them again, also in a thread still reading them.
 *
 * What is mapped is estimated as reads go: one fault maps at most what
 * one page table covers, REGION_BYTES with 4 KiB pages (a huge page cache
 * folio whole, or fault-around's neighbours), so every region a read
 * touches counts whole, once per CHECK_BYTES.  Small reads make that a
 * gross overestimate, so at each CHECK_BYTES the kernel's own count of
 * mapped file pages (/proc/self/statm) decides; without it, the estimate
 * does.  At most ZAP_BYTES + CHECK_BYTES of the image are ever mapped.
 */
#define CHECK_BYTES	(8U << 20)
#define ZAP_BYTES	(24U << 20)
#define REGION_BYTES	(2U << 20)
#define TOUCH_LOADS_MAX	(64U << 10)	/* read by loads, not madvise */
#define COUNTED_MAX	(1U << 20)	/* bitmap bytes: images up to 16 TiB */

struct erofs_mcache {
	pthread_mutex_t lock;
	unsigned int nslots;
	u64 *tags;		/* block number + 1; 0 for an empty slot */
	u8 *data;
	u8 *whole;		/* the image file mapped, or NULL */
	size_t whole_len;
	u64 handed;		/* bytes counted since the last check */
	u64 *counted;		/* a bit per region counted since then */
	u64 nwords;
	int statm_fd;		/* /proc/self/statm, or -1 */
	u64 file_bytes;		/* file pages mapped before the image */
};

static const struct {
	const char *name;
	enum erofs_severity sev;
} problems[] = {
#define EROFS_PROBLEM_ROW(id, name, sev) \
	[EROFS_PB_##id] = { #name, EROFS_SEV_##sev },
	EROFS_FOREACH_PROBLEM(EROFS_PROBLEM_ROW)
#undef EROFS_PROBLEM_ROW
};

const char *erofs_problem_name(enum erofs_problem_id id)
{
	return (unsigned int)id < EROFS_PB_MAX ? problems[id].name : NULL;
}

enum erofs_severity erofs_problem_severity(enum erofs_problem_id id)
{
	return (unsigned int)id < EROFS_PB_MAX ? problems[id].sev :
						 EROFS_SEV_FATAL;
}

static int image_size(int fd, const char *path, u64 *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return erofs_err_ret(-errno, "cannot stat '%s': %s", path,
				     strerror(errno));
	if (S_ISREG(st.st_mode)) {
		*size = st.st_size;
		return 0;
	}
#ifdef BLKGETSIZE64
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size))
			return erofs_err_ret(-errno, "cannot size '%s': %s",
					     path, strerror(errno));
		return 0;
	}
#endif
	return erofs_err_ret(-EINVAL, "'%s' is not a file or block device",
			     path);
}

/* an image of @size readable bytes, nothing read yet */
static void image_init(struct erofs_image *img, const char *name, u64 size)
{
	memset(img, 0, sizeof(*img));
	img->fd = -1;
	img->sbi.ishare_prefix_id = -1;
	img->name = name;
	img->size = size;
	img->data_end = size;
}

int erofs_image_open(struct erofs_image *img, const char *path, u64 offset)
{
	u64 size = 0;
	int fd, err;

	image_init(img, path, 0);
	/*
	 * O_NOATIME spares the image even its atime when we own it;
	 * O_NONBLOCK keeps a FIFO from blocking the open forever, and is
	 * cleared once image_size() has refused anything but a file or a
	 * block device.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return erofs_err_ret(-errno, "cannot open '%s': %s", path,
				     strerror(errno));
	err = image_size(fd, path, &size);
	if (!err && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		err = erofs_err_ret(-errno, "cannot read '%s': %s", path,
				    strerror(errno));
	if (!err && offset > size)
		err = erofs_err_ret(-EINVAL, "offset %llu is past the end of '%s'",
				    (unsigned long long)offset, path);
	if (err) {
		close(fd);
		return err;
	}
	image_init(img, path, size - offset);
	img->fd = fd;
	img->offset = offset;
	return 0;
}

void erofs_image_open_mem(struct erofs_image *img, const void *buf,
			  size_t len, const char *name)
{
	image_init(img, name, len);
	img->mem = buf;
}

void erofs_image_close(struct erofs_image *img)
{
	erofs_mcache_release(img);
	if (img->sbi.xattr_prefixes)
		erofs_sb_release(&img->sbi);
	free(img->prefix_bad);
	img->prefix_bad = NULL;
	free(img->packed);
	img->packed = NULL;
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}

bool erofs_image_range_ok(const struct erofs_image *img, u64 pos, u64 len)
{
	u64 end;

	return erofs_add_ok(pos, len, &end) && end <= img->size;
}

int erofs_image_pread(struct erofs_image *img, void *buf, size_t len, u64 pos)
{
	const void *mapped;
	u8 *p = buf;

	if (!erofs_image_range_ok(img, pos, len))
		return -EFSCORRUPTED;
	mapped = img->mem ? img->mem + pos : erofs_image_map(img, pos, len);
	if (mapped) {
		memcpy(buf, mapped, len);
		return 0;
	}
	pos += img->offset;
	while (len) {
		ssize_t n = pread(img->fd, p, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;	/* shrank under us */
		p += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/* bytes of file pages mapped now, or -1: shared pages in /proc/self/statm */
static s64 mapped_file_bytes(int fd)
{
	unsigned long long size, resident, shared;
	char buf[128];
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3)
		return -1;
	return (s64)shared * sysconf(_SC_PAGESIZE);
}

/*
 * Count the regions a read through the mapping touches, each once per
 * check; at CHECK_BYTES, drop the page table entries if ZAP_BYTES of the
 * image may be mapped.
 */
static void account(struct erofs_mcache *mc, const u8 *p, size_t len)
{
	/* regions as the page tables see them: by address, not offset */
	u64 base = (uintptr_t)mc->whole / REGION_BYTES;
	u64 first = (uintptr_t)p / REGION_BYTES - base;
	u64 last = ((uintptr_t)p + len - !!len) / REGION_BYTES - base;
	u64 n = 0;
	s64 now;

	for (u64 r = first; r <= last; r++) {
		u64 bit = 1ULL << (r % 64);

		if (!(__atomic_fetch_or(&mc->counted[r / 64], bit,
					__ATOMIC_RELAXED) & bit))
			n += REGION_BYTES;
	}
	if (!n || __atomic_add_fetch(&mc->handed, n, __ATOMIC_RELAXED) <
		  CHECK_BYTES ||
	    __atomic_exchange_n(&mc->handed, 0, __ATOMIC_RELAXED) < CHECK_BYTES)
		return;
	for (u64 i = 0; i < mc->nwords; i++)
		__atomic_store_n(&mc->counted[i], 0, __ATOMIC_RELAXED);
	now = mapped_file_bytes(mc->statm_fd);
	if (now < 0 || (u64)now >= mc->file_bytes + ZAP_BYTES)
		madvise(mc->whole, mc->whole_len, MADV_DONTNEED);
}

const void *erofs_image_map(struct erofs_image *img, u64 pos, size_t len)
{
	struct erofs_mcache *mc = img->mcache;
	const u8 *p;

	if (!mc || !mc->whole || !erofs_image_range_ok(img, pos, len))
		return NULL;
	p = mc->whole + img->offset + pos;
	account(mc, p, len);
	return p;
}

int erofs_image_touch(const void *p, size_t len)
{
	uintptr_t page = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(page - 1);
	volatile const u8 *b = p;

	if (!len)
		return 0;
	/*
	 * A few pages: a load each costs a fault at most (fault-around maps
	 * the cached neighbours too, so most small files cost none), less
	 * than a madvise() call per file.
	 */
	if (len <= TOUCH_LOADS_MAX)
		goto loads;
#ifdef MADV_POPULATE_READ
	if (!madvise((void *)start, (uintptr_t)p + len - start,
		     MADV_POPULATE_READ))
		return 0;
	if (errno != EINVAL)
		return -EIO;
#endif
	/* an older kernel: a load per page (an error is SIGBUS then) */
loads:
	for (size_t off = 0; off < len; off += page - ((uintptr_t)(b + off) & (page - 1)))
		(void)b[off];
	return 0;
}

int erofs_mcache_init(struct erofs_image *img)
{
	unsigned int blksz = erofs_blksiz(&img->sbi);
	struct erofs_mcache *mc = calloc(1, sizeof(*mc));
	u64 len = img->offset + img->size;

	if (!mc)
		return -ENOMEM;
	mc->statm_fd = -1;
	pthread_mutex_init(&mc->lock, NULL);
	img->mcache = mc;
	/* not when it is too big for the address space or the bitmap */
	if (img->map_data && !img->mem && (size_t)len == len && len / REGION_BYTES <
	    (u64)COUNTED_MAX * 8) {
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, img->fd, 0);

		mc->nwords = len / REGION_BYTES / 64 + 2;
		mc->counted = calloc(mc->nwords, sizeof(*mc->counted));
		if (p != MAP_FAILED && mc->counted) {
			s64 now;

			mc->whole = p;
			mc->whole_len = len;
			mc->statm_fd = open("/proc/self/statm",
					    O_RDONLY | O_CLOEXEC);
			now = mapped_file_bytes(mc->statm_fd);
			mc->file_bytes = now < 0 ? 0 : now;
			return 0;
		}
		if (p != MAP_FAILED)
			munmap(p, len);
		free(mc->counted);
		mc->counted = NULL;
	}
	/* an image in memory is read in place: no cache */
	if (img->mem)
		return 0;
	/* never more slots than the image has blocks: small images are common */
	mc->nslots = MCACHE_BYTES / blksz;
	if (img->size / blksz + 1 < mc->nslots)
		mc->nslots = img->size / blksz + 1;
	mc->tags = calloc(mc->nslots, sizeof(*mc->tags));
	mc->data = malloc((size_t)mc->nslots * blksz);
	if (!mc->tags || !mc->data) {
		erofs_mcache_release(img);
		return -ENOMEM;
	}
	return 0;
}

void erofs_mcache_release(struct erofs_image *img)
{
	struct erofs_mcache *mc = img->mcache;

	if (!mc)
		return;
	if (mc->whole)
		munmap(mc->whole, mc->whole_len);
	if (mc->statm_fd >= 0)
		close(mc->statm_fd);
	free(mc->counted);
	pthread_mutex_destroy(&mc->lock);
	free(mc->tags);
	free(mc->data);
	free(mc);
	img->mcache = NULL;
}

/* copy [off, off + len) of block @blk out of the cache, filling it first */
static int mcache_copy(struct erofs_image *img, u64 blk, unsigned int off,
		       void *out, unsigned int len)
{
	struct erofs_mcache *mc = img->mcache;
	unsigned int blksz = erofs_blksiz(&img->sbi);
	unsigned int slot = blk % mc->nslots;
	u8 *data = mc->data + (size_t)slot * blksz;
	int err = 0;

	pthread_mutex_lock(&mc->lock);
	if (mc->tags[slot] != blk + 1) {
		u64 pos = erofs_pos(&img->sbi, blk);
		u64 n = img->size - pos < blksz ? img->size - pos : blksz;

		mc->tags[slot] = 0;
		err = erofs_image_pread(img, data, n, pos);
		if (!err)
			mc->tags[slot] = blk + 1;
	}
	if (!err)
		memcpy(out, data + off, len);
	pthread_mutex_unlock(&mc->lock);
	return err;
}

int erofs_meta_read(struct erofs_image *img, void *buf, size_t len, u64 pos)
{
	unsigned int blksz = erofs_blksiz(&img->sbi);
	u8 *p = buf;

	if (!erofs_image_range_ok(img, pos, len))
		return -EFSCORRUPTED;
	if (!img->mcache || img->mcache->whole || img->mem)
		return erofs_image_pread(img, buf, len, pos);
	while (len) {
		unsigned int off = pos & (blksz - 1);
		unsigned int n = blksz - off < len ? blksz - off : len;
		int err = mcache_copy(img, pos >> img->sbi.blkszbits, off, p, n);

		if (err)
			return err;
		p += n;
		pos += n;
		len -= n;
	}
	return 0;
}

static void default_report(const struct erofs_problem *p)
{
	if (p->nid == EROFS_NID_NONE)
		erofs_err("%s", p->msg);
	else
		erofs_err("%s @ nid %llu", p->msg, (unsigned long long)p->nid);
}

static int problem_errno(enum erofs_problem_id id)
{
	switch (id) {
	case EROFS_PB_IO:
		return -EIO;
	case EROFS_PB_NOMEM:
		return -ENOMEM;
	case EROFS_PB_COMPRESSED:
	case EROFS_PB_SB_FEATURE:
		return -EOPNOTSUPP;
	default:
		return -EFSCORRUPTED;
	}
}

int erofs_vnotef(struct erofs_image *img, struct erofs_problem_note *note,
		 bool quiet, enum erofs_problem_id id, u64 nid,
		 const char *fmt, va_list ap)
{
	struct erofs_problem p = { .id = id, .nid = nid };
	char msg[512];

	if (note) {
		if (!note->set) {
			note->set = true;
			note->id = id;
			vsnprintf(note->msg, sizeof(note->msg), fmt, ap);
		}
	} else if (!quiet) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		p.msg = msg;
		if (img->report)
			img->report(img->report_arg, &p);
		else
			default_report(&p);
	}
	return problem_errno(id);
}

int erofs_notef(struct erofs_image *img, struct erofs_problem_note *note,
		bool quiet, enum erofs_problem_id id, u64 nid,
		const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = erofs_vnotef(img, note, quiet, id, nid, fmt, ap);
	va_end(ap);
	return ret;
}

int erofs_reportf(struct erofs_image *img, bool quiet, enum erofs_problem_id id,
		  u64 nid, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = erofs_vnotef(img, NULL, quiet, id, nid, fmt, ap);
	va_end(ap);
	return ret;
}
