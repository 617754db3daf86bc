// SPDX-License-Identifier: GPL-2.0+ OR MIT
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "erofs/fingerprint.h"
#include "erofs/xattr.h"

int erofs_sha256_init(struct erofs_sha256 *h)
{
	EVP_MD_CTX *ctx;

	/*
	 * A fingerprint must not depend on the host's openssl.cnf (which can
	 * swap providers), and reading it costs half a MiB of RSS.  Only the
	 * first call in a process decides; later ones change nothing.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -EIO;
	}
	h->ctx = ctx;
	return 0;
}

int erofs_sha256_update(struct erofs_sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -EIO;
}

int erofs_sha256_final(struct erofs_sha256 *h, u8 digest[32])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, digest, &len) != 1 || len != 32)
		return -EIO;
	return EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

void erofs_sha256_release(struct erofs_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void erofs_fingerprint_value(const u8 digest[32], u8 *value)
{
	memcpy(value, EROFS_ISHARE_VALUE_PREFIX, EROFS_ISHARE_PREFIX_LEN);
	memcpy(value + EROFS_ISHARE_PREFIX_LEN, digest, 32);
}
