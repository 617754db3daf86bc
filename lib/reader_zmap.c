// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Compressed inodes: the map header and the lcluster indexes, full (8
 * bytes each) or compact (packs of 2 x 16 or 16 x 14 bits), turned into
 * extents.  An extent starts at a HEAD lcluster (at its clusterofs) and
 * runs to the next HEAD; the NONHEAD lclusters between say how far back
 * the head is (delta[0]) and how far on the next one (delta[1]).
 *
 * Every number comes from a hostile image: each index read is checked
 * against the index table, every walk moves at least one lcluster per
 * step and stops after the longest extent allowed, so a crafted image
 * costs bounded time and never reads outside the image.
 */
#include <string.h>
#include "liberofs_zreader.h"

#define Z_LOBITS_MIN		12	/* compact: room for D0_CBLKCNT */
#define Z_ADVISE_KNOWN		0x003f

/* one lcluster's index, decoded */
struct z_lcl {
	u64 lcn;
	u64 pblk;		/* HEAD: first block of the pcluster */
	u64 nextpos;		/* image position after its index (pack) */
	u32 cblks;		/* NONHEAD with D0_CBLKCNT: pcluster blocks */
	u16 clusterofs;		/* HEAD: where the extent starts */
	u16 delta[2];		/* NONHEAD: back to the head, on to the next */
	u8 type;
	bool partialref;
};

/* what one mapping needs to carry around */
struct z_walk {
	struct erofs_image *img;
	const struct erofs_inode *vi;
	struct erofs_problem_note *note;
	bool quiet;
	bool verify;		/* check every lcluster of each extent */
};

static int zbad(struct z_walk *w, enum erofs_problem_id id, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static int zbad(struct z_walk *w, enum erofs_problem_id id, const char *fmt,
		...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = erofs_vnotef(w->img, w->note, w->quiet, id, w->vi->nid, fmt, ap);
	va_end(ap);
	return ret;
}

static u64 z_nlcl(const struct erofs_inode *vi)
{
	u64 lsize = 1ULL << vi->z_lclusterbits;

	return vi->size / lsize + !!(vi->size % lsize);
}

static u64 z_header_pos(const struct erofs_inode *vi)
{
	return round_up(erofs_inode_meta_end(vi), 8ULL);
}

/*
 * Read @len bytes of lcluster @lcn's index at @pos into @buf, and start
 * *@l afresh for it: the reset both index layouts share.
 */
static int z_read_index(struct z_walk *w, u64 lcn, void *buf,
			unsigned int len, u64 pos, struct z_lcl *l)
{
	int err = erofs_meta_read(w->img, buf, len, pos);

	if (err)
		return zbad(w, err == -EIO ? EROFS_PB_IO : EROFS_PB_Z_INDEX,
			    "cannot read the index of lcluster %llu: %s",
			    (unsigned long long)lcn, erofs_strerror(err));
	memset(l, 0, sizeof(*l));
	l->lcn = lcn;
	l->nextpos = pos + len;
	return 0;
}

/* ---- full indexes ---- */

static int z_load_full(struct z_walk *w, u64 lcn, struct z_lcl *l)
{
	const struct erofs_inode *vi = w->vi;
	struct z_erofs_lcluster_index di;
	u64 pos = z_header_pos(vi) + sizeof(struct z_erofs_map_header) + 8 +
		  lcn * sizeof(di);
	u16 advise;
	int err = z_read_index(w, lcn, &di, sizeof(di), pos, l);

	if (err)
		return err;
	advise = le16_to_cpu(di.di_advise);
	l->type = advise & Z_EROFS_LI_LCLUSTER_TYPE_MASK;
	if (l->type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		l->partialref = advise & Z_EROFS_LI_PARTIAL_REF;
		l->clusterofs = le16_to_cpu(di.di_clusterofs);
		l->pblk = le32_to_cpu(di.di_u.blkaddr);
		return 0;
	}
	l->delta[0] = le16_to_cpu(di.di_u.delta[0]);
	l->delta[1] = le16_to_cpu(di.di_u.delta[1]);
	if (l->delta[0] & Z_EROFS_LI_D0_CBLKCNT) {
		l->cblks = l->delta[0] & ~Z_EROFS_LI_D0_CBLKCNT;
		l->delta[0] = 1;
	}
	return 0;
}

/* ---- compact indexes ---- */

/* where lcluster @lcn's entry is: its pack's position, size and slot */
struct z_cpos {
	u64 pack;		/* image position of the pack */
	unsigned int packsize;	/* 8 (4B) or 32 (2B) */
	unsigned int vcnt;	/* entries in a pack */
	unsigned int slot;	/* @lcn's entry in it */
};

static void z_compact_locate(const struct erofs_inode *vi, u64 totalidx,
			     u64 lcn, struct z_cpos *c)
{
	u64 ebase = z_header_pos(vi) + sizeof(struct z_erofs_map_header);
	u64 init4 = ((32 - ebase % 32) / 4) & 7, c2b = 0, pos = ebase;
	unsigned int shift = 2;

	if ((vi->z_advise & Z_EROFS_ADVISE_COMPACTED_2B) && init4 < totalidx)
		c2b = round_down(totalidx - init4, 16ULL);
	if (lcn >= init4) {
		pos += init4 * 4;
		lcn -= init4;
		if (lcn < c2b) {
			shift = 1;
		} else {
			pos += c2b * 2;
			lcn -= c2b;
		}
	}
	pos += lcn << shift;
	c->vcnt = shift == 2 ? 2 : 16;
	c->packsize = c->vcnt << shift;
	c->pack = round_down(pos, (u64)c->packsize);
	c->slot = (pos - c->pack) >> shift;
}

/* entry @i of a pack: its type, and the low bits as return value */
unsigned int z_erofs_compact_entry(const u8 *pack, unsigned int packsize,
				   unsigned int vcnt, unsigned int lobits,
				   unsigned int i, u8 *type)
{
	unsigned int bits = (packsize - 4) * 8 / vcnt, pos = i * bits;
	const u8 *p = pack + pos / 8;
	u32 v = p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;

	v >>= pos & 7;
	*type = (v >> lobits) & 3;
	return v & ((1U << lobits) - 1);
}

/* a NONHEAD's delta[1]: NONHEADs up to the next head, or the pack end */
static u16 z_compact_d1(const u8 *pack, const struct z_cpos *c,
			unsigned int lobits)
{
	unsigned int lo = 0, d1 = 0, i;
	u8 type;

	for (i = c->slot; i < c->vcnt; i++, d1++) {
		lo = z_erofs_compact_entry(pack, c->packsize, c->vcnt, lobits,
					   i, &type);
		if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
			return d1;
	}
	/* the last entry of a pack holds delta[1] itself */
	if (!(lo & Z_EROFS_LI_D0_CBLKCNT) && lo)
		d1 += lo - 1;
	return d1;
}

/*
 * A head's block: the pack's base plus the blocks of the pclusters whose
 * heads come before it in the pack (one each, or CBLKCNT with big
 * pclusters).  Walks back, jumping over each extent's NONHEADs.
 */
int z_erofs_compact_pblk(const u8 *pack, unsigned int packsize,
			 unsigned int vcnt, unsigned int lobits,
			 unsigned int slot, bool big, u64 *pblk)
{
	const u8 *b = pack + packsize - 4;
	u64 base = b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
	int i = slot;
	u64 nblk = big ? 0 : 1;
	unsigned int lo;
	u8 type;

	while (i > 0) {
		lo = z_erofs_compact_entry(pack, packsize, vcnt, lobits,
					   --i, &type);
		if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			nblk++;
		} else if (!big) {
			i -= lo;
			nblk += i >= 0;
		} else if (lo & Z_EROFS_LI_D0_CBLKCNT) {
			nblk += lo & ~Z_EROFS_LI_D0_CBLKCNT;
			i--;	/* its head is counted by its size */
		} else if (lo <= 1) {
			return -EFSCORRUPTED;
		} else {
			i -= lo - 2;	/* on to the entry after the head */
		}
	}
	*pblk = base + nblk;
	return 0;
}

static int z_load_compact(struct z_walk *w, u64 lcn, bool lookahead,
			  struct z_lcl *l)
{
	const struct erofs_inode *vi = w->vi;
	unsigned int blksz = erofs_blksiz(&w->img->sbi);
	unsigned int lobits = vi->z_lclusterbits > Z_LOBITS_MIN ?
			      vi->z_lclusterbits : Z_LOBITS_MIN;
	bool big = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
	struct z_cpos c;
	unsigned int lo;
	u8 pack[32], type;
	int err;

	z_compact_locate(vi, DIV_ROUND_UP(vi->size, (u64)blksz), lcn, &c);
	err = z_read_index(w, lcn, pack, c.packsize, c.pack, l);
	if (err)
		return err;
	lo = z_erofs_compact_entry(pack, c.packsize, c.vcnt, lobits, c.slot,
				   &type);
	l->type = type;
	if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		l->clusterofs = lo;
		if (z_erofs_compact_pblk(pack, c.packsize, c.vcnt, lobits,
					 c.slot, big, &l->pblk))
			return zbad(w, EROFS_PB_Z_INDEX,
				    "compact pack of lcluster %llu has a NONHEAD with delta %u",
				    (unsigned long long)lcn, lo);
		return 0;
	}
	if (lookahead)
		l->delta[1] = z_compact_d1(pack, &c, lobits);
	if (lo & Z_EROFS_LI_D0_CBLKCNT) {
		l->cblks = lo & ~Z_EROFS_LI_D0_CBLKCNT;
		l->delta[0] = 1;
	} else if (c.slot + 1 < c.vcnt) {
		l->delta[0] = lo;
	} else {
		/* the last slot holds delta[1]: delta[0] is one past its left */
		lo = z_erofs_compact_entry(pack, c.packsize, c.vcnt, lobits,
					   c.slot - 1, &type);
		if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
			lo = 0;
		else if (lo & Z_EROFS_LI_D0_CBLKCNT)
			lo = 1;
		l->delta[0] = lo + 1;
	}
	return 0;
}

static int z_load(struct z_walk *w, u64 lcn, bool lookahead, struct z_lcl *l)
{
	const struct erofs_inode *vi = w->vi;
	bool big = vi->z_advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 |
				   Z_EROFS_ADVISE_BIG_PCLUSTER_2);
	int err;

	if (lcn >= z_nlcl(vi))
		return zbad(w, EROFS_PB_Z_INDEX,
			    "lcluster %llu is past the end of the file (%llu lclusters)",
			    (unsigned long long)lcn,
			    (unsigned long long)z_nlcl(vi));
	if (vi->datalayout == EROFS_INODE_COMPRESSED_COMPACT)
		err = z_load_compact(w, lcn, lookahead, l);
	else
		err = z_load_full(w, lcn, l);
	if (err)
		return err;
	if (l->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		if (l->cblks && !big)
			return zbad(w, EROFS_PB_Z_INDEX,
				    "lcluster %llu has a block count without big pclusters",
				    (unsigned long long)lcn);
		return 0;
	}
	if (l->clusterofs >= 1U << vi->z_lclusterbits)
		return zbad(w, EROFS_PB_Z_INDEX,
			    "lcluster %llu starts its extent at offset %u, past its end",
			    (unsigned long long)lcn, l->clusterofs);
	return 0;
}

/* from NONHEAD @l back @dist lclusters (and on) to its head */
static int z_lookback(struct z_walk *w, struct z_lcl *l, u64 dist)
{
	u64 from = l->lcn;

	while (dist && l->lcn >= dist) {
		int err = z_load(w, l->lcn - dist, false, l);

		if (err)
			return err;
		if (l->type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
			return 0;
		dist = l->delta[0];
	}
	return zbad(w, EROFS_PB_Z_INDEX,
		    "lcluster %llu: no head lcluster %llu back from lcluster %llu",
		    (unsigned long long)from, (unsigned long long)dist,
		    (unsigned long long)l->lcn);
}

/* the head of the extent holding @la, into *head; map->la set */
static int z_find_head(struct z_walk *w, u64 la, struct z_lcl *head,
		       struct erofs_map *map)
{
	unsigned int bits = w->vi->z_lclusterbits;
	u64 lcn = la >> bits, endoff = la & ((1ULL << bits) - 1);
	int err = z_load(w, lcn, false, head);

	if (err)
		return err;
	if (head->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		err = z_lookback(w, head, head->delta[0]);
	} else if (endoff < head->clusterofs) {
		if (!lcn)
			return zbad(w, EROFS_PB_Z_INDEX,
				    "first extent starts at offset %u, not 0",
				    head->clusterofs);
		err = z_lookback(w, head, 1);
	}
	if (!err)
		map->la = head->lcn << bits | head->clusterofs;
	return err;
}

/* fsck: a NONHEAD inside the extent of @head must look back to it */
static int z_verify_nonhead(struct z_walk *w, const struct z_lcl *l,
			    const struct z_lcl *head, u64 *reach)
{
	struct z_lcl back = *l;
	u64 d1 = l->delta[1] ? l->delta[1] : 1;
	int err;

	if (l->lcn + d1 > *reach)
		*reach = l->lcn + d1;
	if (l->cblks && l->lcn != head->lcn + 1)
		return zbad(w, EROFS_PB_Z_INDEX,
			    "lcluster %llu has a block count, %llu after its head",
			    (unsigned long long)l->lcn,
			    (unsigned long long)(l->lcn - head->lcn));
	err = z_lookback(w, &back, l->delta[0]);
	if (!err && back.lcn != head->lcn)
		err = zbad(w, EROFS_PB_Z_INDEX,
			   "lcluster %llu looks back to lcluster %llu, its head is %llu",
			   (unsigned long long)l->lcn,
			   (unsigned long long)back.lcn,
			   (unsigned long long)head->lcn);
	return err;
}

/* where the extent from @head ends: the next head, or the end of file */
static int z_extent_end(struct z_walk *w, const struct z_lcl *head,
			struct erofs_map *map)
{
	const struct erofs_inode *vi = w->vi;
	unsigned int bits = vi->z_lclusterbits;
	u64 lcn = head->lcn + 1, end, reach = 0;
	struct z_lcl l;

	for (;;) {
		if (lcn << bits >= vi->size) {
			end = vi->size;
			break;
		}
		if ((lcn << bits) - map->la > Z_EROFS_PCLUSTER_MAX_DSIZE)
			return zbad(w, EROFS_PB_Z_EXTENT,
				    "extent at %llu decodes to more than %u bytes",
				    (unsigned long long)map->la,
				    Z_EROFS_PCLUSTER_MAX_DSIZE);
		if (z_load(w, lcn, true, &l))
			return -EFSCORRUPTED;
		if (l.type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			end = lcn << bits | l.clusterofs;
			break;
		}
		if (w->verify && z_verify_nonhead(w, &l, head, &reach))
			return -EFSCORRUPTED;
		lcn += w->verify || !l.delta[1] ? 1 : l.delta[1];
	}
	if (w->verify && reach > lcn && lcn < z_nlcl(vi))
		return zbad(w, EROFS_PB_Z_INDEX,
			    "lclusters of the extent at %llu point past its end at lcluster %llu",
			    (unsigned long long)map->la,
			    (unsigned long long)lcn);
	if (end > vi->size) {
		end = vi->size;
		map->flags |= EROFS_MAP_PARTIAL_REF;
	}
	map->llen = end - map->la;
	if (map->llen > Z_EROFS_PCLUSTER_MAX_DSIZE)
		return zbad(w, EROFS_PB_Z_EXTENT,
			    "extent at %llu decodes to %llu bytes, more than %u",
			    (unsigned long long)map->la,
			    (unsigned long long)map->llen,
			    Z_EROFS_PCLUSTER_MAX_DSIZE);
	return 0;
}

/* blocks of the pcluster whose head is @head */
static int z_pcluster_blocks(struct z_walk *w, const struct z_lcl *head,
			     u64 *nblks)
{
	const struct erofs_inode *vi = w->vi;
	bool big1 = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
	bool big2 = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2;
	bool big = head->type == Z_EROFS_LCLUSTER_TYPE_HEAD1 ? big1 : big2;
	struct z_lcl l;
	int err;

	*nblks = 1;
	if (!big || (head->lcn + 1) << vi->z_lclusterbits >= vi->size)
		return 0;
	err = z_load(w, head->lcn + 1, false, &l);
	if (err || l.type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
		return err;
	if (l.delta[0] != 1 || !l.cblks)
		return zbad(w, EROFS_PB_Z_INDEX,
			    "lcluster %llu after a head has no block count",
			    (unsigned long long)l.lcn);
	*nblks = l.cblks;
	return 0;
}

static int z_set_algorithm(struct z_walk *w, const struct z_lcl *head,
			   struct erofs_map *map)
{
	const struct erofs_inode *vi = w->vi;
	unsigned int alg;

	if (head->type == Z_EROFS_LCLUSTER_TYPE_PLAIN) {
		/* an inline tail is never interlaced, whatever the advise */
		map->algorithm = (vi->z_advise &
				  Z_EROFS_ADVISE_INTERLACED_PCLUSTER) &&
				 !(map->flags & EROFS_MAP_META) ?
				 EROFS_ZALG_INTERLACED : EROFS_ZALG_SHIFTED;
		if (map->llen > map->plen)
			return zbad(w, EROFS_PB_Z_EXTENT,
				    "uncompressed extent at %llu of %llu bytes in a pcluster of %llu",
				    (unsigned long long)map->la,
				    (unsigned long long)map->llen,
				    (unsigned long long)map->plen);
		return 0;
	}
	alg = vi->z_algs[head->type == Z_EROFS_LCLUSTER_TYPE_HEAD2];
	map->algorithm = alg;
	/* an id the format does not define, or the image did not announce,
	 * is damage; deflate is only a gap of this reader */
	if (alg >= Z_EROFS_COMPRESSION_MAX || !(w->img->z_algs & (1U << alg)))
		return zbad(w, EROFS_PB_Z_ALGORITHM,
			    "extent at %llu uses algorithm %u, not among the image's (0x%x)",
			    (unsigned long long)map->la, alg, w->img->z_algs);
	if (alg == Z_EROFS_COMPRESSION_DEFLATE)
		return zbad(w, EROFS_PB_COMPRESSED,
			    "extent at %llu uses algorithm %u, which this reader cannot decode",
			    (unsigned long long)map->la, alg);
	return 0;
}

/* where the pcluster is: inline, in the packed inode, or in blocks */
static int z_set_physical(struct z_walk *w, const struct z_lcl *head,
			  struct erofs_map *map)
{
	const struct erofs_inode *vi = w->vi;
	struct erofs_image *img = w->img;
	bool tail = head->lcn == vi->z_tail_lcn;
	u64 nblks, end;
	int err;

	if (tail && vi->z_idata_size) {
		map->flags |= EROFS_MAP_META;
		map->pa = vi->z_idata_pos;
		map->plen = vi->z_idata_size;
		return 0;
	}
	if (tail && (vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER)) {
		map->flags = EROFS_MAP_FRAGMENT | EROFS_MAP_MAPPED;
		map->pa = vi->z_fragmentoff;
		map->plen = 0;
		return 0;
	}
	err = z_pcluster_blocks(w, head, &nblks);
	if (err)
		return err;
	map->pa = erofs_pos(&img->sbi, head->pblk);
	map->plen = erofs_pos(&img->sbi, nblks);
	if (map->plen > Z_EROFS_PCLUSTER_MAX_SIZE)
		return zbad(w, EROFS_PB_Z_EXTENT,
			    "pcluster at %llu of %llu blocks is larger than %u bytes",
			    (unsigned long long)map->la,
			    (unsigned long long)nblks, Z_EROFS_PCLUSTER_MAX_SIZE);
	if (!erofs_add_ok(head->pblk, nblks, &end) ||
	    end > (img->data_end >> img->sbi.blkszbits))
		return zbad(w, EROFS_PB_Z_EXTENT,
			    "pcluster at %llu in blocks %llu..%llu is past the image end",
			    (unsigned long long)map->la,
			    (unsigned long long)head->pblk,
			    (unsigned long long)(head->pblk + nblks - 1));
	return 0;
}

int z_erofs_map(struct erofs_image *img, const struct erofs_inode *vi,
		struct erofs_map *map, unsigned int flags,
		struct erofs_problem_note *note)
{
	struct z_walk w = {
		.img = img, .vi = vi, .note = note,
		.quiet = flags & EROFS_RD_QUIET,
		.verify = flags & EROFS_RD_VERIFY,
	};
	struct z_lcl head;
	int err;

	map->flags = 0;
	map->algorithm = 0;
	if (vi->z_whole_fragment) {
		map->la = 0;
		map->llen = vi->size;
		map->pa = vi->z_fragmentoff;
		map->plen = 0;
		map->flags = EROFS_MAP_FRAGMENT | EROFS_MAP_MAPPED;
		return 0;
	}
	err = z_find_head(&w, map->la, &head, map);
	if (!err)
		err = z_extent_end(&w, &head, map);
	if (!err)
		err = z_set_physical(&w, &head, map);
	if (err || (map->flags & EROFS_MAP_FRAGMENT))
		return err;
	map->flags |= EROFS_MAP_MAPPED | EROFS_MAP_ENCODED;
	if (head.partialref)
		map->flags |= EROFS_MAP_PARTIAL_REF;
	return z_set_algorithm(&w, &head, map);
}

/* ---- the map header ---- */

/* bytes of the index table, as the kernel lays it out */
static u64 z_index_bytes(const struct erofs_inode *vi, unsigned int blkszbits)
{
	struct z_cpos c;
	u64 n = z_nlcl(vi), blks;

	if (vi->datalayout == EROFS_INODE_COMPRESSED_FULL)
		return 8 + n * sizeof(struct z_erofs_lcluster_index);
	if (!n)
		return 0;
	blks = DIV_ROUND_UP(vi->size, 1ULL << blkszbits);
	z_compact_locate(vi, blks, n - 1, &c);
	return c.pack + c.packsize - z_header_pos(vi) -
	       sizeof(struct z_erofs_map_header);
}

static int z_check_header(struct z_walk *w, struct erofs_inode *vi)
{
	struct erofs_image *img = w->img;
	bool compact = vi->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
	bool big1 = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
	bool big2 = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2;
	u64 len;

	if (!compact && (vi->z_advise & Z_EROFS_ADVISE_EXTENTS))
		return zbad(w, EROFS_PB_COMPRESSED,
			    "extent records (48bit layout) are not supported");
	if (vi->z_lclusterbits > (compact ? 14 : 24))
		return zbad(w, EROFS_PB_Z_HEADER,
			    "lcluster size 2^%u is not supported here",
			    vi->z_lclusterbits);
	if (compact && vi->z_lclusterbits > 12 &&
	    (vi->z_advise & Z_EROFS_ADVISE_COMPACTED_2B))
		return zbad(w, EROFS_PB_Z_HEADER,
			    "2-byte compact indexes with lclusters of 2^%u",
			    vi->z_lclusterbits);
	if (compact && big1 != big2)
		return zbad(w, EROFS_PB_Z_HEADER,
			    "compact indexes with big pclusters for one head type only");
	if ((big1 || big2) &&
	    !(img->sbi.feature_incompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER))
		return zbad(w, EROFS_PB_Z_HEADER,
			    "big pclusters without the big_pcluster feature");
	if ((vi->z_advise & Z_EROFS_ADVISE_INLINE_PCLUSTER) &&
	    !(vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) &&
	    (!vi->z_idata_size ||
	     vi->z_idata_size > erofs_blksiz(&img->sbi)))
		return zbad(w, EROFS_PB_Z_HEADER,
			    "inline pcluster of %u bytes", vi->z_idata_size);
	if ((vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) &&
	    !img->packed)
		return zbad(w, EROFS_PB_Z_HEADER,
			    "file has a fragment, the image no packed inode");
	len = z_index_bytes(vi, img->sbi.blkszbits);
	if (!erofs_image_range_ok(img, z_header_pos(vi) +
				  sizeof(struct z_erofs_map_header), len))
		return zbad(w, EROFS_PB_Z_HEADER,
			    "index table of %llu lclusters runs past the image end",
			    (unsigned long long)z_nlcl(vi));
	return 0;
}

/* the tail extent's head (ztailpacking, fragments): its lcluster */
static int z_find_tail(struct z_walk *w, struct erofs_inode *vi)
{
	struct erofs_map map = { 0 };
	struct z_lcl head;
	u64 last = (vi->size - 1) >> vi->z_lclusterbits;
	int err = z_load(w, last, false, &head);

	if (err)
		return err;
	if (vi->z_idata_size) {
		vi->z_idata_pos = head.nextpos;
		if ((vi->z_idata_pos & (erofs_blksiz(&w->img->sbi) - 1)) +
		    vi->z_idata_size > erofs_blksiz(&w->img->sbi) ||
		    !erofs_image_range_ok(w->img, vi->z_idata_pos,
					  vi->z_idata_size))
			return zbad(w, EROFS_PB_Z_HEADER,
				    "inline pcluster of %u bytes crosses a block boundary",
				    vi->z_idata_size);
	}
	err = z_find_head(w, vi->size - 1, &head, &map);
	if (err)
		return err;
	vi->z_tail_lcn = head.lcn;
	/* full indexes keep a fragment offset's upper half in the head */
	if ((vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) &&
	    vi->datalayout == EROFS_INODE_COMPRESSED_FULL)
		vi->z_fragmentoff |= head.pblk << 32;
	return 0;
}

int z_erofs_read_header(struct erofs_image *img, struct erofs_inode *vi)
{
	struct z_walk w = { .img = img, .vi = vi };
	struct z_erofs_map_header h;
	__le64 raw;
	int err;

	err = erofs_meta_read(img, &h, sizeof(h), z_header_pos(vi));
	if (err)
		return zbad(&w, err == -EIO ? EROFS_PB_IO : EROFS_PB_Z_HEADER,
			    "cannot read the map header: %s",
			    erofs_strerror(err));
	vi->z_tail_lcn = ~0ULL;
	if (h.h_clusterbits >> Z_EROFS_FRAGMENT_INODE_BIT) {
		memcpy(&raw, &h, sizeof(raw));
		vi->z_advise = Z_EROFS_ADVISE_FRAGMENT_PCLUSTER;
		vi->z_whole_fragment = true;
		vi->z_fragmentoff = le64_to_cpu(raw) & ~(1ULL << 63);
		vi->z_lclusterbits = img->sbi.blkszbits;
		if (!img->packed)
			return zbad(&w, EROFS_PB_Z_HEADER,
				    "file is a fragment, the image has no packed inode");
		return 0;
	}
	vi->z_advise = le16_to_cpu(h.h_advise);
	if (vi->z_advise & ~Z_ADVISE_KNOWN)
		return zbad(&w, EROFS_PB_Z_HEADER, "unknown advise bits 0x%x",
			    vi->z_advise & ~Z_ADVISE_KNOWN);
	vi->z_algs[0] = h.h_algorithmtype & 15;
	vi->z_algs[1] = h.h_algorithmtype >> 4;
	vi->z_lclusterbits = img->sbi.blkszbits + (h.h_clusterbits & 15);
	if (vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER)
		vi->z_fragmentoff = le32_to_cpu(h.h_fragmentoff);
	else if (vi->z_advise & Z_EROFS_ADVISE_INLINE_PCLUSTER)
		vi->z_idata_size = le32_to_cpu(h.h_fragmentoff) >> 16;
	err = z_check_header(&w, vi);
	if (err || !vi->size)
		return err;
	if (vi->z_idata_size ||
	    (vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER))
		return z_find_tail(&w, vi);
	return 0;
}
