// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * File data maps: a logical offset to an extent (plain blocks, an inline
 * tail, a chunk, a hole).  Compressed layouts answer through the same
 * erofs_map_blocks() with ENCODED extents (reader_zmap.c).  Below both
 * readers of data: reader_data.c (plain) and reader_zdata.c (compressed).
 */
#include <string.h>
#include "liberofs_reader.h"

static int map_flat(struct erofs_image *img, const struct erofs_inode *vi,
		    struct erofs_map *map)
{
	unsigned int blksz = erofs_blksiz(&img->sbi);
	u64 nblocks = DIV_ROUND_UP(vi->size, blksz);
	u64 head = vi->size;

	if (vi->datalayout == EROFS_INODE_FLAT_INLINE)
		head = (nblocks - 1) * blksz;
	if (map->la >= head) {
		map->la = head;
		map->llen = vi->size - head;
		map->pa = erofs_inode_meta_end(vi);
		map->flags = EROFS_MAP_MAPPED | EROFS_MAP_META;
	} else {
		map->la = 0;
		map->llen = head;
		map->pa = erofs_pos(&img->sbi, vi->startblk);
		map->flags = EROFS_MAP_MAPPED;
		if (vi->datalayout == EROFS_INODE_FLAT_PLAIN &&
		    vi->startblk == EROFS_NULL_ADDR)
			map->flags = 0;
	}
	map->plen = map->flags ? map->llen : 0;
	return 0;
}

static int chunk_block(struct erofs_image *img, const struct erofs_inode *vi,
		       u64 chunknr, u64 *blk, bool quiet,
		       struct erofs_problem_note *note)
{
	bool indexes = vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES;
	unsigned int unit = indexes ? sizeof(struct erofs_inode_chunk_index) : 4;
	u64 pos = round_up(erofs_inode_meta_end(vi), (u64)unit) + chunknr * unit;
	struct erofs_inode_chunk_index idx;
	__le32 addr;
	int err;

	if (indexes) {
		err = erofs_meta_read(img, &idx, sizeof(idx), pos);
		addr = idx.startblk_lo;
	} else {
		err = erofs_meta_read(img, &addr, sizeof(addr), pos);
	}
	if (err)
		return erofs_notef(img, note, quiet, err == -EIO ? EROFS_PB_IO :
				     EROFS_PB_INODE_CHUNK, vi->nid,
				     "cannot read chunk %llu: %s",
				     (unsigned long long)chunknr,
				     erofs_strerror(err));
	if (indexes && idx.device_id)
		return erofs_notef(img, note, quiet, EROFS_PB_INODE_CHUNK, vi->nid,
				     "chunk %llu on device %u: no extra devices",
				     (unsigned long long)chunknr,
				     le16_to_cpu(idx.device_id));
	*blk = le32_to_cpu(addr);
	return 0;
}

static int map_chunk(struct erofs_image *img, const struct erofs_inode *vi,
		     struct erofs_map *map, bool quiet,
		     struct erofs_problem_note *note)
{
	u64 chunknr = map->la >> vi->chunkbits, blk = 0, nblks, end;
	unsigned int blksz = erofs_blksiz(&img->sbi);
	int err = chunk_block(img, vi, chunknr, &blk, quiet, note);

	if (err)
		return err;
	map->la = chunknr << vi->chunkbits;
	map->llen = vi->size - map->la;
	if (map->llen > 1ULL << vi->chunkbits)
		map->llen = 1ULL << vi->chunkbits;
	map->flags = 0;
	map->pa = map->plen = 0;
	if (blk == EROFS_NULL_ADDR)
		return 0;
	nblks = DIV_ROUND_UP(map->llen, blksz);
	if (!erofs_add_ok(blk, nblks, &end) ||
	    end > (img->data_end >> img->sbi.blkszbits))
		return erofs_notef(img, note, quiet, EROFS_PB_INODE_CHUNK, vi->nid,
				     "chunk %llu at blocks %llu..%llu is past the image end",
				     (unsigned long long)chunknr,
				     (unsigned long long)blk,
				     (unsigned long long)(blk + nblks - 1));
	map->pa = erofs_pos(&img->sbi, blk);
	map->plen = map->llen;
	map->flags = EROFS_MAP_MAPPED;
	return 0;
}

static int map_any(struct erofs_image *img, const struct erofs_inode *vi,
		   struct erofs_map *map, unsigned int flags,
		   struct erofs_problem_note *note)
{
	bool quiet = flags & EROFS_RD_QUIET;

	map->algorithm = 0;
	if (map->la >= vi->size) {
		map->la = vi->size;
		map->llen = map->plen = map->pa = 0;
		map->flags = 0;
		return 0;
	}
	switch (vi->datalayout) {
	case EROFS_INODE_FLAT_PLAIN:
	case EROFS_INODE_FLAT_INLINE:
		return map_flat(img, vi, map);
	case EROFS_INODE_CHUNK_BASED:
		return map_chunk(img, vi, map, quiet, note);
	}
	return z_erofs_map(img, vi, map, flags, note);
}

int erofs_map_blocks(struct erofs_image *img, const struct erofs_inode *vi,
		     struct erofs_map *map, unsigned int flags)
{
	return map_any(img, vi, map, flags, NULL);
}

int erofs_map_blocks_noted(struct erofs_image *img,
			   const struct erofs_inode *vi, struct erofs_map *map,
			   unsigned int flags, struct erofs_problem_note *note)
{
	return map_any(img, vi, map, flags, note);
}

int erofs_check_data_map(struct erofs_image *img, const struct erofs_inode *vi,
			 u64 *mapped_bytes)
{
	struct erofs_map map = { 0 };
	u64 mapped = 0;

	while (map.la < vi->size) {
		int err = erofs_map_blocks(img, vi, &map, 0);

		if (err)
			return err;
		if (map.flags & EROFS_MAP_MAPPED)
			mapped += map.plen;
		map.la += map.llen;
	}
	if (mapped_bytes)
		*mapped_bytes = mapped;
	return 0;
}
