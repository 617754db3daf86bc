/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Compressors behind one ops struct, one file per library.  Every call is
 * fixed-output: compress as much of the input as fits into a given number
 * of bytes, which is what an EROFS pcluster needs.  An instance keeps its
 * library state and belongs to one thread.
 */
#ifndef __EROFS_LIB_COMPRESSOR_H
#define __EROFS_LIB_COMPRESSOR_H

#include "erofs/defs.h"

struct z_erofs_compressor;

struct z_erofs_compressor_ops {
	const char *name;		/* as -z spells it */
	u8 alg;				/* Z_EROFS_COMPRESSION_* on disk */
	bool has_level;
	int default_level;
	/* valid levels: [min, max], and [xmin, xmax] when xmax > 0 */
	int min_level, max_level;
	int xmin_level, xmax_level;
	/* dictionary size for @pclustersize when -z gives none; 0: none */
	u32 (*default_dict)(unsigned int pclustersize);
	/* checks a dictionary size; NULL: the algorithm takes none */
	const char *(*check_dict)(u32 dict_size);
	/*
	 * Input to offer, in multiples of what the last pcluster took: more
	 * costs time on data that does not compress, less costs ratio.
	 */
	unsigned int offer_factor;
	/*
	 * Which input is passed over without a try (z_erofs_noise()): a
	 * try on a block of noise costs as much as on data that shrinks,
	 * and only finds again that it does not.
	 */
	u8 noise;

	int (*init)(struct z_erofs_compressor *c);
	void (*exit)(struct z_erofs_compressor *c);
	/*
	 * Compress a prefix of @src (*@srclen bytes available) into at most
	 * @dstlen bytes at @dst.  Returns the compressed size and sets
	 * *@srclen to the bytes consumed; or 0 when not even a little fits;
	 * or a negative errno.
	 */
	int (*compress_destsize)(struct z_erofs_compressor *c, const void *src,
				 unsigned int *srclen, void *dst,
				 unsigned int dstlen);
};

/* what -z asked for one algorithm */
struct z_erofs_alg_cfg {
	const struct z_erofs_compressor_ops *ops;
	int level;
	u32 dict_size;			/* 0 when the algorithm has none */
};

struct z_erofs_compressor {
	const struct z_erofs_compressor_ops *ops;
	int level;
	u32 dict_size;
	/*
	 * The input the previous pcluster of the same stream took and the
	 * bytes it became, 0 at the stream's start: a compressor that
	 * searches for the input that fits may start from that ratio.  The
	 * caller sets them from that stream alone, so that the output never
	 * depends on what else the thread compressed.
	 */
	unsigned int hint_in, hint_out;
	void *priv;
};

extern const struct z_erofs_compressor_ops z_erofs_lz4_ops;
extern const struct z_erofs_compressor_ops z_erofs_lz4hc_ops;
extern const struct z_erofs_compressor_ops z_erofs_lzma_ops;
extern const struct z_erofs_compressor_ops z_erofs_zstd_ops;

/* the ops called @name, or NULL */
const struct z_erofs_compressor_ops *z_erofs_compressor_find(const char *name);
/* the @i-th compressor of the table, NULL past its end: for listing them */
const struct z_erofs_compressor_ops *z_erofs_compressor_at(unsigned int i);

/* ops->noise */
enum {
	Z_NOISE_NONE = 0,	/* always try */
	/*
	 * LZ77 without entropy coding (lz4): a block with no 4-byte string
	 * twice can have no match, so its literals alone fill the block:
	 * passing it over gives the same image.
	 */
	Z_NOISE_MATCHES,
	/*
	 * Entropy-coded (lzma): also its byte counts must be as even as
	 * those of random bytes, so that there is nothing to code either.
	 */
	Z_NOISE_BYTES,
};

#define Z_NOISE_SCRATCH		(1U << 13)	/* u32 entries */
bool z_erofs_noise(const struct z_erofs_compressor_ops *ops, const u8 *src,
		   unsigned int len, u32 *scratch);

bool z_erofs_surely_fits(const void *src, unsigned int len, void *scratch,
			 unsigned int cap);

int z_erofs_compressor_init(struct z_erofs_compressor *c,
			    const struct z_erofs_alg_cfg *cfg);
void z_erofs_compressor_exit(struct z_erofs_compressor *c);

#endif
