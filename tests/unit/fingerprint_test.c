// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The fingerprint value: SHA-256 (FIPS 180-2 vectors, fed whole and in
 * pieces, and the context reused after final as mkfs reuses it per file)
 * and the 39-byte "sha256:" + raw digest layout.
 */
#include <stdlib.h>
#include "erofs/fingerprint.h"
#include "erofs/xattr.h"
#include "check.h"

static void unhex(const char *hex, u8 *out)
{
	for (unsigned int i = 0; i < 32; i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		out[i] = (u8)strtoul(b, NULL, 16);
	}
}

static void check_digest(struct erofs_sha256 *h, const char *hex)
{
	u8 got[32], want[32];

	unhex(hex, want);
	CHECK_EQ(erofs_sha256_final(h, got), 0);
	CHECK(!memcmp(got, want, 32));
}

int main(void)
{
	static const char abc[] =
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char empty[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const char million_a[] =
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct erofs_sha256 h = { 0 };
	u8 digest[32], value[EROFS_ISHARE_VALUE_SIZE + 1];
	char *buf = malloc(1000000);

	CHECK(buf != NULL);
	if (!buf || erofs_sha256_init(&h))
		return check_exit("fingerprint_test") | 1;
	CHECK_EQ(erofs_sha256_update(&h, "abc", 3), 0);
	check_digest(&h, abc);
	/* the context is ready for the next file after final */
	check_digest(&h, empty);
	CHECK_EQ(erofs_sha256_update(&h, "a", 1), 0);
	CHECK_EQ(erofs_sha256_update(&h, "bc", 2), 0);
	check_digest(&h, abc);
	memset(buf, 'a', 1000000);
	CHECK_EQ(erofs_sha256_update(&h, buf, 999999), 0);
	CHECK_EQ(erofs_sha256_update(&h, buf, 1), 0);
	check_digest(&h, million_a);
	erofs_sha256_release(&h);
	CHECK(h.ctx == NULL);

	CHECK_EQ(EROFS_ISHARE_VALUE_SIZE, 39);
	unhex(abc, digest);
	memset(value, 0xee, sizeof(value));
	erofs_fingerprint_value(digest, value);
	CHECK(!memcmp(value, "sha256:", 7));
	CHECK(!memcmp(value + 7, digest, 32));
	CHECK_EQ(value[39], 0xee);	/* nothing written past 39 bytes */

	CHECK_STR(EROFS_ISHARE_DEFAULT_NAME, "trusted.erofs.fingerprint");
	CHECK_STR(EROFS_DIGEST_DEFAULT_NAME, "erofs.fingerprint.v1");
	free(buf);
	return check_exit("fingerprint_test");
}
