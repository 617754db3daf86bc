// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * erofs_crc32c() against published CRC32C vectors: the "123456789" check
 * value and the iSCSI vectors of RFC 3720 B.4.  Those use seed ~0 and a
 * final inversion; the superblock checksum uses the same seed without the
 * inversion, so both forms are checked.
 */
#include "erofs/internal.h"
#include "check.h"

static void check_vector(const void *data, size_t len, u32 want)
{
	u32 raw = erofs_crc32c(~0U, data, len);

	CHECK_EQ(raw ^ ~0U, want);
	CHECK_EQ(raw, ~want);
}

int main(void)
{
	u8 buf[32];
	u32 whole, part;

	check_vector("123456789", 9, 0xE3069283);
	memset(buf, 0, sizeof(buf));
	check_vector(buf, sizeof(buf), 0x8A9136AA);
	memset(buf, 0xff, sizeof(buf));
	check_vector(buf, sizeof(buf), 0x62A8AB43);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = i;
	check_vector(buf, sizeof(buf), 0x46DD794E);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = 31 - i;
	check_vector(buf, sizeof(buf), 0x113FDB5C);

	/* no data leaves the seed alone */
	CHECK_EQ(erofs_crc32c(~0U, "", 0), ~0U);
	CHECK_EQ(erofs_crc32c(0x12345678, buf, 0), 0x12345678);

	/* feeding the data in pieces gives the same result */
	whole = erofs_crc32c(~0U, "123456789", 9);
	part = erofs_crc32c(~0U, "1234", 4);
	part = erofs_crc32c(part, "56789", 5);
	CHECK_EQ(part, whole);
	return check_exit("crc32c_test");
}
