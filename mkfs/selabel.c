// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * --file-contexts: SELinux labels from a file_contexts file, looked up as
 * libselinux's file backend (selabel_file(5)) does, without libselinux:
 *
 * - lines "REGEX [TYPE] CONTEXT"; TYPE is -- -d -l -b -c -p -s; CONTEXT
 *   <<none>> means no label; FILE.homedirs and FILE.local are read after
 *   FILE when they exist;
 * - specs without regex meta characters are moved after the others, then
 *   the last spec that matches wins; a REGEX matches the whole path;
 * - a spec whose first path component has no meta characters (its
 *   "stem") only applies to paths with that same first component;
 * - the path is "/" + MOUNT_POINT + "/" + the path in the image, slashes
 *   squeezed, a trailing one dropped, then rewritten by FILE.subs and
 *   FILE.subs_dist (prefix aliases) as libselinux does.
 *
 * Regexes are POSIX extended ones; libselinux uses PCRE, which the
 * regexes of file_contexts files in practice do not need.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/print.h"
#include "selabel.h"

struct fc_spec {
	char *ctx;
	regex_t re;
	u32 mode;		/* S_IFMT bits; 0: any type */
	size_t stem_len;	/* "/usr" of "/usr/bin/.*"; 0: no stem */
	char *stem;
	bool meta;		/* has regex meta characters */
};

struct fc_sub {
	char *src, *dst;
	size_t slen;
};

struct mkfs_selabel {
	struct fc_spec *specs;
	size_t n;
	struct fc_sub *subs[2];	/* FILE.subs, FILE.subs_dist */
	size_t nsubs[2];
	char *mount_point;	/* without trailing '/'; NULL: none */
};

static const char meta_chars[] = ".^$?*+|[({";

static bool has_meta(const char *re)
{
	for (; *re; re++) {
		if (*re == '\\' && re[1])
			re++;
		else if (strchr(meta_chars, *re))
			return true;
	}
	return false;
}

/* the first path component of @s ("/usr" of "/usr/bin"), if any */
static size_t stem_of(const char *s, bool spec)
{
	const char *slash = *s ? strchr(s + 1, '/') : NULL;

	if (!slash)
		return 0;
	if (spec)
		for (const char *c = s; c < slash; c++)
			if (strchr(meta_chars, *c))
				return 0;
	return slash - s;
}

static u32 type_of(const char *t)
{
	static const char types[] = "-dlbcps";
	static const u32 modes[] = { S_IFREG, S_IFDIR, S_IFLNK, S_IFBLK,
				     S_IFCHR, S_IFIFO, S_IFSOCK };
	const char *p;

	if (t[0] != '-' || !t[1] || t[2] || !(p = strchr(types, t[1])))
		return 0;
	return modes[p - types];
}

static int add_spec(struct mkfs_selabel *db, const char *re, const char *type,
		    const char *ctx, const char *file, unsigned int line)
{
	struct fc_spec *s;
	char *anchored;
	int rc;

	s = realloc(db->specs, (db->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	db->specs = s;
	s += db->n;
	memset(s, 0, sizeof(*s));
	s->mode = type ? type_of(type) : 0;
	if (type && !s->mode)
		return erofs_err_ret(-EINVAL, "'%s' line %u: invalid file type '%s'",
				     file, line, type);
	anchored = malloc(strlen(re) + 3);
	if (!anchored)
		return -ENOMEM;
	sprintf(anchored, "^%s$", re);
	rc = regcomp(&s->re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc)
		return erofs_err_ret(-EINVAL, "'%s' line %u: invalid regex '%s'",
				     file, line, re);
	s->meta = has_meta(re);
	s->stem_len = stem_of(re, true);
	s->stem = strndup(re, s->stem_len);
	s->ctx = strdup(ctx);
	db->n++;
	return s->stem && s->ctx ? 0 : -ENOMEM;
}

/* one line: 0 (a spec added, or nothing on it) or -errno */
static int parse_line(struct mkfs_selabel *db, char *buf, const char *file,
		      unsigned int line)
{
	char *tok[4], *save = NULL;
	unsigned int n = 0;

	for (char *t = strtok_r(buf, " \t\r\n\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (n == 0 && *t == '#')
			return 0;
		if (n == 3)
			return erofs_err_ret(-EINVAL, "'%s' line %u: too many fields",
					     file, line);
		tok[n++] = t;
	}
	if (!n)
		return 0;
	if (n == 1)
		return erofs_err_ret(-EINVAL, "'%s' line %u: missing fields",
				     file, line);
	return add_spec(db, tok[0], n == 3 ? tok[1] : NULL, tok[n - 1], file,
			line);
}

/* FILE then FILE.SUFFIX; a missing FILE.SUFFIX is no error */
static int load_specs(struct mkfs_selabel *db, const char *path,
		      const char *suffix)
{
	char name[4096], *buf = NULL;
	unsigned int line = 0;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	snprintf(name, sizeof(name), "%s%s%s", path, suffix ? "." : "",
		 suffix ? suffix : "");
	f = fopen(name, "re");
	if (!f) {
		if (suffix && errno == ENOENT)
			return 0;
		return erofs_err_ret(-errno, "cannot open '%s': %s", name,
				     strerror(errno));
	}
	while (!err && getline(&buf, &cap, f) >= 0)
		err = parse_line(db, buf, name, ++line);
	if (!err && ferror(f))
		err = erofs_err_ret(-EIO, "cannot read '%s'", name);
	free(buf);
	fclose(f);
	return err;
}

/* FILE.subs or FILE.subs_dist: lines "ALIAS PATH" */
static int load_subs(struct mkfs_selabel *db, const char *path, int which)
{
	char name[4096], *buf = NULL, *save, *src, *dst;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	snprintf(name, sizeof(name), "%s.%s", path,
		 which ? "subs_dist" : "subs");
	f = fopen(name, "re");
	if (!f)
		return errno == ENOENT ? 0 :
			erofs_err_ret(-errno, "cannot open '%s': %s", name,
				      strerror(errno));
	while (!err && getline(&buf, &cap, f) >= 0) {
		struct fc_sub *s;

		save = NULL;
		src = strtok_r(buf, " \t\r\n\v\f", &save);
		dst = src ? strtok_r(NULL, " \t\r\n\v\f", &save) : NULL;
		if (!src || *src == '#' || !dst)
			continue;
		s = realloc(db->subs[which], (db->nsubs[which] + 1) * sizeof(*s));
		if (!s) {
			err = -ENOMEM;
			break;
		}
		db->subs[which] = s;
		s += db->nsubs[which]++;
		s->src = strdup(src);
		s->dst = strdup(dst);
		s->slen = strlen(src);
		if (!s->src || !s->dst)
			err = -ENOMEM;
	}
	free(buf);
	fclose(f);
	return err;
}

/* exact paths after the regexes, each group in file order */
static int sort_specs(struct mkfs_selabel *db)
{
	struct fc_spec *out = malloc(db->n * sizeof(*out) + 1);
	size_t k = 0;

	if (!out)
		return -ENOMEM;
	for (int exact = 0; exact < 2; exact++)
		for (size_t i = 0; i < db->n; i++)
			if (db->specs[i].meta == !exact)
				out[k++] = db->specs[i];
	free(db->specs);
	db->specs = out;
	return 0;
}

int mkfs_selabel_open(struct mkfs_selabel **out, const char *path,
		      const char *mount_point)
{
	struct mkfs_selabel *db = calloc(1, sizeof(*db));
	int err;

	if (!db)
		return -ENOMEM;
	if (mount_point) {
		size_t len = strlen(mount_point);

		if (len && mount_point[len - 1] == '/')
			len--;
		db->mount_point = strndup(mount_point, len);
	}
	err = mount_point && !db->mount_point ? -ENOMEM : 0;
	err = err ?: load_subs(db, path, 0) ?: load_subs(db, path, 1) ?:
	      load_specs(db, path, NULL) ?: load_specs(db, path, "homedirs") ?:
	      load_specs(db, path, "local") ?: sort_specs(db);
	if (err) {
		mkfs_selabel_close(db);
		return err;
	}
	*out = db;
	return 0;
}

/* the first alias of @list (last line first) that prefixes @key */
static char *apply_sub(const struct fc_sub *list, size_t n, const char *key)
{
	for (size_t i = n; i-- > 0; ) {
		const struct fc_sub *s = &list[i];
		size_t len = s->slen;
		char *res;

		if (strncmp(key, s->src, len) || (key[len] && key[len] != '/'))
			continue;
		if (key[len] == '/' && !strcmp(s->dst, "/"))
			len++;
		res = malloc(strlen(s->dst) + strlen(key + len) + 1);
		if (res)
			sprintf(res, "%s%s", s->dst, key + len);
		return res;
	}
	return NULL;
}

/* "/" + mount point + "/" + @rel, slashes squeezed, no trailing one */
static char *make_key(const struct mkfs_selabel *db, const char *rel)
{
	const char *mp = db->mount_point ? db->mount_point : "";
	char *key = malloc(strlen(mp) + strlen(rel) + 3), *w = key;

	if (!key)
		return NULL;
	sprintf(key, "/%s%s%s", mp, *mp ? "/" : "", rel);
	for (const char *r = key; *r; r++)
		if (*r != '/' || w == key || w[-1] != '/')
			*w++ = *r;
	if (w - key > 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return key;
}

static char *rewrite_key(const struct mkfs_selabel *db, char *key)
{
	char *sub = apply_sub(db->subs[0], db->nsubs[0], key), *dsub;

	dsub = apply_sub(db->subs[1], db->nsubs[1], sub ? sub : key);
	if (dsub) {
		free(sub);
		sub = dsub;
	}
	if (!sub)
		return key;
	free(key);
	return sub;
}

const char *mkfs_selabel_lookup(void *arg, const char *rel, u32 mode)
{
	const struct mkfs_selabel *db = arg;
	char *key = make_key(db, rel);
	const char *ctx = NULL;
	size_t stem;

	if (!key)
		return NULL;
	key = rewrite_key(db, key);
	stem = stem_of(key, false);
	mode &= S_IFMT;
	for (size_t i = db->n; i-- > 0; ) {
		const struct fc_spec *s = &db->specs[i];

		if (s->stem_len && (s->stem_len != stem ||
				    memcmp(s->stem, key, stem)))
			continue;
		if (s->mode && s->mode != mode)
			continue;
		if (regexec(&s->re, key, 0, NULL, 0))
			continue;
		ctx = strcmp(s->ctx, "<<none>>") ? s->ctx : NULL;
		break;
	}
	free(key);
	return ctx;
}

void mkfs_selabel_close(struct mkfs_selabel *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++) {
		regfree(&db->specs[i].re);
		free(db->specs[i].stem);
		free(db->specs[i].ctx);
	}
	free(db->specs);
	for (int w = 0; w < 2; w++) {
		for (size_t i = 0; i < db->nsubs[w]; i++) {
			free(db->subs[w][i].src);
			free(db->subs[w][i].dst);
		}
		free(db->subs[w]);
	}
	free(db->mount_point);
	free(db);
}
