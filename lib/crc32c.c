// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the superblock
 * checksum.  Small enough that no library is worth pulling in for it.
 */
#include <pthread.h>
#include "erofs/internal.h"

static u32 crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init_table(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78U & -(c & 1));
		crc32c_table[i] = c;
	}
}

u32 erofs_crc32c(u32 crc, const void *data, size_t len)
{
	const u8 *p = data;

	pthread_once(&crc32c_once, crc32c_init_table);
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
