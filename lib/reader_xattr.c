// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Reading xattrs: the inline body after an inode (header, shared ids,
 * entries) and the shared area, with names rebuilt from short or long
 * prefixes and checked against the inode's name filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "liberofs_reader.h"

#define ENTRY_HDR	sizeof(struct erofs_xattr_entry)
#define ENTRY_MAX	(ENTRY_HDR + EROFS_NAME_LEN + UINT16_MAX)
#define FULLNAME_MAX	(32 + 2 * EROFS_NAME_LEN + 1)

struct xattr_walk {
	struct erofs_image *img;
	const struct erofs_inode *vi;
	u32 filter;		/* bit set: name absent */
	bool use_filter;
	u8 *body;		/* the inline body */
	u8 *shared;		/* one shared entry at a time, or NULL */
	unsigned int shared_cap;	/* bytes at shared */
	char name[FULLNAME_MAX];
	int (*fn)(const struct erofs_xattr_info *x, void *arg);
	void *arg;
};

/*
 * Problems in the shared area repeat for every inode that refers to it
 * (and all of them when xattr_blkaddr is wrong): the image reports the
 * first EROFS_SHARED_SHOWN and counts the rest in img->shared_faults.
 */
static int xattr_problem(struct xattr_walk *w, enum erofs_problem_id id,
			 const char *what, unsigned int n)
{
	bool shared = n & 0x10000;
	bool quiet = shared && __atomic_fetch_add(&w->img->shared_faults, 1,
				__ATOMIC_RELAXED) >= EROFS_SHARED_SHOWN;

	return erofs_reportf(w->img, quiet, id, w->vi->nid, "%s xattr %u: %s",
			     shared ? "shared" : "inline", n & 0xffff, what);
}

/*
 * A missing or broken table entry would be reported for every inode that
 * uses it (every fingerprinted file, say): report it once per image.
 */
static bool reported_before(u32 *bits, unsigned int idx)
{
	u32 bit = 1U << (idx % 32);

	return __atomic_fetch_or(&bits[idx / 32], bit, __ATOMIC_RELAXED) & bit;
}

static int bad_prefix(struct xattr_walk *w, unsigned int idx, unsigned int n)
{
	bool again = reported_before(w->img->prefix_reported, idx);

	return erofs_reportf(w->img, again, EROFS_PB_XATTR_INDEX, w->vi->nid,
			     "%s xattr %u: long prefix %u is missing or unusable (reported once)",
			     n & 0x10000 ? "shared" : "inline", n & 0xffff, idx);
}

/* full name of an entry into w->name; its filter hash input as well */
static int build_name(struct xattr_walk *w, const struct erofs_xattr_entry *e,
		      unsigned int n, unsigned int *bit)
{
	const char *suffix = (const char *)(e + 1), *base;
	const struct erofs_sb_info *sbi = &w->img->sbi;
	unsigned int idx = e->e_name_index, blen, base_index = idx;
	char hashed[2 * EROFS_NAME_LEN];
	unsigned int hlen = 0;

	if (memchr(suffix, '\0', e->e_name_len))
		return xattr_problem(w, EROFS_PB_XATTR_NAME,
				     "name has a NUL byte", n);
	if (idx & EROFS_XATTR_LONG_PREFIX) {
		const struct erofs_xattr_prefix *pf;

		idx &= EROFS_XATTR_LONG_PREFIX_MASK;
		if (idx >= sbi->xattr_prefix_count || w->img->prefix_bad[idx])
			return bad_prefix(w, idx, n);
		pf = &sbi->xattr_prefixes[idx];
		base_index = pf->base_index;
		memcpy(hashed, pf->infix, pf->infix_len);
		hlen = pf->infix_len;
	} else if (!erofs_xattr_short_prefix(idx)) {
		return xattr_problem(w, EROFS_PB_XATTR_INDEX,
				     "unknown name index", n);
	} else if ((idx == EROFS_XATTR_INDEX_POSIX_ACL_ACCESS ||
		    idx == EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT) ?
		   e->e_name_len != 0 : e->e_name_len == 0) {
		return xattr_problem(w, EROFS_PB_XATTR_NAME,
				     "name suffix does not fit its prefix", n);
	}
	memcpy(hashed + hlen, suffix, e->e_name_len);
	hlen += e->e_name_len;
	base = erofs_xattr_short_prefix(base_index);
	blen = base ? strlen(base) : 0;
	memcpy(w->name, base ? base : "", blen);
	memcpy(w->name + blen, hashed, hlen);
	w->name[blen + hlen] = '\0';
	*bit = erofs_xattr_filter_bit(base_index, hashed, hlen);
	return blen + hlen;
}

static int visit(struct xattr_walk *w, const struct erofs_xattr_entry *e,
		 unsigned int n)
{
	struct erofs_xattr_info x = { 0 };
	int ishare = w->img->sbi.ishare_prefix_id;
	unsigned int bit = 0;
	int len = build_name(w, e, n, &bit);

	if (len < 0)
		return len;
	if (w->use_filter && (w->filter & (1U << bit))) {
		bool lp = e->e_name_index & EROFS_XATTR_LONG_PREFIX;
		/* a damaged prefix would miss every filter: say it once */
		bool again = (lp && reported_before(w->img->filter_reported,
				e->e_name_index & EROFS_XATTR_LONG_PREFIX_MASK)) ||
			((n & 0x10000) && __atomic_fetch_add(
				&w->img->shared_faults, 1, __ATOMIC_RELAXED) >=
				EROFS_SHARED_SHOWN);
		char esc[4 * FULLNAME_MAX];

		erofs_escape(esc, sizeof(esc), w->name, len);
		return erofs_reportf(w->img, again, EROFS_PB_XATTR_FILTER,
				     w->vi->nid,
				     "xattr '%s' is hidden by the name filter%s",
				     esc, lp ? " (reported once per long prefix)" : "");
	}
	x.name = w->name;
	x.name_len = len;
	x.value = (const u8 *)(e + 1) + e->e_name_len;
	x.value_len = le16_to_cpu(e->e_value_size);
	x.index = e->e_name_index;
	x.shared = n & 0x10000;
	x.fingerprint = w->img->has_fingerprints && !e->e_name_len &&
			e->e_name_index == (EROFS_XATTR_LONG_PREFIX | ishare);
	return w->fn(&x, w->arg);
}

/*
 * Room for a shared entry of @size bytes: grown to what the entries need,
 * not ENTRY_MAX for every inode (most have no shared xattrs at all)
 */
static struct erofs_xattr_entry *shared_room(struct xattr_walk *w,
					     unsigned int size)
{
	u8 *p;

	if (size <= w->shared_cap)
		return (void *)w->shared;
	p = realloc(w->shared, size + 4);
	if (!p)
		return NULL;
	w->shared = p;
	w->shared_cap = size;
	return (void *)p;
}

static int visit_shared(struct xattr_walk *w, u32 id, unsigned int n)
{
	const struct erofs_sb_info *sbi = &w->img->sbi;
	u64 pos = erofs_pos(sbi, sbi->xattr_blkaddr) + (u64)id * 4;
	struct erofs_xattr_entry hdr, *e;
	unsigned int size;
	int err;

	err = erofs_meta_read(w->img, &hdr, ENTRY_HDR, pos);
	if (err == -EFSCORRUPTED)
		return xattr_problem(w, EROFS_PB_XATTR_SHARED,
				     "id is past the image end", n);
	if (err)
		return erofs_report(w->img, EROFS_PB_IO, w->vi->nid,
				    "cannot read shared xattr: %s",
				    erofs_strerror(err));
	size = erofs_xattr_entry_size(hdr.e_name_len,
				      le16_to_cpu(hdr.e_value_size));
	e = shared_room(w, size);
	if (!e)
		return -ENOMEM;
	*e = hdr;
	err = erofs_meta_read(w->img, e + 1, size - ENTRY_HDR, pos + ENTRY_HDR);
	if (err == -EFSCORRUPTED)
		return xattr_problem(w, EROFS_PB_XATTR_SHARED,
				     "entry runs past the image end", n);
	if (err)
		return erofs_report(w->img, EROFS_PB_IO, w->vi->nid,
				    "cannot read shared xattr: %s",
				    erofs_strerror(err));
	return visit(w, e, n);
}

static int walk_body(struct xattr_walk *w)
{
	const struct erofs_xattr_ibody_header *h = (void *)w->body;
	unsigned int size = w->vi->xattr_isize, pos, n = 0;
	int ret = 0;

	pos = sizeof(*h) + h->h_shared_count * 4;
	if (pos > size)
		return erofs_report(w->img, EROFS_PB_XATTR_SIZE, w->vi->nid,
				    "%u shared xattr ids do not fit a body of %u bytes",
				    h->h_shared_count, size);
	for (unsigned int i = 0; i < h->h_shared_count && !ret; i++) {
		__le32 id;

		memcpy(&id, w->body + sizeof(*h) + 4 * i, 4);
		ret = visit_shared(w, le32_to_cpu(id), 0x10000 | i);
	}
	while (!ret && pos < size) {
		const struct erofs_xattr_entry *e = (void *)(w->body + pos);
		unsigned int esize;

		if (size - pos < ENTRY_HDR)
			return xattr_problem(w, EROFS_PB_XATTR_ENTRY,
					     "entry header past the body end", n);
		esize = erofs_xattr_entry_size(e->e_name_len,
					       le16_to_cpu(e->e_value_size));
		if (esize > size - pos)
			return xattr_problem(w, EROFS_PB_XATTR_ENTRY,
					     "entry runs past the body end", n);
		ret = visit(w, e, n++);
		pos += esize;
	}
	return ret;
}

int erofs_xattr_iterate(struct erofs_image *img, const struct erofs_inode *vi,
			int (*fn)(const struct erofs_xattr_info *x, void *arg),
			void *arg)
{
	struct xattr_walk w = { .img = img, .vi = vi, .fn = fn, .arg = arg };
	int err;

	if (!vi->xattr_isize)
		return 0;
	w.body = malloc(vi->xattr_isize);
	err = w.body ? 0 : -ENOMEM;
	if (!err)
		err = erofs_meta_read(img, w.body, vi->xattr_isize,
				      erofs_inode_xattr_pos(vi));
	if (err && err != -ENOMEM)
		err = erofs_report(img, err == -EIO ? EROFS_PB_IO :
				   EROFS_PB_XATTR_SIZE, vi->nid,
				   "cannot read xattr body: %s",
				   erofs_strerror(err));
	if (!err) {
		w.filter = le32_to_cpu(((struct erofs_xattr_ibody_header *)
					w.body)->h_name_filter);
		w.use_filter = (img->sbi.feature_compat &
				EROFS_FEATURE_COMPAT_XATTR_FILTER) &&
			       !img->dsb.xattr_filter_reserved;
		err = walk_body(&w);
	}
	free(w.body);
	free(w.shared);
	return err;
}

struct getxattr_ctx {
	const char *name;
	void *buf;
	size_t size;
	int ret;
};

static int getxattr_fn(const struct erofs_xattr_info *x, void *arg)
{
	struct getxattr_ctx *g = arg;

	if (strcmp(x->name, g->name))
		return 0;
	if (!g->buf || !g->size)
		g->ret = x->value_len;
	else if (x->value_len > g->size)
		g->ret = -ERANGE;
	else {
		memcpy(g->buf, x->value, x->value_len);
		g->ret = x->value_len;
	}
	return 1;
}

int erofs_getxattr(struct erofs_image *img, const struct erofs_inode *vi,
		   const char *name, void *buf, size_t size)
{
	struct getxattr_ctx g = { name, buf, size, -ENODATA };
	int err = erofs_xattr_iterate(img, vi, getxattr_fn, &g);

	return err < 0 ? err : g.ret;
}

struct fp_ctx {
	u8 *digest;
	int ret;
	unsigned int entries;
};

/* every entry is looked at: a second one makes the first untrustworthy */
static int fingerprint_fn(const struct erofs_xattr_info *x, void *arg)
{
	struct fp_ctx *f = arg;

	if (!x->fingerprint)
		return 0;
	if (++f->entries > 1) {
		f->ret = -ENOTUNIQ;
		return 1;
	}
	if (x->value_len != EROFS_ISHARE_VALUE_SIZE ||
	    memcmp(x->value, EROFS_ISHARE_VALUE_PREFIX,
		   EROFS_ISHARE_PREFIX_LEN)) {
		f->ret = -EBADMSG;
		return 0;
	}
	memcpy(f->digest, x->value + EROFS_ISHARE_PREFIX_LEN, 32);
	f->ret = 0;
	return 0;
}

int erofs_inode_fingerprint(struct erofs_image *img,
			    const struct erofs_inode *vi, u8 digest[32])
{
	struct fp_ctx f = { digest, -ENODATA, 0 };
	int err;

	if (!img->has_fingerprints)
		return -ENODATA;
	err = erofs_xattr_iterate(img, vi, fingerprint_fn, &f);
	return err < 0 ? err : f.ret;
}

int erofs_fingerprint_name(const struct erofs_image *img, char *buf,
			   size_t size)
{
	const struct erofs_xattr_prefix *pf;
	const char *base;

	if (!img->has_fingerprints)
		return -ENODATA;
	pf = &img->sbi.xattr_prefixes[img->sbi.ishare_prefix_id];
	base = erofs_xattr_short_prefix(pf->base_index);
	if ((size_t)snprintf(buf, size, "%s%s", base ? base : "", pf->infix) >=
	    size)
		return -ERANGE;
	return 0;
}
