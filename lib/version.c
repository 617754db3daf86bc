// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Build information for --version.  Versions come from the libraries at
 * run time: a bug report then names what was really loaded.
 */
#include <lz4.h>
#include <lzma.h>
#include <zstd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include "erofs/version.h"
#include "compressor.h"

static void print_algorithms(FILE *f, bool compress)
{
	const struct z_erofs_compressor_ops *ops;
	unsigned int seen = 0;
	const char *sep = "";

	fprintf(f, "available %s: ", compress ? "compressors" : "decompressors");
	for (unsigned int i = 0; (ops = z_erofs_compressor_at(i)); i++) {
		/* a decoder per on-disk algorithm: lz4hc is read as lz4 */
		if (!compress && (seen & (1U << ops->alg)))
			continue;
		seen |= 1U << ops->alg;
		fprintf(f, "%s%s", sep, ops->name);
		sep = ", ";
	}
	fputc('\n', f);
}

/*
 * The provider that EVP_sha256() resolves to.  The fingerprint code
 * initialises libcrypto without openssl.cnf, so do the same here: the
 * answer must be the one that computes the fingerprints.
 */
static const char *sha256_provider(void)
{
	const char *name;
	EVP_MD *md;

	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		return "unavailable";
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!md)
		return "unavailable";
	name = OSSL_PROVIDER_get0_name(EVP_MD_get0_provider(md));
	EVP_MD_free(md);
	return name ? name : "unknown";
}

void erofs_print_build_info(FILE *f, bool compress)
{
	print_algorithms(f, compress);
	fprintf(f, "compression libraries: liblz4 %s, liblzma %s, libzstd %s\n",
		LZ4_versionString(), lzma_version_string(),
		ZSTD_versionString());
	fprintf(f, "sha256: %s (libcrypto, %s provider)\n",
		OpenSSL_version(OPENSSL_VERSION), sha256_provider());
}
