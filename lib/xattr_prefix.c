// SPDX-License-Identifier: GPL-2.0+ OR MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "erofs/xattr.h"

static const char *const short_prefixes[] = {
	[EROFS_XATTR_INDEX_USER] = "user.",
	[EROFS_XATTR_INDEX_POSIX_ACL_ACCESS] = "system.posix_acl_access",
	[EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT] = "system.posix_acl_default",
	[EROFS_XATTR_INDEX_TRUSTED] = "trusted.",
	[EROFS_XATTR_INDEX_SECURITY] = "security.",
};

static bool index_is_acl(unsigned int index)
{
	return index == EROFS_XATTR_INDEX_POSIX_ACL_ACCESS ||
	       index == EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT;
}

const char *erofs_xattr_short_prefix(unsigned int index)
{
	if (index >= ARRAY_SIZE(short_prefixes))
		return NULL;
	return short_prefixes[index];
}

unsigned int erofs_xattr_match_short(const char *name, unsigned int *plen)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(short_prefixes); i++) {
		const char *p = short_prefixes[i];
		size_t len;

		if (!p)
			continue;
		len = strlen(p);
		if (index_is_acl(i) ? strcmp(name, p) : strncmp(name, p, len))
			continue;
		*plen = len;
		return i;
	}
	*plen = 0;
	return 0;
}

int erofs_xattr_prefix_init(struct erofs_xattr_prefix *pf, const char *full,
			    bool allow_base0, const char **why)
{
	unsigned int plen, index;
	size_t len = strlen(full);

	if (!len) {
		*why = "name is empty";
		return -EINVAL;
	}
	for (const unsigned char *c = (const void *)full; *c; c++) {
		if (*c < 0x21 || *c == 0x7f) {
			*why = "name has a space or control character";
			return -EINVAL;
		}
	}
	index = erofs_xattr_match_short(full, &plen);
	if (index_is_acl(index)) {
		*why = "POSIX ACL names cannot be a prefix";
		return -EINVAL;
	}
	if (!index && !allow_base0) {
		*why = "name must start with user., trusted. or security.";
		return -EINVAL;
	}
	if (len == plen) {
		*why = "name has nothing after its namespace";
		return -EINVAL;
	}
	if (len - plen > EROFS_NAME_LEN) {
		*why = "name is longer than 255 bytes after its namespace";
		return -EINVAL;
	}
	pf->base_index = index;
	pf->infix_len = len - plen;
	pf->infix = strdup(full + plen);
	return pf->infix ? 0 : -ENOMEM;
}

void erofs_xattr_prefix_release(struct erofs_xattr_prefix *pf)
{
	free(pf->infix);
	pf->infix = NULL;
}

char *erofs_xattr_prefix_string(const struct erofs_xattr_prefix *pf)
{
	const char *base = erofs_xattr_short_prefix(pf->base_index);
	size_t blen = base ? strlen(base) : 0;
	char *s = malloc(blen + pf->infix_len + 1);

	if (!s)
		return NULL;
	memcpy(s, base ? base : "", blen);
	memcpy(s + blen, pf->infix, pf->infix_len);
	s[blen + pf->infix_len] = '\0';
	return s;
}

unsigned int erofs_xattr_filter_bit(unsigned int base_index, const void *name,
				    size_t len)
{
	return XXH32(name, len, EROFS_XATTR_FILTER_SEED + base_index) &
	       (EROFS_XATTR_FILTER_BITS - 1);
}
