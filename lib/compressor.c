// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The table of compressors that -z can name, and their life cycle.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "compressor.h"

static const struct z_erofs_compressor_ops *const compressors[] = {
	&z_erofs_lz4_ops,
	&z_erofs_lz4hc_ops,
	&z_erofs_lzma_ops,
	&z_erofs_zstd_ops,
};

const struct z_erofs_compressor_ops *z_erofs_compressor_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(compressors); i++)
		if (!strcmp(compressors[i]->name, name))
			return compressors[i];
	return NULL;
}

const struct z_erofs_compressor_ops *z_erofs_compressor_at(unsigned int i)
{
	return i < ARRAY_SIZE(compressors) ? compressors[i] : NULL;
}

int z_erofs_compressor_init(struct z_erofs_compressor *c,
			    const struct z_erofs_alg_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->ops = cfg->ops;
	c->level = cfg->level;
	c->dict_size = cfg->dict_size;
	return c->ops->init ? c->ops->init(c) : 0;
}

/*
 * Sum of the squared byte counts of @src, against what uniform random
 * bytes give on average, n + n(n - 1) / 256, plus 2.7%.  Of 56,892
 * lzma tries on 4 KiB blocks (/usr/share/doc, man, locale, icons, fonts,
 * perl, mesa drivers; 16,000 blocks of .gz data passed), none that
 * passed this and had no repeated string became a pcluster; the nearest
 * block that did was 3% above the bound.
 */
static bool z_bytes_even(const u8 *src, unsigned int len)
{
	u32 count[256] = { 0 };
	u64 sq = 0, even = len + (u64)len * (len - 1) / 256;

	for (unsigned int i = 0; i < len; i++)
		count[src[i]]++;
	for (unsigned int i = 0; i < 256; i++)
		sq += (u64)count[i] * count[i];
	return sq <= even + even / 37;
}

/* whether some 4-byte string of @src occurs twice in it */
static bool z_has_repeat(const u8 *src, unsigned int len, u32 *last)
{
	memset(last, 0xff, Z_NOISE_SCRATCH * sizeof(*last));
	for (unsigned int i = 0; i + 4 <= len; i++) {
		u32 v, h;

		memcpy(&v, src + i, 4);
		h = (v * 2654435761U) >> 19;	/* 13 bits: Z_NOISE_SCRATCH */
		if (last[h] != UINT32_MAX && !memcmp(src + last[h], src + i, 4))
			return true;
		last[h] = i;
	}
	return false;
}

/*
 * Whether @ops may pass over the @len bytes at @src as a block that
 * cannot shrink (see ops->noise).  @scratch holds Z_NOISE_SCRATCH words.
 */
bool z_erofs_noise(const struct z_erofs_compressor_ops *ops, const u8 *src,
		   unsigned int len, u32 *scratch)
{
	if (ops->noise == Z_NOISE_NONE)
		return false;
	if (ops->noise == Z_NOISE_BYTES && !z_bytes_even(src, len))
		return false;
	return !z_has_repeat(src, len, scratch);
}

void z_erofs_compressor_exit(struct z_erofs_compressor *c)
{
	if (c->ops && c->ops->exit)
		c->ops->exit(c);
	c->ops = NULL;
	c->priv = NULL;
}
