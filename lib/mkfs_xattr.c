// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Xattrs for the image writer: the long prefix table, reading a source
 * file's xattrs into interned (name, value) items, choosing which go to the
 * shared area, and the inline body each inode gets.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <xxhash.h>
#include "erofs/print.h"
#include "liberofs_mkfs.h"

#define MAX_LONG_PREFIXES	(EROFS_XATTR_LONG_PREFIX_MASK + 1)

static int add_prefix(struct erofs_sb_info *sbi, const char *name, bool base0,
		      const char *what)
{
	struct erofs_xattr_prefix pf;
	const char *why = NULL;
	int err;

	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++) {
		char *s = erofs_xattr_prefix_string(&sbi->xattr_prefixes[i]);
		bool same = s && !strcmp(s, name);

		free(s);
		if (same)
			return erofs_err_ret(-EINVAL,
				"%s '%s' is already an xattr prefix", what, name);
	}
	if (sbi->xattr_prefix_count >= MAX_LONG_PREFIXES)
		return erofs_err_ret(-EINVAL, "too many xattr prefixes (max %d)",
				     MAX_LONG_PREFIXES);
	err = erofs_xattr_prefix_init(&pf, name, base0, &why);
	if (err == -EINVAL)
		return erofs_err_ret(err, "invalid %s '%s': %s", what, name, why);
	if (err)
		return err;
	sbi->xattr_prefixes[sbi->xattr_prefix_count++] = pf;
	return 0;
}

int mkfs_xattr_setup_prefixes(struct mkfs_ctx *ctx)
{
	const struct erofs_mkfs_cfg *cfg = ctx->cfg;
	struct erofs_sb_info *sbi = &ctx->sbi;
	int err = 0;

	sbi->ishare_prefix_id = -1;
	sbi->xattr_prefixes = calloc(MAX_LONG_PREFIXES,
				     sizeof(*sbi->xattr_prefixes));
	if (!sbi->xattr_prefixes)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->n_xattr_prefixes && !err; i++)
		err = add_prefix(sbi, cfg->xattr_prefixes[i], false,
				 "xattr prefix");
	if (!err && cfg->ishare_name) {
		err = add_prefix(sbi, cfg->ishare_name, true,
				 "fingerprint name");
		sbi->ishare_prefix_id = sbi->xattr_prefix_count - 1;
	}
	return err;
}

/*
 * Map a full xattr name to its on-disk index and suffix: the longest long
 * prefix that matches (never the fingerprint's), else a short prefix.
 */
static bool map_name(const struct erofs_sb_info *sbi, const char *name,
		     u8 *index, const char **suffix)
{
	unsigned int plen, short_idx, best_len = 0;
	int best = -1;

	short_idx = erofs_xattr_match_short(name, &plen);
	if (!short_idx)
		return false;
	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++) {
		const struct erofs_xattr_prefix *pf = &sbi->xattr_prefixes[i];

		if ((int)i == sbi->ishare_prefix_id ||
		    pf->base_index != short_idx)
			continue;
		if (pf->infix_len > best_len &&
		    !strncmp(name + plen, pf->infix, pf->infix_len)) {
			best = i;
			best_len = pf->infix_len;
		}
	}
	if (best >= 0) {
		*index = EROFS_XATTR_LONG_PREFIX | best;
		*suffix = name + plen + best_len;
	} else {
		*index = short_idx;
		*suffix = name + plen;
	}
	return true;
}

/* the item after @x (the first for NULL) in no useful order, or NULL */
static struct mkfs_xattr *xattr_next(struct mkfs_ctx *ctx, struct mkfs_xattr *x)
{
	struct erofs_hnode *n = erofs_hashtab_next(&ctx->xattrs,
						   x ? &x->hnode : NULL);

	return n ? erofs_hnode_entry(n, struct mkfs_xattr, hnode) : NULL;
}

static struct mkfs_xattr *xattr_new(u8 index, const char *name,
				    size_t name_len, const void *value,
				    size_t value_len)
{
	struct mkfs_xattr *x = calloc(1, sizeof(*x) + name_len + 1 + value_len);

	if (!x)
		return NULL;
	x->index = index;
	x->name_len = name_len;
	x->value_len = value_len;
	x->name = (char *)(x + 1);
	x->value = (u8 *)x->name + name_len + 1;
	memcpy(x->name, name, name_len);
	memcpy(x->value, value, value_len);
	return x;
}

/* the one item of this name and value, with one more inode counted */
static struct mkfs_xattr *xattr_intern(struct mkfs_ctx *ctx, u8 index,
				       const char *name, size_t name_len,
				       const void *value, size_t value_len)
{
	XXH32_hash_t h = XXH32(name, name_len, index);
	struct erofs_hnode *n;
	struct mkfs_xattr *x;

	h = XXH32(value, value_len, h);
	for (n = erofs_hashtab_chain(&ctx->xattrs, h); n; n = n->next) {
		x = erofs_hnode_entry(n, struct mkfs_xattr, hnode);
		if (n->hash == h && x->index == index &&
		    x->name_len == name_len && x->value_len == value_len &&
		    !memcmp(x->name, name, name_len) &&
		    !memcmp(x->value, value, value_len)) {
			x->count++;
			return x;
		}
	}
	x = xattr_new(index, name, name_len, value, value_len);
	if (x && erofs_hashtab_insert(&ctx->xattrs, &x->hnode, h)) {
		free(x);
		x = NULL;
	}
	if (x)
		x->count = 1;
	return x;
}

static int cmp_items(const void *a, const void *b)
{
	const struct mkfs_xattr *x = *(struct mkfs_xattr *const *)a;
	const struct mkfs_xattr *y = *(struct mkfs_xattr *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	c = memcmp(x->name, y->name, n);
	if (c || x->name_len != y->name_len)
		return c ? c : (x->name_len < y->name_len ? -1 : 1);
	n = x->value_len < y->value_len ? x->value_len : y->value_len;
	c = memcmp(x->value, y->value, n);
	if (c || x->value_len == y->value_len)
		return c;
	return x->value_len < y->value_len ? -1 : 1;
}

/*
 * Give @inode the xattr @name = @value (a source's, or a tar entry's); the
 * fingerprint NAME and names no namespace maps are left out.
 */
int mkfs_xattr_add(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		   const char *name, const void *value, size_t value_len,
		   const char *path)
{
	const char *fp_name = ctx->cfg->ishare_name, *suffix;
	struct mkfs_xattr *x, **arr;
	u8 index;

	if (ctx->cfg->xattr_tolerance < 0)
		return 0;
	/* never trust a fingerprint from the source: ours replaces it */
	if (fp_name && !strcmp(name, fp_name))
		return 0;
	if (!map_name(&ctx->sbi, name, &index, &suffix)) {
		erofs_warn("xattr '%s' of '%s' skipped: namespace not supported",
			   name, path);
		return 0;
	}
	if (value_len > UINT16_MAX)
		return erofs_err_ret(-E2BIG, "xattr '%s' of '%s' too large",
				     name, path);
	x = xattr_intern(ctx, index, suffix, strlen(suffix), value, value_len);
	if (!x)
		return -ENOMEM;
	arr = realloc(inode->xattrs, (inode->nxattrs + 1) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	inode->xattrs = arr;
	inode->xattrs[inode->nxattrs++] = x;
	return 0;
}

/* drop @inode's xattr @name, if it has one */
void mkfs_xattr_remove(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		       const char *name)
{
	const char *suffix;
	size_t len;
	u16 j = 0;
	u8 index;

	if (!map_name(&ctx->sbi, name, &index, &suffix))
		return;
	len = strlen(suffix);
	for (u16 i = 0; i < inode->nxattrs; i++) {
		struct mkfs_xattr *x = inode->xattrs[i];

		if (x->index == index && x->name_len == len &&
		    !memcmp(x->name, suffix, len))
			x->count--;	/* no longer shared by this one */
		else
			inode->xattrs[j++] = x;
	}
	inode->nxattrs = j;
}

/* once all of an inode's xattrs are in: the order the format wants */
void mkfs_xattr_sort(struct mkfs_inode *inode)
{
	if (inode->nxattrs > 1)
		qsort(inode->xattrs, inode->nxattrs, sizeof(*inode->xattrs),
		      cmp_items);
}

/*
 * listxattrat(2) (Linux 6.13) lists an entry relative to its directory's
 * descriptor: one path component to walk instead of the whole path.
 * Where the kernel lacks it, llistxattr() on the path.
 */
#ifndef __NR_listxattrat
#define __NR_listxattrat	465	/* the same on every architecture */
#endif

static ssize_t list_names(int dfd, const char *name, const char *path,
			  char *buf, size_t size)
{
	static _Atomic bool no_at;
	ssize_t len;

	if (dfd != AT_FDCWD && !no_at) {
		len = syscall(__NR_listxattrat, dfd, name, AT_SYMLINK_NOFOLLOW,
			      buf, size);
		if (len >= 0 || errno != ENOSYS)
			return len;
		no_at = true;
	}
	return llistxattr(path, buf, size);
}

static int blob_put(struct mkfs_xattr_blob *b, const char *name,
		    const void *value, u32 vlen)
{
	u32 nlen = strlen(name) + 1, need = 8 + nlen + vlen;

	if (b->len + need > b->cap) {
		u32 cap = (b->len + need) * 2;
		char *p = realloc(b->buf, cap);

		if (!p)
			return -ENOMEM;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, &nlen, 4);
	memcpy(b->buf + b->len + 4, &vlen, 4);
	memcpy(b->buf + b->len + 8, name, nlen);
	memcpy(b->buf + b->len + 8 + nlen, value, vlen);
	b->len += need;
	return 0;
}

/*
 * The xattr names and values of @name in directory @dfd (@path): any
 * thread may call it, for it only reads the source.  On failure @why
 * holds the message.
 */
int mkfs_xattr_gather(const struct erofs_mkfs_cfg *cfg, int dfd,
		      const char *name, const char *path,
		      struct mkfs_xattr_blob *out, char *why, size_t whylen)
{
	char small[256], *names = small, value[65536];	/* XATTR_SIZE_MAX */
	ssize_t len;
	int err = 0;

	out->len = 0;
	if (cfg->xattr_tolerance < 0)
		return 0;
	/* most files have no xattrs or a few short ones: one call */
	len = list_names(dfd, name, path, small, sizeof(small));
	while (len < 0 && errno == ERANGE) {
		char *p;

		len = list_names(dfd, name, path, NULL, 0);
		if (len <= 0)
			break;
		p = realloc(names == small ? NULL : names, len);
		if (!p) {
			if (names != small)
				free(names);
			return -ENOMEM;
		}
		names = p;
		len = list_names(dfd, name, path, names, len);
	}
	if (len < 0 && errno != ENOTSUP) {
		err = -errno;
		snprintf(why, whylen, "cannot list xattrs of '%s': %s", path,
			 strerror(errno));
	}
	for (ssize_t off = 0; off < len && !err; off += strlen(names + off) + 1) {
		const char *xn = names + off;
		ssize_t vlen;

		if (cfg->ishare_name && !strcmp(xn, cfg->ishare_name))
			continue;	/* not even read: ours replaces it */
		vlen = lgetxattr(path, xn, value, sizeof(value));
		if (vlen < 0 && errno == ENODATA)
			continue;	/* removed since listed */
		if (vlen < 0) {
			err = -errno;
			snprintf(why, whylen,
				 "cannot read xattr '%s' of '%s': %s", xn, path,
				 strerror(errno));
			break;
		}
		err = blob_put(out, xn, value, vlen);
	}
	if (names != small)
		free(names);
	return err;
}

/* what mkfs_xattr_gather() found becomes @inode's */
int mkfs_xattr_add_blob(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
			const struct mkfs_xattr_blob *b, const char *path)
{
	int err = 0;

	for (u32 off = 0; off < b->len && !err; ) {
		u32 nlen, vlen;

		memcpy(&nlen, b->buf + off, 4);
		memcpy(&vlen, b->buf + off + 4, 4);
		err = mkfs_xattr_add(ctx, inode, b->buf + off + 8,
				     b->buf + off + 8 + nlen, vlen, path);
		off += 8 + nlen + vlen;
	}
	if (!err)
		mkfs_xattr_sort(inode);
	return err;
}

int mkfs_xattr_read(struct mkfs_ctx *ctx, struct mkfs_inode *inode, int dfd,
		    const char *name, const char *path)
{
	struct mkfs_xattr_blob b = { 0 };
	char why[PATH_MAX + 128];
	int err = mkfs_xattr_gather(ctx->cfg, dfd, name, path, &b, why,
				    sizeof(why));

	if (err == -ENOMEM)
		return err;
	if (err)
		return erofs_err_ret(err, "%s", why);
	err = mkfs_xattr_add_blob(ctx, inode, &b, path);
	free(b.buf);
	return err;
}

static u32 item_size(const struct mkfs_xattr *x)
{
	return erofs_xattr_entry_size(x->name_len, x->value_len);
}

/* an xattr carried by more than `tolerance` inodes is stored once */
int mkfs_xattr_layout(struct mkfs_ctx *ctx)
{
	long tol = ctx->cfg->xattr_tolerance;
	struct mkfs_xattr *x;
	u64 n = 0, off = 0;

	for (x = xattr_next(ctx, NULL); x; x = xattr_next(ctx, x))
		x->shared_id = -1;
	if (tol < 0 || !ctx->xattrs.count)
		return 0;
	ctx->shared = malloc(ctx->xattrs.count * sizeof(*ctx->shared));
	if (!ctx->shared)
		return -ENOMEM;
	for (x = xattr_next(ctx, NULL); x; x = xattr_next(ctx, x))
		if (x->count > (unsigned long)tol)
			ctx->shared[n++] = x;
	qsort(ctx->shared, n, sizeof(*ctx->shared), cmp_items);
	for (u64 i = 0; i < n; i++) {
		if (off / 4 > UINT32_MAX)
			return erofs_err_ret(-EFBIG, "shared xattr area too large");
		ctx->shared[i]->shared_id = off / 4;
		off += item_size(ctx->shared[i]);
	}
	ctx->nshared = n;
	ctx->shared_bytes = off;
	return 0;
}

static bool goes_shared(const struct mkfs_xattr *x, unsigned int nshared)
{
	return x->shared_id >= 0 && nshared < UINT8_MAX;
}

u32 mkfs_xattr_ibody_size(struct mkfs_ctx *ctx, const struct mkfs_inode *inode)
{
	unsigned int nshared = 0;
	u32 size = 0;

	if (!inode->nxattrs && !inode->fingerprint)
		return 0;
	for (u16 i = 0; i < inode->nxattrs; i++) {
		if (goes_shared(inode->xattrs[i], nshared)) {
			nshared++;
			size += 4;
		} else {
			size += item_size(inode->xattrs[i]);
		}
	}
	if (inode->fingerprint)
		size += erofs_xattr_entry_size(0, EROFS_ISHARE_VALUE_SIZE);
	return sizeof(struct erofs_xattr_ibody_header) + size;
}

static unsigned int item_filter_bit(const struct erofs_sb_info *sbi,
				    u8 index, const char *suffix, size_t len)
{
	const struct erofs_xattr_prefix *pf;
	char buf[2 * EROFS_NAME_LEN + 2];

	if (!(index & EROFS_XATTR_LONG_PREFIX))
		return erofs_xattr_filter_bit(index, suffix, len);
	pf = &sbi->xattr_prefixes[index & EROFS_XATTR_LONG_PREFIX_MASK];
	memcpy(buf, pf->infix, pf->infix_len);
	memcpy(buf + pf->infix_len, suffix, len);
	return erofs_xattr_filter_bit(pf->base_index, buf, pf->infix_len + len);
}

static u8 *put_entry(u8 *p, u8 index, const char *name, u8 name_len,
		     const void *value, u16 value_len)
{
	struct erofs_xattr_entry e = {
		.e_name_len = name_len,
		.e_name_index = index,
		.e_value_size = cpu_to_le16(value_len),
	};
	u32 size = erofs_xattr_entry_size(name_len, value_len);

	memcpy(p, &e, sizeof(e));
	memcpy(p + sizeof(e), name, name_len);
	memcpy(p + sizeof(e) + name_len, value, value_len);
	memset(p + sizeof(e) + name_len + value_len, 0,
	       size - sizeof(e) - name_len - value_len);
	return p + size;
}

void mkfs_xattr_fill_ibody(struct mkfs_ctx *ctx, const struct mkfs_inode *inode,
			   const u8 *fingerprint, u8 *out)
{
	const struct erofs_sb_info *sbi = &ctx->sbi;
	struct erofs_xattr_ibody_header *h = (void *)out;
	unsigned int nshared = 0;
	u32 filter = 0;
	u8 *p;

	memset(h, 0, sizeof(*h));
	p = out + sizeof(*h);
	for (u16 i = 0; i < inode->nxattrs; i++) {
		const struct mkfs_xattr *x = inode->xattrs[i];

		filter |= 1U << item_filter_bit(sbi, x->index, x->name,
						x->name_len);
		if (goes_shared(x, nshared)) {
			__le32 id = cpu_to_le32((u32)x->shared_id);

			memcpy(p, &id, 4);
			p += 4;
			nshared++;
		}
	}
	h->h_shared_count = nshared;
	for (u16 i = 0, ns = 0; i < inode->nxattrs; i++) {
		const struct mkfs_xattr *x = inode->xattrs[i];

		if (goes_shared(x, ns)) {
			ns++;
			continue;
		}
		p = put_entry(p, x->index, x->name, x->name_len, x->value,
			      x->value_len);
	}
	if (fingerprint) {
		u8 index = EROFS_XATTR_LONG_PREFIX | sbi->ishare_prefix_id;

		filter |= 1U << item_filter_bit(sbi, index, "", 0);
		put_entry(p, index, "", 0, fingerprint, EROFS_ISHARE_VALUE_SIZE);
	}
	h->h_name_filter = cpu_to_le32(EROFS_XATTR_FILTER_DEFAULT & ~filter);
}

void mkfs_xattr_fill_shared(struct mkfs_ctx *ctx, u8 *out)
{
	for (u64 i = 0; i < ctx->nshared; i++) {
		const struct mkfs_xattr *x = ctx->shared[i];

		out = put_entry(out, x->index, x->name, x->name_len, x->value,
				x->value_len);
	}
}

void mkfs_xattr_release(struct mkfs_ctx *ctx)
{
	struct mkfs_xattr *x, *next;

	for (x = xattr_next(ctx, NULL); x; x = next) {
		next = xattr_next(ctx, x);
		free(x);
	}
	erofs_hashtab_release(&ctx->xattrs);
	free(ctx->shared);
	ctx->shared = NULL;
}
