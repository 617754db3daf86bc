// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Reading compressed files: the superblock's algorithm records, the
 * packed inode, and the bytes of an extent, decoded whole into a
 * per-thread buffer and served from there until the next extent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "liberofs_zreader.h"

/* ---- superblock: cfgs records and the packed inode ---- */

static int z_cfg_record(struct erofs_image *img, unsigned int alg, u64 *pos)
{
	u8 rec[32] = { 0 };
	__le16 len16;
	unsigned int len;
	int err;

	*pos = round_up(*pos, 4ULL);
	err = erofs_meta_read(img, &len16, 2, *pos);
	len = le16_to_cpu(len16);
	if (!err && (!len || len > 256))
		err = -EFSCORRUPTED;
	if (!err)
		err = erofs_meta_read(img, rec, len < sizeof(rec) ? len :
				      sizeof(rec), *pos + 2);
	if (err)
		return erofs_report(img, EROFS_PB_Z_CFGS, EROFS_NID_NONE,
				    "cannot read the record of algorithm %u: %s",
				    alg, erofs_strerror(err));
	*pos += 2 + len;
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4:
		if (len < sizeof(struct z_erofs_lz4_cfgs))
			break;
		img->lz4_max_distance = rec[0] | rec[1] << 8;
		img->lz4_max_pclusterblks = rec[2] | rec[3] << 8;
		return 0;
	case Z_EROFS_COMPRESSION_LZMA:
		if (len < sizeof(struct z_erofs_lzma_cfgs) || rec[4] || rec[5])
			break;
		img->lzma_dict_size = rec[0] | rec[1] << 8 | rec[2] << 16 |
				      (u32)rec[3] << 24;
		if (img->lzma_dict_size > Z_EROFS_LZMA_MAX_DICT_SIZE)
			break;
		return 0;
	case Z_EROFS_COMPRESSION_ZSTD:
		if (len < sizeof(struct z_erofs_zstd_cfgs) || rec[0] ||
		    rec[1] + 10 > 20)
			break;
		img->zstd_windowlog = rec[1];
		return 0;
	default:
		return 0;
	}
	return erofs_report(img, EROFS_PB_Z_CFGS, EROFS_NID_NONE,
			    "bad record of %u bytes for algorithm %u", len, alg);
}

static int z_read_cfgs(struct erofs_image *img)
{
	u16 algs = le16_to_cpu(img->dsb.available_compr_algs);
	u64 pos = EROFS_SUPER_OFFSET + img->sb_size;

	if (!(img->sbi.feature_incompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS)) {
		/* older images: lz4 only, the field is its window */
		img->z_algs = 1U << Z_EROFS_COMPRESSION_LZ4;
		img->lz4_max_distance = algs;
		return 0;
	}
	if (algs & ~((1U << Z_EROFS_COMPRESSION_MAX) - 1))
		erofs_report(img, EROFS_PB_Z_CFGS, EROFS_NID_NONE,
			     "unknown compression algorithms 0x%x",
			     algs & ~((1U << Z_EROFS_COMPRESSION_MAX) - 1));
	img->z_algs = algs & ((1U << Z_EROFS_COMPRESSION_MAX) - 1);
	for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++) {
		if (!(img->z_algs & (1U << alg)))
			continue;
		if (z_cfg_record(img, alg, &pos))
			return -EFSCORRUPTED;
	}
	return 0;
}

static int z_read_packed(struct erofs_image *img)
{
	struct erofs_inode *vi;
	int err;

	if (!(img->sbi.feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS) ||
	    !img->packed_nid)
		return 0;
	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	err = erofs_read_inode(img, img->packed_nid, vi);
	if (!err && !S_ISREG(vi->mode))
		err = erofs_report(img, EROFS_PB_Z_FRAGMENT, img->packed_nid,
				   "packed inode is not a regular file");
	if (err) {
		free(vi);
		return err == -ENOMEM ? err : 0;
	}
	img->packed = vi;
	return 0;
}

int z_erofs_read_super(struct erofs_image *img)
{
	int err;

	img->z_zero_padding = img->sbi.feature_incompat &
			      EROFS_FEATURE_INCOMPAT_LZ4_0PADDING;
	img->packed_nid = le64_to_cpu(img->dsb.packed_nid);
	err = z_read_cfgs(img);
	if (err == -EFSCORRUPTED)
		err = 0;	/* reported; extents say the rest */
	if (!err)
		err = z_read_packed(img);
	return err;
}

/* ---- extents ---- */

static bool z_is_packed(const struct erofs_image *img,
			const struct erofs_inode *vi)
{
	return img->packed && vi->nid == img->packed_nid;
}

/* decode the extent @map of @vi into its slot, unless it is there */
static int z_decode_extent(struct erofs_image *img,
			   const struct erofs_inode *vi,
			   const struct erofs_map *map, struct erofs_zreader *zr,
			   struct erofs_problem_note *note, bool quiet,
			   struct z_slot **out)
{
	struct z_slot *s = z_is_packed(img, vi) ? &zr->packed : &zr->file;
	struct z_erofs_decode_req rq = {
		.inlen = map->plen, .outlen = map->llen,
		.alg = map->algorithm, .blksz = erofs_blksiz(&img->sbi),
		.interlace_off = map->la % erofs_blksiz(&img->sbi),
		.partial = map->flags & EROFS_MAP_PARTIAL_REF,
		.zero_padding = img->z_zero_padding,
		.lzma_dict = img->lzma_dict_size,
	};
	char why[160];
	int err;

	*out = s;
	if (s->valid && s->nid == vi->nid && s->la == map->la &&
	    s->llen == map->llen)
		return 0;
	s->valid = false;
	if (map->plen > Z_EROFS_PCLUSTER_MAX_SIZE ||
	    map->llen > Z_EROFS_PCLUSTER_MAX_DSIZE)
		return erofs_notef(img, note, quiet, EROFS_PB_Z_EXTENT, vi->nid,
				   "extent at %llu is too large to decode",
				   (unsigned long long)map->la);
	if (z_grow(&zr->in, &zr->incap, map->plen) ||
	    z_grow(&s->buf, &s->cap, map->llen ? map->llen : 1))
		return erofs_notef(img, note, quiet, EROFS_PB_NOMEM, vi->nid,
				   "no memory to decode an extent of %llu bytes",
				   (unsigned long long)map->llen);
	err = erofs_image_pread(img, zr->in, map->plen, map->pa);
	if (err)
		return erofs_notef(img, note, quiet,
				   err == -EFSCORRUPTED ? EROFS_PB_Z_EXTENT :
				   EROFS_PB_IO, vi->nid,
				   "cannot read the pcluster of extent at %llu: %s",
				   (unsigned long long)map->la,
				   erofs_strerror(err));
	rq.in = zr->in;
	rq.out = s->buf;
	err = z_erofs_decode(zr, &rq, why, sizeof(why));
	if (err == -ENOMEM)
		return erofs_notef(img, note, quiet, EROFS_PB_NOMEM, vi->nid,
				   "no memory to decode the extent at %llu",
				   (unsigned long long)map->la);
	if (err)
		return erofs_notef(img, note, quiet, err == -EOPNOTSUPP ?
				   EROFS_PB_COMPRESSED : EROFS_PB_Z_DATA,
				   vi->nid,
				   "extent at %llu (%llu bytes from %llu at %llu): %s",
				   (unsigned long long)map->la,
				   (unsigned long long)map->llen,
				   (unsigned long long)map->plen,
				   (unsigned long long)map->pa, why);
	s->nid = vi->nid;
	s->la = map->la;
	s->llen = map->llen;
	s->valid = true;
	return 0;
}

static int z_read_range(struct erofs_image *img, const struct erofs_inode *vi,
			u8 *buf, size_t len, u64 off, struct erofs_zreader *zr,
			struct erofs_problem_note *note, bool quiet);

static int z_read_fragment(struct erofs_image *img,
			   const struct erofs_inode *vi,
			   const struct erofs_map *map, u8 *buf, size_t len,
			   u64 skip, struct erofs_zreader *zr,
			   struct erofs_problem_note *note, bool quiet)
{
	const struct erofs_inode *pk = img->packed;
	u64 pos, end;
	int err;

	if (!pk || z_is_packed(img, vi))
		return erofs_notef(img, note, quiet, EROFS_PB_Z_FRAGMENT,
				   vi->nid, "fragment %s",
				   pk ? "inside the packed inode" :
				   "but no packed inode");
	if (!erofs_add_ok(map->pa, skip, &pos) ||
	    !erofs_add_ok(pos, len, &end) || end > pk->size)
		return erofs_notef(img, note, quiet, EROFS_PB_Z_FRAGMENT,
				   vi->nid,
				   "fragment of %llu bytes at %llu is past the packed inode's end (%llu)",
				   (unsigned long long)map->llen,
				   (unsigned long long)map->pa,
				   (unsigned long long)pk->size);
	err = z_read_range(img, pk, buf, len, pos, zr, note, quiet);
	if (err && note && note->set) {
		char inner[sizeof(note->msg)];

		memcpy(inner, note->msg, sizeof(inner));
		snprintf(note->msg, sizeof(note->msg),
			 "fragment at %llu of the packed inode: %.200s",
			 (unsigned long long)pos, inner);
	}
	return err;
}

static int z_read_in_map(struct erofs_image *img, const struct erofs_inode *vi,
			 const struct erofs_map *map, u8 *buf, size_t len,
			 u64 off, struct erofs_zreader *zr,
			 struct erofs_problem_note *note, bool quiet)
{
	u64 skip = off - map->la;
	struct z_slot *s;
	int err;

	if (off < map->la || len > map->llen || skip > map->llen - len)
		return -EINVAL;
	if (!(map->flags & EROFS_MAP_MAPPED)) {
		memset(buf, 0, len);
		return 0;
	}
	if (map->flags & EROFS_MAP_FRAGMENT)
		return z_read_fragment(img, vi, map, buf, len, skip, zr, note,
				       quiet);
	if (map->flags & EROFS_MAP_ENCODED) {
		err = z_decode_extent(img, vi, map, zr, note, quiet, &s);
		if (!err)
			memcpy(buf, s->buf + skip, len);
		return err;
	}
	err = erofs_image_pread(img, buf, len, map->pa + skip);
	if (err)
		return erofs_notef(img, note, quiet,
				   err == -EFSCORRUPTED ? EROFS_PB_INODE_DATA :
				   EROFS_PB_IO, vi->nid,
				   "cannot read data at offset %llu: %s",
				   (unsigned long long)off, erofs_strerror(err));
	return 0;
}

static int z_map_any(struct erofs_image *img, const struct erofs_inode *vi,
		     struct erofs_map *map, struct erofs_problem_note *note,
		     bool quiet)
{
	return erofs_map_blocks_noted(img, vi, map, quiet ? EROFS_RD_QUIET : 0,
				      note);
}

static int z_read_range(struct erofs_image *img, const struct erofs_inode *vi,
			u8 *buf, size_t len, u64 off, struct erofs_zreader *zr,
			struct erofs_problem_note *note, bool quiet)
{
	u64 end;

	if (!erofs_add_ok(off, len, &end) || end > vi->size)
		return -EINVAL;
	while (len) {
		struct erofs_map map = { .la = off };
		u64 n;
		int err = z_map_any(img, vi, &map, note, quiet);

		if (!err && (map.la > off || map.la + map.llen <= off))
			err = erofs_notef(img, note, quiet, EROFS_PB_Z_EXTENT,
					  vi->nid, "no extent maps offset %llu",
					  (unsigned long long)off);
		if (err)
			return err;
		n = map.la + map.llen - off;
		if (n > len)
			n = len;
		err = z_read_in_map(img, vi, &map, buf, n, off, zr, note,
				    quiet);
		if (err)
			return err;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

int erofs_read_mapped(struct erofs_image *img, const struct erofs_inode *vi,
		      const struct erofs_map *map, void *buf, size_t len,
		      u64 off, struct erofs_zreader *zr,
		      struct erofs_problem_note *note)
{
	return z_read_in_map(img, vi, map, buf, len, off, zr, note, false);
}

/* erofs_read_data() of a compressed inode (or one with fragments) */
int z_erofs_read_data(struct erofs_image *img, const struct erofs_inode *vi,
		      void *buf, size_t len, u64 off, bool quiet,
		      struct erofs_zreader *zr)
{
	struct erofs_zreader *tmp = zr ? NULL : erofs_zreader_alloc();
	int err;

	if (!zr && !tmp)
		return erofs_reportf(img, quiet, EROFS_PB_NOMEM, vi->nid,
				     "no memory to read compressed data");
	err = z_read_range(img, vi, buf, len, off, zr ? zr : tmp, NULL,
			   quiet);
	erofs_zreader_free(tmp);
	return err;
}
