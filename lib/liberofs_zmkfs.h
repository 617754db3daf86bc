/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the compressing side of the image writer (mkfs_compress.c,
 * mkfs_zindex.c): how each file was cut into extents, and the state of
 * one build.
 *
 * Compressed sizes are only known after compressing, so compressed data
 * gets an area of its own right after the superblock's block, before the
 * metadata: files are compressed first, each read once, and each task's
 * blocks are placed there in task order (mkfs_zplace.c), whichever worker
 * finishes first.  The layout then puts the metadata after that area.
 * Only raw fragment bytes wait in scratch files (beside the image) until
 * the packed inode is built from them.
 */
#ifndef __LIBEROFS_ZMKFS_H
#define __LIBEROFS_ZMKFS_H

#include <pthread.h>
#include "compressor.h"
#include "liberofs_mkfs.h"

#define Z_MAX_ALGS		Z_EROFS_COMPRESSION_MAX

enum {
	Z_EXT_RAW	= 1 << 0,	/* stored uncompressed (PLAIN) */
	Z_EXT_INLINE	= 1 << 1,	/* ztailpacking: after the indexes */
	Z_EXT_FRAGMENT	= 1 << 2,	/* in the packed inode */
	Z_EXT_REF	= 1 << 3,	/* -E dedupe: blocks placed before */
	Z_EXT_PARTIAL	= 1 << 4,	/* its pcluster holds more than this */
};

/*
 * one extent: @length bytes of the file, in @pblks blocks; those of a
 * Z_EXT_REF start at block @ref of the area, the others follow the
 * file's blocks before them
 */
struct z_extent {
	u32 length;
	u32 ref;
	u16 pblks;
	u8 flags;			/* Z_EXT_* */
};

struct mkfs_zinode {
	u8 digest[32];			/* SHA-256 of the content, if wanted */
	u64 area_off;			/* where its blocks are in the area */
	u64 pblocks;			/* blocks there */
	struct z_extent *ext;		/* NULL when stored uncompressed */
	u32 nextents, ext_cap;
	u8 *idata;			/* ztailpacking: the inline pcluster */
	u16 idata_size;			/* its bytes */
	u32 frag_id;			/* which scratch file its fragment is in */
	u64 frag_off;			/* where there */
	u32 frag_size;			/* fragment bytes */
	u64 fragoff;			/* where they went in the packed inode */
	/* -E fragments: its fragment is the end of this one's, so not packed */
	const struct mkfs_inode *tail_of;
	u64 cbytes;			/* compressed bytes, before rounding */
	u64 xxh[2];			/* -E dedupe: XXH3-128 of the content */
	const struct mkfs_inode *dup_of; /* -E dedupe: shares its blocks */
	bool refs;			/* -E dedupe: has Z_EXT_REF extents */
	u16 advise;			/* Z_EROFS_ADVISE_* */
	u8 alg;				/* Z_EROFS_COMPRESSION_* */
	bool raw;			/* fell back: the area holds plain data */
	bool plain;			/* fell back: written as uncompressed */
};

/* input a worker keeps of one file; extents never exceed it */
#define Z_WINDOW	(4U << 20)

/*
 * One task's output for the area: staged in memory until its turn comes,
 * or, past Z_OUT_MAX, written straight to its place once it has it; with
 * @early, also past Z_WINDOW when its turn has come by then.
 */
struct z_out {
	u8 *buf;
	u32 len, cap;			/* buf[0, len): task bytes [off, pos) */
	u64 off, pos;
	u64 ticket;			/* the task's place in the order */
	u64 base;			/* streaming: area offset of byte 0 */
	bool streaming;
	bool early;			/* the task never rewinds past Z_WINDOW */
};

/* appends to a scratch file, batched */
struct z_spill {
	int fd;
	u64 pos;			/* where the next byte goes */
	u64 stage_off;			/* file offset of stage[0] */
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
	/* -E fragments: raw fragment bytes, one scratch file per worker */
	int *spill_fds;
	u64 *spill_end;			/* bytes written to each */
	unsigned int nspill;
	/* the data area and the order tasks are placed in it */
	pthread_mutex_t lock;
	pthread_cond_t turn;
	u64 area_start;			/* image offset of the area */
	u64 area;			/* its bytes so far */
	u64 placed;			/* tickets placed so far */
	struct z_parked *parked;	/* done, waiting for their turn */
	u64 parked_bytes;
	int error;			/* a task failed: nobody waits */
	struct z_dedupe *dd;		/* -E dedupe: files placed so far */
	struct z_roll *roll;		/* -E dedupe: pclusters placed so far */
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

/*
 * Who calls whom, one way only: mkfs_zfile.c (the workers) calls
 * mkfs_zplace.c, mkfs_zpacked.c and mkfs_zdedupe.c; mkfs_zplace.c calls
 * mkfs_zdedupe.c; all of them call mkfs_zio.c, which calls none.
 */

/* mkfs_zio.c */
int z_open_spill(const struct erofs_mkfs_cfg *cfg);
int z_pwrite_all(int fd, const u8 *p, size_t len, u64 pos, const char *what);
int z_pread_all(int fd, u8 *p, size_t len, u64 pos, const char *what);

/* mkfs_zplace.c */
int z_out_write(struct mkfs_ctx *ctx, struct z_out *o, const void *buf,
		u32 len);
void z_out_rewind(struct z_out *o, u64 pos);
int z_out_finish(struct mkfs_ctx *ctx, struct z_out *o, struct mkfs_zinode *z,
		 struct mkfs_inode *in);
void z_out_abort(struct mkfs_ctx *ctx, int err);
void z_place_release(struct mkfs_zctx *zc);

/* mkfs_zpacked.c */
int z_match_tails(struct mkfs_ctx *ctx, struct mkfs_inode ***cut, u64 *ncut);
int z_build_packed(struct mkfs_ctx *ctx, int *fd);

/* mkfs_zdedupe.c */
int z_dedupe_find(struct mkfs_ctx *ctx, struct mkfs_inode *in, const u8 *buf,
		  u64 off, bool *dup);
int z_dedupe_init(struct mkfs_zctx *zc, unsigned int blkszbits);
void z_dedupe_release(struct mkfs_zctx *zc);

/* -E dedupe inside and across files: a match for input at @p */
struct z_roll_hit {
	u32 p;				/* where in the buffer it starts */
	u32 len;			/* bytes that match */
	u32 blk;			/* area block of the pcluster */
	u16 pblks;
	bool partial;			/* the pcluster holds more */
	bool raw;
};

bool z_roll_match(struct z_roll *r, const u8 *buf, u32 lo, u32 hi, u32 end,
		  struct z_roll_hit *hit);
bool z_roll_scan(struct z_roll *r, const u8 *buf, u32 lo, u32 hi, u32 end,
		 struct z_roll_hit *hit);
int z_roll_insert(struct z_roll *r, const u8 *data, u32 len, u32 blk,
		  u16 pblks, bool raw);
void z_roll_end(struct z_roll *r, bool drop);
struct mkfs_inode *z_roll_file(struct z_roll *r, const struct mkfs_inode *in,
			       u64 *i);
int z_roll_add_file(struct z_roll *r, struct mkfs_inode *in);

/* mkfs_zindex.c */
u32 z_meta_min(const struct mkfs_ctx *ctx, u64 size);
u8 z_datalayout(const struct mkfs_zctx *zc, const struct mkfs_inode *in);
int z_build_meta(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		 u8 **out, u32 *len);

#endif
