// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * z_erofs_noise(): the blocks mkfs passes over without a try must be
 * blocks the compressor really cannot make a one-block pcluster of
 * (more than 4096 bytes of input into 4096), and data that does shrink
 * must not pass.  Checked against the real lz4hc and lzma encoders.
 */
#include <stdlib.h>
#include "compressor.h"
#include "check.h"

#define BLK	4096U
#define IN	(4 * BLK)

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u8 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 24;
}

/* input bytes a one-block pcluster takes of @src */
static unsigned int took(const struct z_erofs_compressor_ops *ops,
			 const u8 *src)
{
	struct z_erofs_alg_cfg cfg = {
		.ops = ops, .level = ops->default_level,
		.dict_size = ops->default_dict ? ops->default_dict(BLK) : 0,
	};
	struct z_erofs_compressor c;
	unsigned int len = IN;
	u8 out[BLK];
	int n;

	if (z_erofs_compressor_init(&c, &cfg))
		return 0;
	n = c.ops->compress_destsize(&c, src, &len, out, BLK);
	z_erofs_compressor_exit(&c);
	return n > 0 ? len : 0;
}

int main(void)
{
	static const struct z_erofs_compressor_ops matches = {
		.noise = Z_NOISE_MATCHES,
	};
	u32 *scratch = malloc(Z_NOISE_SCRATCH * sizeof(*scratch));
	u8 *src = malloc(IN);
	unsigned int passed = 0;

	if (!scratch || !src)
		return 99;
	CHECK_EQ(z_erofs_lzma_ops.noise, Z_NOISE_BYTES);

	/* random bytes: passed over, and neither encoder shrinks them */
	for (int round = 0; round < 20; round++) {
		for (unsigned int i = 0; i < IN; i++)
			src[i] = rnd();
		if (!z_erofs_noise(&z_erofs_lzma_ops, src, BLK, scratch))
			continue;	/* a chance repeat: tried, fine */
		passed++;
		CHECK(took(&z_erofs_lzma_ops, src) <= BLK);
		CHECK(took(&z_erofs_lz4hc_ops, src) <= BLK);
		CHECK(z_erofs_noise(&matches, src, BLK, scratch));
	}
	CHECK(passed >= 15);

	/* one 4-byte string twice: lz4 could match it, so it is tried */
	for (unsigned int i = 0; i < IN; i++)
		src[i] = rnd();
	memcpy(src + 3000, src + 100, 4);
	CHECK(!z_erofs_noise(&matches, src, BLK, scratch));
	CHECK(!z_erofs_noise(&z_erofs_lzma_ops, src, BLK, scratch));

	/*
	 * 7-bit random bytes: too few repeats for lz4 (no try, and lz4hc
	 * indeed takes no more than a block), but lzma codes them in 7 bits
	 * each, so lzma must try them.
	 */
	passed = 0;
	for (int round = 0; round < 10; round++) {
		for (unsigned int i = 0; i < IN; i++)
			src[i] = rnd() & 0x7f;
		CHECK(!z_erofs_noise(&z_erofs_lzma_ops, src, BLK, scratch));
		CHECK(took(&z_erofs_lzma_ops, src) > BLK);
		if (!z_erofs_noise(&matches, src, BLK, scratch))
			continue;
		passed++;
		CHECK(took(&z_erofs_lz4hc_ops, src) <= BLK);
	}
	CHECK(passed >= 5);

	/* text */
	for (unsigned int i = 0; i < IN; i++)
		src[i] = "the quick brown fox "[i % 20];
	CHECK(!z_erofs_noise(&matches, src, BLK, scratch));
	CHECK(!z_erofs_noise(&z_erofs_lzma_ops, src, BLK, scratch));

	/* compressors that always try */
	for (unsigned int i = 0; i < IN; i++)
		src[i] = rnd();
	CHECK(!z_erofs_noise(&z_erofs_zstd_ops, src, BLK, scratch));
	free(src);
	free(scratch);
	return check_exit("znoise_test");
}
