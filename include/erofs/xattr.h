/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Xattr names as the format stores them: a short prefix index (user.,
 * trusted., ...) or a long prefix from the table, plus a name suffix.
 */
#ifndef __EROFS_XATTR_H
#define __EROFS_XATTR_H

#include "erofs/internal.h"

/* the fingerprint xattr that lets the kernel share page cache */
#define EROFS_ISHARE_DEFAULT_NAME	"trusted.erofs.fingerprint"
#define EROFS_DIGEST_DEFAULT_NAME	"erofs.fingerprint.v1"
#define EROFS_ISHARE_VALUE_PREFIX	"sha256:"
#define EROFS_ISHARE_PREFIX_LEN		7
#define EROFS_ISHARE_VALUE_SIZE		(EROFS_ISHARE_PREFIX_LEN + 32)

/* "user.", "system.posix_acl_access", ... for a short index; NULL if none */
const char *erofs_xattr_short_prefix(unsigned int index);

/*
 * The short index whose prefix begins @name (0 when none) and that
 * prefix's length.  ACL names match only as a whole.
 */
unsigned int erofs_xattr_match_short(const char *name, unsigned int *plen);

/*
 * Fill @pf from a full long prefix such as "trusted.erofs.fingerprint".
 * A prefix outside the known namespaces gets base index 0 only when
 * @allow_base0 (the kernel then keeps such names hidden).  Returns 0 or
 * -EINVAL with *why set to a static explanation.
 */
int erofs_xattr_prefix_init(struct erofs_xattr_prefix *pf, const char *full,
			    bool allow_base0, const char **why);
void erofs_xattr_prefix_release(struct erofs_xattr_prefix *pf);

/* the whole prefix string of a table entry, malloc'ed */
char *erofs_xattr_prefix_string(const struct erofs_xattr_prefix *pf);

/*
 * Bit of the inode's name filter for an xattr: @name is what follows the
 * short prefix (infix and suffix for a long prefix).
 */
unsigned int erofs_xattr_filter_bit(unsigned int base_index, const void *name,
				    size_t len);

#endif
