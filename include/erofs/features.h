/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * The one table of superblock feature bits and their names, used by
 * every tool that prints, checks or sets them.
 */
#ifndef __EROFS_FEATURES_H
#define __EROFS_FEATURES_H

#include "erofs/defs.h"

struct erofs_feature {
	const char *name;
	bool compat;		/* feature_compat, else feature_incompat */
	u32 bit;
};

/* terminated by an entry with a NULL name */
extern const struct erofs_feature erofs_features[];

/*
 * incompat bits the reader understands; an image with others is refused.
 * The compression bits (lz4_0padding, compr_cfgs/big_pcluster,
 * compr_head2, ztailpacking, fragments/dedupe) are all read.
 * DEVICE_TABLE shares its bit with COMPR_HEAD2: extra devices themselves
 * are refused.
 */
#define EROFS_SUPPORTED_INCOMPAT \
	(EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES | \
	 EROFS_FEATURE_INCOMPAT_CHUNKED_FILE | \
	 EROFS_FEATURE_INCOMPAT_LZ4_0PADDING | \
	 EROFS_FEATURE_INCOMPAT_COMPR_CFGS | \
	 EROFS_FEATURE_INCOMPAT_DEVICE_TABLE | \
	 EROFS_FEATURE_INCOMPAT_ZTAILPACKING | \
	 EROFS_FEATURE_INCOMPAT_FRAGMENTS)

/* the feature called @name, or NULL */
const struct erofs_feature *erofs_feature_find(const char *name);

#endif
