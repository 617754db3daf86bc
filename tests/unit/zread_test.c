// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The compressed-data reader's pure parts: decoding compact index packs
 * (entries, and the block address of a head counted from the pack base)
 * and decoding pclusters with each algorithm, including the checks that
 * make a short, long or damaged stream an error rather than a crash.
 * Packs are built here by hand from the layout in erofs_fs.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zstd.h>
#include "liberofs_zreader.h"
#include "check.h"

enum { PLAIN = 0, HEAD1 = 1, NONHEAD = 2, HEAD2 = 3 };

/* put entry @i (type, lo) into a pack of @vcnt entries */
static void put_entry(u8 *pack, unsigned int packsize, unsigned int vcnt,
		      unsigned int lobits, unsigned int i, unsigned int type,
		      unsigned int lo)
{
	unsigned int bits = (packsize - 4) * 8 / vcnt, pos = i * bits;
	u32 v = (type << lobits | lo) << (pos & 7);

	for (unsigned int b = pos / 8; v; b++, v >>= 8)
		pack[b] |= v & 0xff;
}

static void put_base(u8 *pack, unsigned int packsize, u32 base)
{
	for (int i = 0; i < 4; i++)
		pack[packsize - 4 + i] = base >> (8 * i);
}

static void test_entries(void)
{
	u8 pack[32] = { 0 };
	unsigned int lo;
	u8 type;

	/* 2B pack: 16 entries of 14 bits, lobits 12 */
	for (unsigned int i = 0; i < 16; i++)
		put_entry(pack, 32, 16, 12, i, i % 4, (i * 263) & 0xfff);
	for (unsigned int i = 0; i < 16; i++) {
		lo = z_erofs_compact_entry(pack, 32, 16, 12, i, &type);
		CHECK_EQ(type, i % 4);
		CHECK_EQ(lo, (i * 263) & 0xfff);
	}
	/* 4B pack: 2 entries of 16 bits, lobits 14 */
	memset(pack, 0, sizeof(pack));
	put_entry(pack, 8, 2, 14, 0, HEAD2, 0x3abc);
	put_entry(pack, 8, 2, 14, 1, NONHEAD, 0x0801);
	lo = z_erofs_compact_entry(pack, 8, 2, 14, 0, &type);
	CHECK_EQ(type, HEAD2);
	CHECK_EQ(lo, 0x3abc);
	lo = z_erofs_compact_entry(pack, 8, 2, 14, 1, &type);
	CHECK_EQ(type, NONHEAD);
	CHECK_EQ(lo, 0x0801);
}

/* a 2B pack (16 entries, lobits 12) of @n entries {type, lo}, @base */
static void put_pack(u8 *pack, const unsigned int (*ent)[2], unsigned int n,
		     u32 base)
{
	memset(pack, 0, 32);
	for (unsigned int i = 0; i < n; i++)
		put_entry(pack, 32, 16, 12, i, ent[i][0], ent[i][1]);
	put_base(pack, 32, base);
}

/* the block of each head {slot, block} in @want */
static void check_pblks(const u8 *pack, bool big,
			const unsigned int (*want)[2], unsigned int n)
{
	u64 pblk = 0;

	for (unsigned int i = 0; i < n; i++) {
		CHECK_EQ(z_erofs_compact_pblk(pack, 32, 16, 12, want[i][0], big,
					      &pblk), 0);
		CHECK_EQ(pblk, want[i][1]);
	}
}

/* one-block pclusters: each head before ours adds a block */
static void test_pblk_small(void)
{
	/* H N N H H N H ...: extents of 3, 1, 2 lclusters */
	static const unsigned int ent[][2] = {
		{ HEAD1, 0 }, { NONHEAD, 1 }, { NONHEAD, 2 }, { HEAD1, 100 },
		{ PLAIN, 7 }, { NONHEAD, 1 }, { HEAD1, 0 },
	};
	static const unsigned int want[][2] = {
		{ 0, 1000 }, { 3, 1001 }, { 4, 1002 }, { 6, 1003 },
	};
	u8 pack[32];

	/* the base is one less than the first head's block */
	put_pack(pack, ent, ARRAY_SIZE(ent), 999);
	check_pblks(pack, false, want, ARRAY_SIZE(want));
}

/* big pclusters: CBLKCNT in the first NONHEAD gives the size */
static void test_pblk_big(void)
{
	const unsigned int cblk = 1U << 11;
	/* H(4 blocks) N N N H(1 block) H(2 blocks) N H */
	const unsigned int ent[][2] = {
		{ HEAD1, 0 }, { NONHEAD, cblk | 4 }, { NONHEAD, 2 },
		{ NONHEAD, 3 }, { HEAD1, 10 }, { HEAD2, 20 },
		{ NONHEAD, cblk | 2 }, { HEAD1, 30 },
	};
	static const unsigned int want[][2] = {
		{ 0, 500 }, { 4, 504 }, { 5, 505 }, { 7, 507 },
	};
	u8 pack[32];
	u64 pblk = 0;

	put_pack(pack, ent, ARRAY_SIZE(ent), 500);
	check_pblks(pack, true, want, ARRAY_SIZE(want));
	/* a plain NONHEAD with delta 1 cannot exist with big pclusters */
	put_entry(pack, 32, 16, 12, 9, NONHEAD, 1);
	CHECK_EQ(z_erofs_compact_pblk(pack, 32, 16, 12, 10, true, &pblk),
		 -EFSCORRUPTED);
}

static u8 *text(size_t n)
{
	static const char words[] = "erofs lcluster pcluster page cache ";
	u8 *p = malloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (i % 997 == 3) ? (u8)(i * 7) : words[i % (sizeof(words) - 1)];
	return p;
}

/* a pcluster of @psize bytes with @c's @clen bytes at its end */
static u8 *padded(const u8 *c, size_t clen, size_t psize)
{
	u8 *p = calloc(1, psize);

	memcpy(p + psize - clen, c, clen);
	return p;
}

static int decode(struct erofs_zreader *zr, const u8 *in, unsigned int inlen,
		  u8 *out, unsigned int outlen, unsigned int alg, bool partial,
		  bool zp)
{
	struct z_erofs_decode_req rq = {
		.in = in, .inlen = inlen, .out = out, .outlen = outlen,
		.alg = alg, .blksz = 4096, .partial = partial,
		.zero_padding = zp,
	};
	char why[160];

	return z_erofs_decode(zr, &rq, why, sizeof(why));
}

/*
 * @pc, a pcluster of @psize bytes, holds the @n bytes of @src compressed
 * with @alg behind 0padding: it decodes whole, and partially to @less
 * bytes short of its end; asking for @less fewer or @more more bytes
 * without a partial decode is an error, and so is @pc once damaged.
 */
static void check_stream(struct erofs_zreader *zr, u8 *pc,
			 unsigned int psize, const u8 *src, unsigned int n,
			 unsigned int alg, unsigned int less,
			 unsigned int more)
{
	u8 *out = malloc(n + more);

	CHECK_EQ(decode(zr, pc, psize, out, n, alg, false, true), 0);
	CHECK(!memcmp(out, src, n));
	CHECK_EQ(decode(zr, pc, psize, out, n - less, alg, false, true),
		 -EFSCORRUPTED);
	CHECK_EQ(decode(zr, pc, psize, out, n - less, alg, true, true), 0);
	CHECK(!memcmp(out, src, n - less));
	CHECK_EQ(decode(zr, pc, psize, out, n + more, alg, false, true),
		 -EFSCORRUPTED);
	/* damage: an error, never more than @outlen written */
	memset(pc, 0, psize);
	CHECK_EQ(decode(zr, pc, psize, out, n, alg, false, true),
		 -EFSCORRUPTED);
	free(out);
}

static void test_lz4(struct erofs_zreader *zr)
{
	const unsigned int n = 20000;
	u8 *src = text(n), *c = malloc(LZ4_compressBound(n));
	u8 *out = malloc(n), *pc = malloc(4096);
	int clen = LZ4_compress_default((char *)src, (char *)c, n,
					LZ4_compressBound(n));

	CHECK(clen > 0 && clen < 4096);
	/* without 0padding the stream starts the pcluster */
	memset(pc, 0xaa, 4096);
	memcpy(pc, c, clen);
	CHECK_EQ(decode(zr, pc, 4096, out, n, Z_EROFS_COMPRESSION_LZ4, false,
			false), 0);
	CHECK(!memcmp(out, src, n));
	free(pc);
	pc = padded(c, clen, 4096);
	check_stream(zr, pc, 4096, src, n, Z_EROFS_COMPRESSION_LZ4, 100, 64);
	free(src), free(c), free(out), free(pc);
}

static void test_lzma(struct erofs_zreader *zr)
{
	const unsigned int n = 30000;
	u8 *src = text(n), *out = malloc(n), c[8192], *pc;
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t clen;

	lzma_lzma_preset(&opt, 6);
	opt.dict_size = 65536;
	CHECK_EQ(lzma_microlzma_encoder(&s, &opt), LZMA_OK);
	s.next_in = src;
	s.avail_in = n;
	s.next_out = c;
	s.avail_out = sizeof(c);
	CHECK_EQ(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	CHECK_EQ(s.total_in, n);
	clen = s.total_out;
	lzma_end(&s);
	pc = padded(c, clen, 8192);
	/* a flipped byte inside the stream */
	pc[8192 - clen + clen / 2] ^= 0x5a;
	CHECK_EQ(decode(zr, pc, 8192, out, n, Z_EROFS_COMPRESSION_LZMA, false,
			true), -EFSCORRUPTED);
	pc[8192 - clen + clen / 2] ^= 0x5a;
	check_stream(zr, pc, 8192, src, n, Z_EROFS_COMPRESSION_LZMA, 1000, 10);
	free(src), free(out), free(pc);
}

static void test_zstd(struct erofs_zreader *zr)
{
	const unsigned int n = 50000;
	u8 *src = text(n), *c = malloc(ZSTD_compressBound(n));
	size_t clen = ZSTD_compress(c, ZSTD_compressBound(n), src, n, 3);
	u8 *pc;

	CHECK(!ZSTD_isError(clen) && clen < 8192);
	pc = padded(c, clen, 8192);
	check_stream(zr, pc, 8192, src, n, Z_EROFS_COMPRESSION_ZSTD, 7, 10);
	free(src), free(c), free(pc);
}

static void test_plain(struct erofs_zreader *zr)
{
	u8 in[8192], out[8192];
	struct z_erofs_decode_req rq = {
		.in = in, .inlen = 4096, .out = out, .outlen = 4096,
		.alg = EROFS_ZALG_INTERLACED, .blksz = 4096,
		.interlace_off = 1000,
	};
	char why[160];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = i * 13 + (i >> 8);
	/* the extent's first 3096 bytes sit at 1000.., the rest at 0.. */
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 1000, 3096));
	CHECK(!memcmp(out + 3096, in, 1000));
	/* two blocks: the head part at the pcluster's end */
	rq.inlen = 8192;
	rq.outlen = 5000;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 8192 - 3096, 3096));
	CHECK(!memcmp(out + 3096, in, 5000 - 3096));
	/*
	 * shorter than its head (the kernel's z_erofs_transform_plain): the
	 * bytes start 1000 into the last block, not 300 before its end
	 */
	rq.outlen = 300;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 8192 - 3096, 300));
	rq.inlen = 4096;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 1000, 300));
	/* 512-byte blocks: the same rule, block by block */
	rq.blksz = 512;
	rq.inlen = 1024;
	rq.interlace_off = 4096 + 100;
	rq.outlen = 200;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 512 + 100, 200));
	rq.outlen = 1000;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in + 512 + 100, 412));
	CHECK(!memcmp(out + 412, in, 1000 - 412));
	rq.blksz = 4096;
	rq.inlen = 8192;
	rq.outlen = 5000;
	rq.alg = EROFS_ZALG_SHIFTED;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), 0);
	CHECK(!memcmp(out, in, 5000));
	/* more out than in: corrupted */
	rq.inlen = 4096;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), -EFSCORRUPTED);
	rq.alg = Z_EROFS_COMPRESSION_DEFLATE;
	CHECK_EQ(z_erofs_decode(zr, &rq, why, sizeof(why)), -EOPNOTSUPP);
}

int main(void)
{
	struct erofs_zreader *zr = erofs_zreader_alloc();

	test_entries();
	test_pblk_small();
	test_pblk_big();
	test_lz4(zr);
	test_lzma(zr);
	test_zstd(zr);
	test_plain(zr);
	erofs_zreader_free(zr);
	return check_exit("zread_test");
}
