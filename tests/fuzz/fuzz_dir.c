// SPDX-License-Identifier: GPL-2.0+ OR MIT
/* Directory blocks: the walk checks every block; path lookups. */
#include "fuzz.h"

static void dir_fn(struct erofs_image *img, const struct erofs_inode *vi)
{
	(void)img;
	(void)vi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/", "/a", "a/b", "/d/../a", "/./x/y/z", "/lnk/f",
	};
	struct erofs_image img;
	u64 nid, pnid;

	if (!fuzz_image_open(&img, data, size)) {
		fuzz_walk(&img, dir_fn);
		for (unsigned int i = 0; i < sizeof(paths) / sizeof(*paths); i++)
			erofs_lookup_path(&img, paths[i], &nid, &pnid);
	}
	erofs_image_close(&img);
	return 0;
}
