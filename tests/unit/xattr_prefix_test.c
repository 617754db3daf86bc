// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Xattr name handling: short prefix matching, long prefix parsing (the
 * names mkfs accepts for --xattr-prefix and --ishare_key), and the name
 * filter bit.  Expected filter bits come from an independent XXH32 (the
 * one in tests/erofs_parse.py), checked against published vectors there.
 */
#include <errno.h>
#include <stdlib.h>
#include "erofs/xattr.h"
#include "check.h"

static void check_short(const char *name, unsigned int index,
			unsigned int plen)
{
	unsigned int got_len = 1234;

	CHECK_EQ(erofs_xattr_match_short(name, &got_len), index);
	CHECK_EQ(got_len, plen);
}

static void check_prefix_ok(const char *full, bool base0,
			    unsigned int base_index, const char *infix)
{
	struct erofs_xattr_prefix pf = { 0 };
	const char *why = NULL;
	char *s;

	CHECK_EQ(erofs_xattr_prefix_init(&pf, full, base0, &why), 0);
	if (!pf.infix)
		return;
	CHECK_EQ(pf.base_index, base_index);
	CHECK_STR(pf.infix, infix);
	CHECK_EQ(pf.infix_len, strlen(infix));
	s = erofs_xattr_prefix_string(&pf);
	CHECK_STR(s, full);
	free(s);
	erofs_xattr_prefix_release(&pf);
	CHECK(pf.infix == NULL);
}

static void check_prefix_bad(const char *full, bool base0)
{
	struct erofs_xattr_prefix pf = { 0 };
	const char *why = NULL;

	CHECK_EQ(erofs_xattr_prefix_init(&pf, full, base0, &why), -EINVAL);
	CHECK(why && *why);
	CHECK(pf.infix == NULL);
}

static void test_short(void)
{
	check_short("user.foo", EROFS_XATTR_INDEX_USER, 5);
	check_short("trusted.erofs.fingerprint", EROFS_XATTR_INDEX_TRUSTED, 8);
	check_short("security.selinux", EROFS_XATTR_INDEX_SECURITY, 9);
	check_short("system.posix_acl_access",
		    EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, 23);
	check_short("system.posix_acl_default",
		    EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, 24);
	/* ACL names only match whole */
	check_short("system.posix_acl_accessX", 0, 0);
	check_short("system.foo", 0, 0);
	check_short("userfoo", 0, 0);
	check_short("erofs.fingerprint.v1", 0, 0);
	check_short("", 0, 0);

	CHECK_STR(erofs_xattr_short_prefix(EROFS_XATTR_INDEX_USER), "user.");
	CHECK_STR(erofs_xattr_short_prefix(EROFS_XATTR_INDEX_TRUSTED),
		  "trusted.");
	CHECK_STR(erofs_xattr_short_prefix(EROFS_XATTR_INDEX_SECURITY),
		  "security.");
	CHECK(erofs_xattr_short_prefix(0) == NULL);
	CHECK(erofs_xattr_short_prefix(EROFS_XATTR_INDEX_LUSTRE) == NULL);
	CHECK(erofs_xattr_short_prefix(200) == NULL);
}

static void test_long(void)
{
	char name[300];

	check_prefix_ok("trusted.erofs.fingerprint", false,
			EROFS_XATTR_INDEX_TRUSTED, "erofs.fingerprint");
	check_prefix_ok("user.long.prefix", false, EROFS_XATTR_INDEX_USER,
			"long.prefix");
	check_prefix_ok("security.x", false, EROFS_XATTR_INDEX_SECURITY, "x");
	check_prefix_ok("erofs.fingerprint.v1", true, 0,
			"erofs.fingerprint.v1");
	/* UTF-8 bytes are fine */
	check_prefix_ok("user.\xc3\xa9t\xc3\xa9", false, EROFS_XATTR_INDEX_USER,
			"\xc3\xa9t\xc3\xa9");

	check_prefix_bad("erofs.fingerprint.v1", false);
	check_prefix_bad("", true);
	check_prefix_bad("trusted.", true);
	check_prefix_bad("user.", false);
	check_prefix_bad("user.a b", false);
	check_prefix_bad("user.a\tb", false);
	check_prefix_bad("trusted.a\x01" "b", true);
	check_prefix_bad("trusted.a\x7f", true);
	check_prefix_bad("system.posix_acl_access", true);
	check_prefix_bad("system.posix_acl_default", true);

	/* 255 bytes after the namespace fit, 256 do not */
	memcpy(name, "user.", 5);
	memset(name + 5, 'n', 255);
	name[260] = '\0';
	check_prefix_ok(name, false, EROFS_XATTR_INDEX_USER, name + 5);
	name[260] = 'n';
	name[261] = '\0';
	check_prefix_bad(name, false);
}

static void test_filter_bit(void)
{
	CHECK_EQ(erofs_xattr_filter_bit(EROFS_XATTR_INDEX_USER, "foo", 3), 12);
	CHECK_EQ(erofs_xattr_filter_bit(EROFS_XATTR_INDEX_TRUSTED,
					"erofs.fingerprint", 17), 30);
	CHECK_EQ(erofs_xattr_filter_bit(0, "erofs.fingerprint.v1", 20), 8);
	CHECK_EQ(erofs_xattr_filter_bit(EROFS_XATTR_INDEX_SECURITY,
					"selinux", 7), 11);
	CHECK_EQ(erofs_xattr_filter_bit(EROFS_XATTR_INDEX_POSIX_ACL_ACCESS,
					"", 0), 30);
	CHECK_EQ(erofs_xattr_filter_bit(EROFS_XATTR_INDEX_USER,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 40), 20);
}

int main(void)
{
	test_short();
	test_long();
	test_filter_bit();
	return check_exit("xattr_prefix_test");
}
