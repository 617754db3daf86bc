// SPDX-License-Identifier: GPL-2.0+ OR MIT
/* The superblock, its prefix table and compression records; the root. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erofs_image img;
	struct erofs_inode vi;
	char name[600];

	if (!fuzz_image_open(&img, data, size)) {
		erofs_fingerprint_name(&img, name, sizeof(name));
		erofs_read_inode(&img, img.sbi.root_nid, &vi);
	}
	erofs_image_close(&img);
	return 0;
}
