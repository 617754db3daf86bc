/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the compressing side of the image writer (mkfs_compress.c,
 * mkfs_zindex.c): how each file was cut into extents, and the state of
 * one build.
 *
 * Compressed sizes are only known after compressing, yet the writer lays
 * out the whole image before it writes.  So files are compressed first,
 * each read once, into per-worker spill files; the layout then uses the
 * exact sizes, and the writer copies each file's blocks from the spill.
 */
#ifndef __LIBEROFS_ZMKFS_H
#define __LIBEROFS_ZMKFS_H

#include "compressor.h"
#include "liberofs_mkfs.h"

#define Z_MAX_ALGS		Z_EROFS_COMPRESSION_MAX

enum {
	Z_EXT_RAW	= 1 << 0,	/* stored uncompressed (PLAIN) */
	Z_EXT_INLINE	= 1 << 1,	/* ztailpacking: after the indexes */
	Z_EXT_FRAGMENT	= 1 << 2,	/* in the packed inode */
};

/* one extent: @length bytes of the file, in @pblks blocks */
struct z_extent {
	u32 length;
	u16 pblks;
	u8 flags;			/* Z_EXT_* */
};

struct mkfs_zinode {
	u8 digest[32];			/* SHA-256 of the content, if wanted */
	u32 spill_id;			/* which worker's spill file */
	u64 spill_off;			/* where its blocks start there */
	u64 pblocks;			/* blocks in the spill */
	struct z_extent *ext;		/* NULL when stored uncompressed */
	u32 nextents, ext_cap;
	u16 idata_size;			/* inline bytes after the blocks */
	u32 frag_size;			/* fragment bytes after the blocks */
	u64 fragoff;			/* where they went in the packed inode */
	u64 xxh[2];			/* -E dedupe: XXH3-128 of the content */
	const struct mkfs_inode *dup_of; /* -E dedupe: shares its blocks */
	u16 advise;			/* Z_EROFS_ADVISE_* */
	u8 alg;				/* Z_EROFS_COMPRESSION_* */
	bool raw;			/* fell back: the spill holds plain data */
};

/* appends to a spill file, batched */
struct z_spill {
	int fd;
	u64 pos;			/* where the next byte goes */
	u64 stage_off;			/* spill offset of stage[0] */
	u32 stage_len;
	u8 *stage;
};

struct mkfs_zctx {
	struct z_erofs_alg_cfg algs[Z_MAX_ALGS];
	unsigned int nalgs;
	u16 available_algs;		/* bit per on-disk algorithm */
	unsigned int pclustersize;	/* bytes */
	bool big_pcluster;		/* pclusters may be > 1 block */
	bool compr_cfgs;		/* records after the superblock */
	bool compact;			/* compact indexes, else full */
	u32 cfgs_size;			/* bytes of those records */
	int *spill_fds;
	u64 *spill_end;			/* bytes written to each */
	unsigned int nspill;
	/* files compressed in segments are joined here, and its id */
	struct z_spill join;
	int join_id;
	/* -E fragments: the packed inode, until the layout links it in */
	struct mkfs_inode *packed;
	bool packed_linked;
};

static inline bool z_fragments(const struct erofs_mkfs_cfg *cfg)
{
	return cfg->fragments || cfg->all_fragments;
}

static inline bool z_whole_fragment(const struct mkfs_inode *in)
{
	return in->z && in->z->frag_size && in->z->frag_size == in->size;
}

/* mkfs_compress.c */
int z_parse_algs(const char *spec, unsigned int pclustersize,
		 struct z_erofs_alg_cfg *algs, unsigned int *nalgs);

/* mkfs_zfile.c */
int z_compress_fd(struct mkfs_ctx *ctx, struct mkfs_inode *in, int fd);
int z_add_spill(struct mkfs_ctx *ctx);
int z_open_spill(const struct erofs_mkfs_cfg *cfg);
int z_pwrite_all(int fd, const u8 *p, size_t len, u64 pos, const char *what);
int z_pread_all(int fd, u8 *p, size_t len, u64 pos, const char *what);

/* mkfs_zpacked.c */
int z_build_packed(struct mkfs_ctx *ctx);

/* mkfs_zdedupe.c */
int z_dedupe_files(struct mkfs_ctx *ctx);

/* mkfs_zindex.c */
u8 z_datalayout(const struct mkfs_zctx *zc, const struct mkfs_inode *in);
int z_build_meta(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		 u8 **out, u32 *len);

#endif
