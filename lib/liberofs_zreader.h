/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the compressed-data reader (reader_zmap.c, reader_zdecode.c,
 * reader_zdata.c): the per-thread buffers and one pcluster's decoding.
 */
#ifndef __LIBEROFS_ZREADER_H
#define __LIBEROFS_ZREADER_H

#include <lzma.h>
#include "liberofs_reader.h"

/* buffers larger than this are given back between files */
#define Z_TRIM_ABOVE	(4U << 20)

/* the last extent decoded into one buffer */
struct z_slot {
	u8 *buf;
	size_t cap;
	u64 nid, la, llen;
	bool valid;
};

struct erofs_zreader {
	u8 *in;			/* the pcluster as stored */
	size_t incap;
	struct z_slot file;	/* an extent of a file */
	struct z_slot packed;	/* an extent of the packed inode */
	lzma_stream lzma;
	bool lzma_used;
	struct ZSTD_DCtx_s *zstd;
};

/*
 * One pcluster: decode @in (@inlen bytes as stored) into exactly @outlen
 * bytes at @out; @partial when the stream may decode to more.  Returns 0,
 * -EFSCORRUPTED with the reason in @why, -EOPNOTSUPP or -ENOMEM.
 */
struct z_erofs_decode_req {
	const u8 *in;
	unsigned int inlen;
	u8 *out;
	unsigned int outlen;
	unsigned int alg;		/* Z_EROFS_COMPRESSION_*, EROFS_ZALG_* */
	unsigned int blksz;
	unsigned int interlace_off;	/* INTERLACED: the extent's la */
	u32 lzma_dict;			/* the image's lzma window, 0: unknown */
	bool partial;
	bool zero_padding;		/* lz4: data at the end of @in */
};

int z_erofs_decode(struct erofs_zreader *zr,
		   const struct z_erofs_decode_req *rq, char *why,
		   size_t whylen);
int z_grow(u8 **buf, size_t *cap, size_t len);

/* compact index packs (reader_zmap.c), exposed for the unit tests */
unsigned int z_erofs_compact_entry(const u8 *pack, unsigned int packsize,
				   unsigned int vcnt, unsigned int lobits,
				   unsigned int i, u8 *type);
int z_erofs_compact_pblk(const u8 *pack, unsigned int packsize,
			 unsigned int vcnt, unsigned int lobits,
			 unsigned int slot, bool big, u64 *pblk);

#endif
