/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * SHA-256 of a file's whole uncompressed content, through OpenSSL EVP,
 * and the 39-byte fingerprint value "sha256:" + 32 raw digest bytes.
 */
#ifndef __EROFS_FINGERPRINT_H
#define __EROFS_FINGERPRINT_H

#include "erofs/defs.h"

struct erofs_sha256 {
	void *ctx;		/* EVP_MD_CTX, kept opaque here */
};

int erofs_sha256_init(struct erofs_sha256 *h);
int erofs_sha256_update(struct erofs_sha256 *h, const void *data, size_t len);
/* finishes the digest and readies @h for the next one */
int erofs_sha256_final(struct erofs_sha256 *h, u8 digest[32]);
void erofs_sha256_release(struct erofs_sha256 *h);

/* writes EROFS_ISHARE_VALUE_SIZE bytes */
void erofs_fingerprint_value(const u8 digest[32], u8 *value);

#endif
