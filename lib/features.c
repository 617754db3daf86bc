// SPDX-License-Identifier: GPL-2.0+ OR MIT
#include <string.h>
#include "erofs/erofs_fs.h"
#include "erofs/features.h"

/* names as erofs-utils' dump.erofs spells them */
const struct erofs_feature erofs_features[] = {
	{ "sb_csum", true, EROFS_FEATURE_COMPAT_SB_CHKSUM },
	{ "mtime", true, EROFS_FEATURE_COMPAT_MTIME },
	{ "xattr_filter", true, EROFS_FEATURE_COMPAT_XATTR_FILTER },
	{ "shared_ea_in_metabox", true,
	  EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX },
	{ "plain_xattr_pfx", true, EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX },
	{ "ishare_xattrs", true, EROFS_FEATURE_COMPAT_ISHARE_XATTRS },
	{ "lz4_0padding", false, EROFS_FEATURE_INCOMPAT_LZ4_0PADDING },
	{ "compr_cfgs", false, EROFS_FEATURE_INCOMPAT_COMPR_CFGS },
	{ "big_pcluster", false, EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER },
	{ "chunked_file", false, EROFS_FEATURE_INCOMPAT_CHUNKED_FILE },
	{ "device_table", false, EROFS_FEATURE_INCOMPAT_DEVICE_TABLE },
	{ "compr_head2", false, EROFS_FEATURE_INCOMPAT_COMPR_HEAD2 },
	{ "ztailpacking", false, EROFS_FEATURE_INCOMPAT_ZTAILPACKING },
	{ "fragments", false, EROFS_FEATURE_INCOMPAT_FRAGMENTS },
	{ "dedupe", false, EROFS_FEATURE_INCOMPAT_DEDUPE },
	{ "xattr_prefixes", false, EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES },
	{ "48bit", false, EROFS_FEATURE_INCOMPAT_48BIT },
	{ "metabox", false, EROFS_FEATURE_INCOMPAT_METABOX },
	{ NULL, false, 0 },
};

const struct erofs_feature *erofs_feature_find(const char *name)
{
	for (const struct erofs_feature *f = erofs_features; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}
