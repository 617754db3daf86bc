// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The tree from a tar archive (ustar, GNU and POSIX pax) instead of a
 * directory.  Every member becomes an inode; a regular file keeps the
 * offset of its data in the archive, and the writer reads it from there
 * like any source file, once.  A stream that cannot seek (a pipe) or that
 * is compressed (--ungzip, --unxz) is first copied, decompressed, into an
 * unlinked temporary file.
 *
 * Members may come in any order, and land where GNU tar's extraction
 * puts them: missing parent directories are made (0755, root, build
 * time), a symlink met as a parent is followed when tar would follow it,
 * a later member replaces an earlier one of the same path but a non-empty
 * directory, and a directory over a directory takes the new attributes
 * and adds the new xattrs to the old.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "erofs/print.h"
#include "liberofs_hashtab.h"
#include "liberofs_mkfs.h"
#include "liberofs_zmkfs.h"

#define TAR_BLOCK	512
#define PAX_MAX		(16U << 20)	/* largest pax or GNU long-name body */
#define COPY_CHUNK	(1U << 20)

/* one path of the archive, and the inode it names now */
struct tar_node {
	struct erofs_hnode hnode;	/* in tar.tab, by path */
	char *path;			/* normalized; "" for the root */
	const char *name;		/* last component, in path */
	struct mkfs_inode *in;
	struct tar_node *parent;
	struct tar_node **kids;		/* directories */
	u32 nkids, kids_cap;
	bool opaque;			/* --aufs: has trusted.overlay.opaque */
};

struct pax_xattr {
	char *name;
	u8 *value;
	size_t len;
};

/* pax records that stand for a header field */
enum pax_num {
	PAX_SIZE, PAX_UID, PAX_GID, PAX_MAJOR, PAX_MINOR, PAX_MTIME, PAX_NUMS
};

static const char *const pax_num_keys[PAX_NUMS] = {
	[PAX_SIZE] = "size", [PAX_UID] = "uid", [PAX_GID] = "gid",
	[PAX_MAJOR] = "SCHILY.devmajor", [PAX_MINOR] = "SCHILY.devminor",
	[PAX_MTIME] = "mtime",
};

/* what pax records (or GNU long names) say of the next member */
struct pax {
	char *path, *linkpath;
	bool has[PAX_NUMS];		/* a record gave num[i] */
	u64 num[PAX_NUMS];		/* PAX_MTIME: an s64, in seconds */
	u32 mtime_nsec;
	bool sparse;			/* GNU.sparse.* records */
	bool rht_label;			/* RHT.security.selinux seen */
	struct pax_xattr *xattrs;
	u32 nxattrs;
	char *acl[2];			/* SCHILY.acl.access, .default text */
};

struct tar {
	struct mkfs_ctx *ctx;
	int fd;
	u64 size;			/* of the archive */
	u64 pos;			/* of the next header */
	struct erofs_hashtab tab;	/* path -> node */
	struct tar_node *root;
	struct mkfs_inode **all;	/* every inode made, reachable or not */
	u64 nall, all_cap;
	struct pax global, local;
};

/* ---- the input: a seekable, uncompressed archive ----------------------- */

static int write_all(int fd, const u8 *p, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return erofs_err_ret(-errno, "cannot write %s: %s", what,
					     strerror(errno));
		p += n;
		len -= n;
	}
	return 0;
}

/* reads up to @len bytes; 0 at the end, or -errno */
static ssize_t read_some(int fd, u8 *buf, size_t len, const char *name)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0 || errno != EINTR)
			return n < 0 ? erofs_err_ret(-errno, "cannot read '%s': %s",
						     name, strerror(errno)) : n;
	}
}

static int spool_plain(int in, int out, u8 *buf, const u8 *head, size_t hlen,
		       const char *name)
{
	int err = write_all(out, head, hlen, "the tar spool file");
	ssize_t n;

	while (!err && (n = read_some(in, buf, COPY_CHUNK, name)) > 0)
		err = write_all(out, buf, n, "the tar spool file");
	return err ? err : (n < 0 ? (int)n : 0);
}

static int spool_gzip(int in, int out, u8 *buf, const u8 *head, size_t hlen,
		      const char *name)
{
	u8 *obuf = malloc(COPY_CHUNK);
	z_stream zs = { 0 };
	int err = 0, zr = Z_OK;
	bool eof = false;

	/* 15 + 32: a gzip or zlib header, found by its magic */
	if (!obuf || inflateInit2(&zs, 15 + 32) != Z_OK) {
		free(obuf);
		return -ENOMEM;
	}
	memcpy(buf, head, hlen);
	zs.next_in = buf;
	zs.avail_in = hlen;
	while (!err) {
		if (!zs.avail_in && !eof) {
			ssize_t n = read_some(in, buf, COPY_CHUNK, name);

			if (n < 0) {
				err = n;
				break;
			}
			eof = !n;
			zs.next_in = buf;
			zs.avail_in = n;
		}
		if (!zs.avail_in && eof)
			break;
		if (zr == Z_STREAM_END && !*zs.next_in) {
			/* zeros after the end (tape blocking): gzip skips them */
			zs.next_in++;
			zs.avail_in--;
			continue;
		}
		if (zr == Z_STREAM_END)	/* another gzip member follows */
			inflateReset(&zs);
		zs.next_out = obuf;
		zs.avail_out = COPY_CHUNK;
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			err = erofs_err_ret(-EINVAL, "'%s': bad gzip data: %s",
					    name, zs.msg ? zs.msg : "error");
		else if (zr == Z_BUF_ERROR && eof && !zs.avail_in)
			break;
		if (!err)
			err = write_all(out, obuf, COPY_CHUNK - zs.avail_out,
					"the tar spool file");
	}
	if (!err && zr != Z_STREAM_END)
		err = erofs_err_ret(-EINVAL, "'%s': gzip stream cut short", name);
	inflateEnd(&zs);
	free(obuf);
	return err;
}

static int spool_xz(int in, int out, u8 *buf, const u8 *head, size_t hlen,
		    const char *name)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	u8 *obuf = malloc(COPY_CHUNK);
	lzma_ret lr = LZMA_OK;
	int err = 0;

	if (!obuf || lzma_auto_decoder(&ls, UINT64_MAX, LZMA_CONCATENATED) !=
		     LZMA_OK) {
		free(obuf);
		return -ENOMEM;
	}
	memcpy(buf, head, hlen);
	ls.next_in = buf;
	ls.avail_in = hlen;
	while (!err && lr != LZMA_STREAM_END) {
		lzma_action act = LZMA_RUN;

		if (!ls.avail_in) {
			ssize_t n = read_some(in, buf, COPY_CHUNK, name);

			if (n < 0) {
				err = n;
				break;
			}
			ls.next_in = buf;
			ls.avail_in = n;
			if (!n)
				act = LZMA_FINISH;
		}
		ls.next_out = obuf;
		ls.avail_out = COPY_CHUNK;
		lr = lzma_code(&ls, act);
		if (lr != LZMA_OK && lr != LZMA_STREAM_END)
			err = erofs_err_ret(-EINVAL, "'%s': bad xz/lzma data (error %d)",
					    name, (int)lr);
		if (!err)
			err = write_all(out, obuf, COPY_CHUNK - ls.avail_out,
					"the tar spool file");
	}
	lzma_end(&ls);
	free(obuf);
	return err;
}

static bool is_gzip(const u8 *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static bool is_xz(const u8 *p, size_t n)
{
	static const u8 xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

	/* .lzma has no magic: take the properties byte every encoder uses */
	return (n >= 6 && !memcmp(p, xz, 6)) ||
	       (n >= 13 && p[0] == 0x5d && p[1] == 0);
}

/*
 * The archive as a file that pread() can reach anywhere: a regular file
 * as it is, anything else copied (and decompressed when asked and the
 * magic says so) into a temporary file.
 */
static int open_archive(struct tar *t)
{
	const struct erofs_mkfs_cfg *cfg = t->ctx->cfg;
	const char *src = cfg->source, *name = src ? src : "standard input";
	const char *filter = cfg->tar_filter;
	u8 head[16], *buf;
	struct stat st;
	size_t hlen = 0;
	int in, out, err;

	in = src && strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) :
		dup(STDIN_FILENO);
	if (in < 0)
		return erofs_err_ret(-errno, "cannot open tar source '%s': %s",
				     name, strerror(errno));
	if (fstat(in, &st)) {
		err = erofs_err_ret(-errno, "cannot stat '%s': %s", name,
				    strerror(errno));
		close(in);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(in);
		return erofs_err_ret(-EISDIR, "tar source '%s' is a directory",
				     name);
	}
	if (filter) {
		ssize_t n = 1;

		while (hlen < sizeof(head) && n > 0) {
			n = read_some(in, head + hlen, sizeof(head) - hlen, name);
			hlen += n > 0 ? n : 0;
		}
		if (n < 0) {
			close(in);
			return n;
		}
		/* "try": a stream without the magic is read as plain tar */
		if (!strcmp(filter, "gzip") ? !is_gzip(head, hlen) :
		    !is_xz(head, hlen))
			filter = NULL;
	}
	if (S_ISREG(st.st_mode) && !filter) {
		t->fd = in;
		t->size = st.st_size;
		return 0;
	}
	out = z_open_spill(cfg);
	buf = malloc(COPY_CHUNK);
	if (out < 0 || !buf) {
		err = out < 0 ? out : -ENOMEM;
		goto fail;
	}
	if (!filter)
		err = spool_plain(in, out, buf, head, hlen, name);
	else if (!strcmp(filter, "gzip"))
		err = spool_gzip(in, out, buf, head, hlen, name);
	else
		err = spool_xz(in, out, buf, head, hlen, name);
	if (!err && fstat(out, &st))
		err = -errno;
	if (err)
		goto fail;
	free(buf);
	close(in);
	t->fd = out;
	t->size = st.st_size;
	return 0;
fail:
	free(buf);
	if (out >= 0)
		close(out);
	close(in);
	return err;
}

static int tar_pread(struct tar *t, void *buf, size_t len, u64 pos)
{
	if (pos > t->size || len > t->size - pos)
		return erofs_err_ret(-EINVAL,
			"tar archive cut short: %zu bytes at offset %llu",
			len, (unsigned long long)pos);
	return z_pread_all(t->fd, buf, len, pos, "the tar archive");
}

/* ---- header fields ----------------------------------------------------- */

/* an octal or base-256 number field; false when malformed */
static bool field_num(const u8 *f, size_t len, bool sign, s64 *out)
{
	u64 v = 0;
	size_t i = 0;

	if (f[0] == 0x80) {		/* base-256, positive */
		for (i = 1; i < len; i++) {
			if (v >> 55)
				return false;
			v = v << 8 | f[i];
		}
		*out = (s64)v;
		return v <= INT64_MAX;
	}
	if (f[0] == 0xff) {		/* base-256, two's complement */
		if (!sign)
			return false;
		v = ~0ULL;
		for (i = 1; i < len; i++)
			v = v << 8 | f[i];
		*out = (s64)v;
		return true;
	}
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = v << 3 | (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i])
			return false;
	*out = (s64)v;
	return true;
}

static bool checksum_ok(const u8 *h)
{
	s64 want;
	u64 u = 0;
	s64 s = 0;

	if (!field_num(h + 148, 8, false, &want))
		return false;
	for (int i = 0; i < TAR_BLOCK; i++) {
		u8 c = i >= 148 && i < 156 ? ' ' : h[i];

		u += c;
		s += (signed char)c;
	}
	/* some old tars summed signed chars */
	return (s64)u == want || s == want;
}

static char *field_str(const u8 *f, size_t len)
{
	return strndup((const char *)f, len);
}

/* ---- pax records -------------------------------------------------------- */

static void pax_clear(struct pax *p)
{
	free(p->path);
	free(p->linkpath);
	for (u32 i = 0; i < p->nxattrs; i++) {
		free(p->xattrs[i].name);
		free(p->xattrs[i].value);
	}
	free(p->xattrs);
	free(p->acl[0]);
	free(p->acl[1]);
	memset(p, 0, sizeof(*p));
}

static bool parse_u64(const char *s, size_t len, u64 *out)
{
	u64 v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "[-]SEC[.FRACTION]" */
static bool parse_time(const char *s, size_t len, s64 *sec, u32 *nsec)
{
	bool neg = len && s[0] == '-';
	const char *dot = memchr(s, '.', len);
	size_t ilen = (dot ? (size_t)(dot - s) : len) - neg;
	u64 v, frac = 0;
	u32 digits = 0;

	if (!parse_u64(s + neg, ilen, &v) || v > INT64_MAX)
		return false;
	if (dot) {
		for (const char *p = dot + 1; p < s + len; p++) {
			if (*p < '0' || *p > '9')
				return false;
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
		}
		for (; digits < 9; digits++)
			frac *= 10;
	}
	/* -1.5 is 2 s before the epoch, plus half a second */
	if (neg && frac) {
		*sec = -(s64)v - 1;
		*nsec = 1000000000 - frac;
	} else {
		*sec = neg ? -(s64)v : (s64)v;
		*nsec = frac;
	}
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int pax_add_xattr(struct pax *p, char *name, u8 *value, size_t len)
{
	struct pax_xattr *x;

	/* GNU tar sets a --selinux label after the xattrs: it wins */
	if (p->rht_label && !strcmp(name, "security.selinux")) {
		free(name);
		free(value);
		return 0;
	}
	for (u32 i = 0; i < p->nxattrs; i++) {
		if (!strcmp(p->xattrs[i].name, name)) {	/* the last one wins */
			free(name);
			free(p->xattrs[i].value);
			p->xattrs[i].value = value;
			p->xattrs[i].len = len;
			return 0;
		}
	}
	x = realloc(p->xattrs, (p->nxattrs + 1) * sizeof(*x));
	if (!x) {
		free(name);
		free(value);
		return -ENOMEM;
	}
	p->xattrs = x;
	p->xattrs[p->nxattrs++] = (struct pax_xattr){ name, value, len };
	return 0;
}

static int pax_copy_xattr(struct pax *p, const char *name, size_t nlen,
			  const char *val, size_t vlen)
{
	char *n = strndup(name, nlen);
	u8 *v = malloc(vlen ? vlen : 1);

	if (!n || !v) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	memcpy(v, val, vlen);
	return pax_add_xattr(p, n, v, vlen);
}

/*
 * A label from GNU tar --selinux: extraction sets it with setfilecon(),
 * which stores the text with its terminating NUL.
 */
static int pax_selinux(struct pax *p, const char *val, size_t vlen)
{
	char *n = strdup("security.selinux");
	u8 *v = malloc(vlen + 1);
	int err;

	if (!n || !v) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	memcpy(v, val, vlen);
	v[vlen] = '\0';
	if (vlen && !val[vlen - 1])
		vlen--;
	p->rht_label = false;
	err = pax_add_xattr(p, n, v, vlen + 1);
	p->rht_label = true;
	return err;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * Base64 with or without '=' padding: libarchive writes none.  Returns
 * the length of the bytes decoded into @out, or -1 when malformed.
 */
static ssize_t b64_decode(const char *in, size_t len, u8 *out)
{
	size_t n = 0, bits = 0;
	u32 acc = 0;

	if (len % 4 == 0)
		for (int pad = 0; pad < 2 && len && in[len - 1] == '='; pad++)
			len--;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = acc >> bits;
		}
	}
	/* the bits left over must be zero, as an encoder writes them */
	return acc & ((1U << bits) - 1) ? -1 : (ssize_t)n;
}

/* LIBARCHIVE.xattr.NAME: NAME %-escaped, the value in base64 */
static int pax_libarchive_xattr(struct pax *p, const char *key, size_t klen,
				const char *val, size_t vlen)
{
	char *name = malloc(klen + 1);
	u8 *value = malloc(vlen / 4 * 3 + 3);
	size_t n = 0;
	ssize_t len;

	if (!name || !value)
		goto nomem;
	for (size_t i = 0; i < klen; i++) {
		int hi, lo;

		if (key[i] == '%' && i + 2 < klen &&
		    (hi = hexval(key[i + 1])) >= 0 &&
		    (lo = hexval(key[i + 2])) >= 0) {
			name[n++] = hi << 4 | lo;
			i += 2;
		} else {
			name[n++] = key[i];
		}
	}
	name[n] = '\0';
	len = b64_decode(val, vlen, value);
	if (len < 0)
		goto bad;
	return pax_add_xattr(p, name, value, len);
bad:
	free(name);
	free(value);
	return erofs_err_ret(-EINVAL, "bad base64 value in pax record '%.*s'",
			     (int)klen, key);
nomem:
	free(name);
	free(value);
	return -ENOMEM;
}

static int pax_num_of(const char *key, size_t klen)
{
	for (int i = 0; i < PAX_NUMS; i++)
		if (strlen(pax_num_keys[i]) == klen &&
		    !memcmp(key, pax_num_keys[i], klen))
			return i;
	return -1;
}

/* a record for a header field; an empty value takes it back */
static bool pax_num(struct pax *p, enum pax_num i, const char *val,
		    size_t vlen)
{
	s64 sec;

	p->has[i] = false;
	if (!vlen)
		return true;
	if (i != PAX_MTIME) {
		p->has[i] = parse_u64(val, vlen, &p->num[i]);
	} else if (parse_time(val, vlen, &sec, &p->mtime_nsec)) {
		p->num[i] = (u64)sec;
		p->has[i] = true;
	}
	return p->has[i];
}

static int pax_record(struct tar *t, struct pax *p, const char *key,
		      size_t klen, const char *val, size_t vlen)
{
#define KEY(s)	(klen == sizeof(s) - 1 && !memcmp(key, s, klen))
#define PREFIX(s) (klen > sizeof(s) - 1 && !memcmp(key, s, sizeof(s) - 1))
	int num = pax_num_of(key, klen);
	bool ok = true;

	if (KEY("path") || KEY("linkpath") || KEY("GNU.sparse.name")) {
		char **dst = KEY("linkpath") ? &p->linkpath : &p->path;

		p->sparse |= KEY("GNU.sparse.name");	/* the real name */
		free(*dst);
		*dst = vlen ? strndup(val, vlen) : NULL;
		return *dst || !vlen ? 0 : -ENOMEM;
	}
	if (num >= 0)
		ok = pax_num(p, num, val, vlen);
	else if (PREFIX("GNU.sparse."))
		p->sparse = true;	/* refused with the member's name */
	else if (PREFIX("SCHILY.xattr."))
		return pax_copy_xattr(p, key + sizeof("SCHILY.xattr.") - 1,
				      klen - (sizeof("SCHILY.xattr.") - 1),
				      val, vlen);
	else if (KEY("RHT.security.selinux"))	/* tar --selinux alone */
		return pax_selinux(p, val, vlen);
	else if (PREFIX("LIBARCHIVE.xattr.")) {
		size_t off = sizeof("LIBARCHIVE.xattr.") - 1;

		return pax_libarchive_xattr(p, key + off, klen - off, val, vlen);
	} else if (KEY("SCHILY.acl.access") || KEY("SCHILY.acl.default")) {
		char **dst = &p->acl[KEY("SCHILY.acl.default")];

		free(*dst);
		*dst = strndup(val, vlen);
		return *dst ? 0 : -ENOMEM;
	}
	if (!ok)
		return erofs_err_ret(-EINVAL, "bad pax record %.*s=%.*s",
				     (int)klen, key, (int)(vlen > 40 ? 40 : vlen),
				     val);
	return 0;
#undef KEY
#undef PREFIX
}

/* records "LEN KEY=VALUE\n", LEN counting the whole record */
static int pax_parse(struct tar *t, struct pax *p, const char *buf, u64 len)
{
	u64 off = 0;

	while (off < len) {
		const char *rec = buf + off, *sp, *eq;
		u64 rlen;

		if (!buf[off])		/* NUL padding after the last record */
			break;
		sp = memchr(rec, ' ', len - off);
		if (!sp || !parse_u64(rec, sp - rec, &rlen) ||
		    rlen > len - off || rlen < (u64)(sp - rec) + 3 ||
		    rec[rlen - 1] != '\n')
			return erofs_err_ret(-EINVAL,
				"bad pax header at archive offset %llu",
				(unsigned long long)t->pos);
		eq = memchr(sp + 1, '=', rec + rlen - 1 - (sp + 1));
		if (!eq)
			return erofs_err_ret(-EINVAL,
				"pax record without '=' at archive offset %llu",
				(unsigned long long)t->pos);
		int err = pax_record(t, p, sp + 1, eq - sp - 1, eq + 1,
				     rec + rlen - 1 - (eq + 1));

		if (err)
			return err;
		off += rlen;
	}
	return 0;
}

/* the body of a pax or GNU long-name member, NUL-terminated */
static int read_body(struct tar *t, u64 size, char **out)
{
	char *buf;
	int err;

	if (size > PAX_MAX)
		return erofs_err_ret(-EFBIG,
			"tar header member of %llu bytes at offset %llu",
			(unsigned long long)size, (unsigned long long)t->pos);
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	err = tar_pread(t, buf, size, t->pos + TAR_BLOCK);
	if (err) {
		free(buf);
		return err;
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

/* ---- paths and nodes ----------------------------------------------------- */

/*
 * "./a//b/" -> "a/b"; "" is the root.  -EINVAL for a '..' component,
 * -ENAMETOOLONG for a path or a name too long; the caller says which
 * member it was.
 */
static int normalize_path(const char *in, char **out)
{
	size_t len = strlen(in), n = 0;
	char *p;

	/* also bounds the depth of the tree, which is walked recursively */
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	p = malloc(len + 1);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < len; ) {
		size_t j = i;

		while (j < len && in[j] != '/')
			j++;
		if ((j - i == 2 && in[i] == '.' && in[i + 1] == '.') ||
		    j - i > EROFS_NAME_LEN) {
			free(p);
			return j - i == 2 ? -EINVAL : -ENAMETOOLONG;
		}
		if (j > i && !(j - i == 1 && in[i] == '.')) {
			if (n)
				p[n++] = '/';
			memcpy(p + n, in + i, j - i);
			n += j - i;
		}
		i = j + 1;
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

/* a member's path; '..' is refused: nothing may reach outside the root */
static int normalize(const char *in, char **out)
{
	int err = normalize_path(in, out);

	if (err == -EINVAL)
		return erofs_err_ret(err, "tar member '%s' has '..' in its path",
				     in);
	if (err == -ENAMETOOLONG && strlen(in) >= PATH_MAX)
		return erofs_err_ret(err,
			"tar member '%.60s...' has a path longer than %d bytes",
			in, PATH_MAX - 1);
	if (err == -ENAMETOOLONG)
		return erofs_err_ret(err,
			"tar member '%.60s...' has a name longer than %d bytes",
			in, EROFS_NAME_LEN);
	return err;
}

static u64 path_hash(const char *s)
{
	u64 h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (u8)*s++) * 1099511628211ULL;
	return h;
}

static struct tar_node *node_find(struct tar *t, const char *path)
{
	u64 h = path_hash(path);

	for (struct erofs_hnode *n = erofs_hashtab_chain(&t->tab, h); n;
	     n = n->next) {
		struct tar_node *node = erofs_hnode_entry(n, struct tar_node,
							  hnode);

		if (n->hash == h && !strcmp(node->path, path))
			return node;
	}
	return NULL;
}

static struct mkfs_inode *inode_new(struct tar *t)
{
	struct mkfs_inode *in;

	if (t->nall == t->all_cap) {
		u64 cap = t->all_cap ? t->all_cap * 2 : 1024;
		void *p = realloc(t->all, cap * sizeof(*t->all));

		if (!p)
			return NULL;
		t->all = p;
		t->all_cap = cap;
	}
	in = calloc(1, sizeof(*in));
	if (in)
		t->all[t->nall++] = in;
	return in;
}

/* a directory that the archive names only as the parent of a member */
static struct mkfs_inode *implicit_dir(struct tar *t)
{
	struct mkfs_inode *in = inode_new(t);

	if (in) {
		in->mode = S_IFDIR | 0755;
		mkfs_set_owner_time(t->ctx, in, 0, 0, t->ctx->build_sec,
				    t->ctx->build_nsec);
	}
	return in;
}

/* a member no longer in the tree: its xattrs stop counting for sharing */
static void drop_xattrs(struct mkfs_inode *in)
{
	for (u16 i = 0; i < in->nxattrs; i++)
		in->xattrs[i]->count--;
	free(in->xattrs);
	in->xattrs = NULL;
	in->nxattrs = 0;
}

static void node_free_subtree(struct tar *t, struct tar_node *node)
{
	for (u32 i = 0; i < node->nkids; i++) {
		node_free_subtree(t, node->kids[i]);
		erofs_hashtab_remove(&t->tab, &node->kids[i]->hnode);
		free(node->kids[i]->path);
		free(node->kids[i]->kids);
		free(node->kids[i]);
	}
	free(node->kids);
	node->kids = NULL;
	node->nkids = node->kids_cap = 0;
}

static struct tar_node *node_get(struct tar *t, const char *path, int *err);

/* the directory holding @path, made when missing */
static struct tar_node *parent_of(struct tar *t, const char *path, int *err)
{
	const char *slash = strrchr(path, '/');
	struct tar_node *dir;
	char *ppath;

	if (!slash)
		return t->root;
	ppath = strndup(path, slash - path);
	if (!ppath) {
		*err = -ENOMEM;
		return NULL;
	}
	dir = node_get(t, ppath, err);
	free(ppath);
	if (dir && !S_ISDIR(dir->in->mode)) {
		*err = erofs_err_ret(-ENOTDIR,
			"tar member '%s': a parent is not a directory", path);
		return NULL;
	}
	return dir;
}

/* the node of @path, made (an implicit directory) when missing */
static struct tar_node *node_get(struct tar *t, const char *path, int *err)
{
	struct tar_node *node = node_find(t, path), *dir;

	if (node || !*path)
		return node ? node : t->root;
	dir = parent_of(t, path, err);
	if (!dir)
		return NULL;
	node = calloc(1, sizeof(*node));
	if (node)
		node->path = strdup(path);
	if (!node || !node->path || !(node->in = implicit_dir(t))) {
		if (node)
			free(node->path);
		free(node);
		*err = -ENOMEM;
		return NULL;
	}
	node->name = strrchr(node->path, '/');
	node->name = node->name ? node->name + 1 : node->path;
	if (dir->nkids == dir->kids_cap) {
		u32 cap = dir->kids_cap ? dir->kids_cap * 2 : 8;
		void *p = realloc(dir->kids, cap * sizeof(*dir->kids));

		if (!p)
			goto nomem;
		dir->kids = p;
		dir->kids_cap = cap;
	}
	if (erofs_hashtab_insert(&t->tab, &node->hnode, path_hash(path)))
		goto nomem;
	dir->kids[dir->nkids++] = node;
	node->parent = dir;
	return node;
nomem:
	free(node->path);
	free(node);
	*err = -ENOMEM;
	return NULL;
}

#define TAR_MAX_SYMLINKS	40	/* as many as a kernel path walk takes */

static char *join_path(const char *dir, const char *rest)
{
	char *p;

	if (!*dir || !*rest)
		return strdup(*dir ? dir : rest);
	return asprintf(&p, "%s/%s", dir, rest) < 0 ? NULL : p;
}

/* the number of components of a normalized path */
static u32 path_depth(const char *p)
{
	u32 n = *p != '\0';

	for (; (p = strchr(p, '/')); p++)
		n++;
	return n;
}

/*
 * @rest, which starts with the symlink @link's name, with that name
 * swapped for the symlink's target.  As GNU tar, only a relative target
 * without '..' is followed (tar makes the others at the end, behind a
 * placeholder file); 0 or -errno with @why set.
 */
static int follow_link(const struct tar_node *link, char **rest, u32 *linked,
		       const char **why)
{
	char *target, *norm, *tail;
	int err;

	target = strndup((const char *)link->in->data, link->in->size);
	if (!target)
		return -ENOMEM;
	err = *target == '/' ? -EINVAL : normalize_path(target, &norm);
	free(target);
	if (err == -EINVAL)
		*why = "is a symlink to an absolute or '..' path, which tar "
		       "extraction does not follow";
	if (err == -ENAMETOOLONG)
		*why = "is a symlink to a name too long";
	if (err)
		return err == -EINVAL ? -ENOTDIR : err;
	tail = join_path(norm, strchr(*rest, '/') + 1);
	*linked += path_depth(norm);
	free(norm);
	if (!tail)
		return -ENOMEM;
	free(*rest);
	*rest = tail;
	return 0;
}

/*
 * Where extraction puts @path (normalized): every symlink before its last
 * component is followed, as open() would, into a directory that must
 * already be in the tree.  Missing directories on the member's own path
 * are left for node_get() to make.
 */
static int resolve(struct tar *t, const char *name, const char *path,
		   char **out, struct tar_node **self)
{
	char *cur = strdup(""), *rest = strdup(path), *next = NULL, *slash;
	char *via = NULL;		/* the last symlink followed */
	struct tar_node *seen[TAR_MAX_SYMLINKS];
	const char *why = NULL;
	u32 hops = 0, linked = 0;	/* leading parts of @rest from targets */
	int err = 0;

	while (cur && rest && (slash = strchr(rest, '/'))) {
		struct tar_node *n;

		*slash = '\0';
		next = join_path(cur, rest);
		*slash = '/';
		if (!next) {
			err = -ENOMEM;
			goto out;
		}
		n = node_find(t, next);
		if (!n && !linked)
			break;		/* the rest is made as directories */
		linked -= !!linked;
		if (n && S_ISDIR(n->in->mode)) {
			free(cur);
			cur = next;
			next = NULL;
			memmove(rest, slash + 1, strlen(slash + 1) + 1);
			continue;
		}
		if (!n) {
			err = -ENOENT;
			why = "is not in the archive before it";
		} else if (!S_ISLNK(n->in->mode)) {
			err = -ENOTDIR;
			why = "is not a directory";
		} else if (++hops > TAR_MAX_SYMLINKS) {
			err = -ELOOP;
			why = "leads through too many symlinks";
			free(via);
			via = NULL;
		} else {
			seen[hops - 1] = n;
			err = follow_link(n, &rest, &linked, &why);
		}
		if (err)
			goto out;
		free(via);
		via = next;
		next = NULL;
	}
	free(next);
	next = NULL;
	*out = cur && rest ? join_path(cur, rest) : NULL;
	err = *out ? 0 : -ENOMEM;
	if (*out && strlen(*out) >= PATH_MAX) {
		free(*out);
		err = -ENAMETOOLONG;
		why = "leads to a path too long";
	} else if (*out && self) {
		struct tar_node *n = node_find(t, *out);

		*self = NULL;
		for (u32 i = 0; i < hops && n; i++)
			if (seen[i] == n)
				*self = n;
	}
out:
	if (why && via && next)
		err = erofs_err_ret(err,
			"tar member '%s': '%s' (through symlink '%s') %s", name,
			next, via, why);
	else if (why)
		err = erofs_err_ret(err, "tar member '%s': '%s' %s", name,
				    next ? next : path, why);
	free(via);
	free(cur);
	free(rest);
	free(next);
	return err;
}

/* ---- members ------------------------------------------------------------- */

struct member {
	const char *name;	/* as the archive gives it */
	char *lpath;		/* normalized */
	char *path;		/* lpath through symlinks, as extraction goes */
	struct tar_node *self;	/* a symlink that path names and goes through */
	char *link;		/* symlink target or hard-link path, raw */
	char type;
	u32 mode;		/* permission bits */
	u64 size, uid, gid, major, minor;
	s64 mtime;
	u32 mtime_nsec;
	u64 data;		/* archive offset of the data */
};

/* POSIX ACL xattr values: a version, then (tag, perm, id) sorted */
#define ACL_VERSION	2
#define ACL_USER_OBJ	0x01
#define ACL_USER	0x02
#define ACL_GROUP_OBJ	0x04
#define ACL_GROUP	0x08
#define ACL_MASK	0x10
#define ACL_OTHER	0x20
#define ACL_NO_ID	0xffffffffU
#define ACL_MAX		1024

struct acl_ent {
	u16 tag, perm;
	u32 id;
};

static int cmp_acl(const void *a, const void *b)
{
	const struct acl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static bool acl_num(const char *s, u32 *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s >= '0' && *s <= '9' && !*end && !errno && v < ACL_NO_ID) {
		*id = v;
		return true;
	}
	return false;
}

static bool acl_id(const char *s, bool user, u32 *id)
{
	struct passwd *pw;
	struct group *gr;

	if (acl_num(s, id))
		return true;
	/* a name, as GNU tar extraction resolves it: on this host */
	if (user && (pw = getpwnam(s)))
		*id = pw->pw_uid;
	else if (!user && (gr = getgrnam(s)))
		*id = gr->gr_gid;
	else
		return false;
	return true;
}

/* one "tag:qualifier:rwx" entry of acl_to_text() form */
static int acl_parse_entry(char *e, struct acl_ent *out, const char *path)
{
	char *q = strchr(e, ':'), *perm = q ? strchr(q + 1, ':') : NULL;
	char *extra = NULL;
	bool user;

	if (!perm || strlen(perm + 1) < 3)
		goto bad;
	*q++ = '\0';
	*perm++ = '\0';
	/* bsdtar adds the number to a name: "user:alice:r-x:1000" */
	if (perm[3] == ':')
		extra = perm + 4;
	else if (perm[3])
		goto bad;
	user = !strcmp(e, "user") || !strcmp(e, "u");
	if (user || !strcmp(e, "group") || !strcmp(e, "g")) {
		out->tag = *q ? (user ? ACL_USER : ACL_GROUP) :
			   (user ? ACL_USER_OBJ : ACL_GROUP_OBJ);
		out->id = ACL_NO_ID;
		/* the name first, then the number, as bsdtar extracts */
		if (*q && !acl_id(q, user, &out->id) &&
		    !(extra && acl_num(extra, &out->id)))
			return erofs_err_ret(-EINVAL,
				"tar member '%s': ACL names unknown %s '%s'",
				path, user ? "user" : "group", q);
	} else if (!strcmp(e, "mask") || !strcmp(e, "m") ||
		   !strcmp(e, "other") || !strcmp(e, "o")) {
		out->tag = e[0] == 'm' ? ACL_MASK : ACL_OTHER;
		out->id = ACL_NO_ID;
	} else {
		goto bad;
	}
	out->perm = 0;
	for (int i = 0; i < 3; i++) {
		if (perm[i] == "rwx"[i])
			out->perm |= 4 >> i;
		else if (perm[i] != '-')
			goto bad;
	}
	return 0;
bad:
	return erofs_err_ret(-EINVAL, "tar member '%s': bad ACL entry", path);
}

/*
 * What the kernel accepts (@ents sorted): one owner, group and other
 * entry, a mask when there are named entries, no name twice.
 */
static bool acl_valid(const struct acl_ent *ents, u32 n)
{
	u32 count[0x21] = { 0 };

	for (u32 i = 0; i < n; i++) {
		if (i && ents[i].tag == ents[i - 1].tag &&
		    ents[i].id == ents[i - 1].id)
			return false;
		count[ents[i].tag]++;
	}
	return count[ACL_USER_OBJ] == 1 && count[ACL_GROUP_OBJ] == 1 &&
	       count[ACL_OTHER] == 1 && count[ACL_MASK] <= 1 &&
	       (count[ACL_MASK] || !(count[ACL_USER] || count[ACL_GROUP]));
}

/*
 * Setting an access ACL sets the mode's permission bits as well, the
 * group bits from the mask when there is one, as the kernel does; true
 * when the ACL has nothing more than those bits, and so is not kept.
 */
static bool acl_to_mode(const struct acl_ent *ents, u32 n, u32 *mode)
{
	u32 bits = *mode & 0777, group = 0;
	bool minimal = true, mask = false;

	for (u32 i = 0; i < n; i++) {
		switch (ents[i].tag) {
		case ACL_USER_OBJ:
			bits = (bits & ~0700) | ents[i].perm << 6;
			break;
		case ACL_GROUP_OBJ:
			group = ents[i].perm;
			bits = (bits & ~0070) | (mask ? bits & 0070 : group << 3);
			break;
		case ACL_MASK:
			mask = true;
			bits = (bits & ~0070) | ents[i].perm << 3;
			break;
		case ACL_OTHER:
			bits = (bits & ~0007) | ents[i].perm;
			break;
		default:
			minimal = false;
		}
	}
	*mode = (*mode & ~0777) | bits;
	return minimal && !mask;
}

/*
 * SCHILY.acl text ("user::rw-\nuser:1000:r--\n...") as an xattr value.
 * With @mode (an access ACL), the ACL's bits go into *mode, and *len is
 * 0 when the ACL says no more than them: the kernel keeps no xattr then.
 * bsdtar's header mode has the owning group's bits, not the mask's.
 */
static int acl_from_text(const char *text, const char *path, u32 *mode,
			 u8 **out, size_t *len)
{
	char *copy = strdup(text), *save = NULL, *e;
	struct acl_ent *ents = calloc(ACL_MAX, sizeof(*ents));
	u32 n = 0;
	int err = 0;

	if (!copy || !ents) {
		err = -ENOMEM;
		goto out;
	}
	for (e = strtok_r(copy, "\n,", &save); e && !err;
	     e = strtok_r(NULL, "\n,", &save)) {
		char *hash = strchr(e, '#');	/* "#effective:r--" comments */

		if (hash)
			*hash = '\0';
		while (*e == ' ' || *e == '\t')
			e++;
		if (!*e)
			continue;
		if (n == ACL_MAX)
			err = erofs_err_ret(-E2BIG, "tar member '%s': ACL too long",
					    path);
		else
			err = acl_parse_entry(e, &ents[n++], path);
	}
	if (err)
		goto out;
	qsort(ents, n, sizeof(*ents), cmp_acl);
	if (n && !acl_valid(ents, n)) {
		err = erofs_err_ret(-EINVAL,
			"tar member '%s': invalid ACL: an entry missing or twice",
			path);
		goto out;
	}
	if (mode && acl_to_mode(ents, n, mode)) {
		*len = 0;
		goto out;
	}
	*len = 4 + 8 * (size_t)n;
	*out = malloc(*len);
	if (!*out) {
		err = -ENOMEM;
		goto out;
	}
	{
		__le32 version = cpu_to_le32(ACL_VERSION);

		memcpy(*out, &version, 4);
	}
	for (u32 i = 0; i < n; i++) {
		struct {
			__le16 tag, perm;
			__le32 id;
		} raw = { cpu_to_le16(ents[i].tag), cpu_to_le16(ents[i].perm),
			  cpu_to_le32(ents[i].id) };

		memcpy(*out + 4 + 8 * i, &raw, 8);
	}
out:
	free(copy);
	free(ents);
	return err;
}

static bool pax_has_xattr(const struct pax *p, const char *name)
{
	for (u32 i = 0; i < p->nxattrs; i++)
		if (!strcmp(p->xattrs[i].name, name))
			return true;
	return false;
}

/*
 * @name = @value on @in, in place of any value it had: a directory met
 * again keeps the xattrs the new member does not set, as setxattr() does
 */
static int put_xattr(struct tar *t, struct mkfs_inode *in, const char *name,
		     const void *value, size_t len, const char *path)
{
	mkfs_xattr_remove(t->ctx, in, name);
	return mkfs_xattr_add(t->ctx, in, name, value, len, path);
}

/* text ACLs, where the archive has no raw xattr of the same ACL */
static int add_text_acls(struct tar *t, struct mkfs_inode *in,
			 const char *path)
{
	static const char *const names[2] = {
		"system.posix_acl_access", "system.posix_acl_default"
	};
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		const char *text = t->local.acl[i] ? t->local.acl[i] :
				   t->global.acl[i];
		u8 *value = NULL;
		size_t len = 0;

		if (!text || pax_has_xattr(&t->local, names[i]) ||
		    pax_has_xattr(&t->global, names[i]))
			continue;
		/* the kernel allows no default ACL but on a directory */
		if (i == 1 && !S_ISDIR(in->mode))
			continue;
		err = acl_from_text(text, path, i == 0 ? &in->mode : NULL,
				    &value, &len);
		if (!err && len > 4)
			err = put_xattr(t, in, names[i], value, len, path);
		free(value);
	}
	return err;
}

static int add_pax_xattrs(struct tar *t, struct mkfs_inode *in,
			  const char *path)
{
	int err = add_text_acls(t, in, path);

	for (u32 i = 0; i < t->global.nxattrs && !err; i++) {
		const struct pax_xattr *x = &t->global.xattrs[i];
		bool overridden = false;

		for (u32 j = 0; j < t->local.nxattrs; j++)
			overridden |= !strcmp(t->local.xattrs[j].name, x->name);
		if (!overridden)
			err = put_xattr(t, in, x->name, x->value, x->len, path);
	}
	for (u32 i = 0; i < t->local.nxattrs && !err; i++)
		err = put_xattr(t, in, t->local.xattrs[i].name,
				t->local.xattrs[i].value, t->local.xattrs[i].len,
				path);
	if (!err)
		mkfs_xattr_sort(in);
	return err;
}

static u32 type_bits(char type)
{
	switch (type) {
	case '5': return S_IFDIR;
	case '2': return S_IFLNK;
	case '3': return S_IFCHR;
	case '4': return S_IFBLK;
	case '6': return S_IFIFO;
	default: return S_IFREG;
	}
}

/* --aufs: ".wh..wh..opq" makes its directory opaque, ".wh.X" whites X out */
static int aufs_member(struct tar *t, struct member *m, bool *done)
{
	char *slash = strrchr(m->path, '/');
	char *base = slash ? slash + 1 : m->path;
	struct tar_node *dir;
	int err = 0;

	*done = false;
	if (strncmp(base, ".wh.", 4))
		return 0;
	*done = true;
	if (!strcmp(base, ".wh..wh..opq")) {
		if (slash)
			*slash = '\0';
		dir = slash ? node_get(t, m->path, &err) : t->root;
		if (slash)
			*slash = '/';
		if (!dir)
			return err;
		if (!S_ISDIR(dir->in->mode))
			return erofs_err_ret(-ENOTDIR,
				"tar member '%s': not in a directory", m->path);
		if (dir->opaque)
			return 0;
		dir->opaque = true;
		err = put_xattr(t, dir->in, "trusted.overlay.opaque", "y", 1,
				m->path);
		if (!err)
			mkfs_xattr_sort(dir->in);
		return err;
	}
	if (!strncmp(base, ".wh..wh.", 8))
		return 0;		/* aufs' own bookkeeping */
	/*
	 * the whited-out name becomes an overlayfs whiteout: char 0:0 with
	 * no permissions (c---------), as erofs-utils makes it; owner and
	 * mtime stay the .wh. member's
	 */
	memmove(base, base + 4, strlen(base + 4) + 1);
	if (!*base)
		return erofs_err_ret(-EINVAL, "tar member '.wh.' names nothing");
	/*
	 * ".wh.." and ".wh..." would white out "." or "..": a second entry
	 * of that name, which no directory can hold.  Dropped, as
	 * erofs-utils does.
	 */
	if (!strcmp(base, ".") || !strcmp(base, ".."))
		return 0;
	m->type = '3';
	m->mode = 0;
	m->major = m->minor = 0;
	*done = false;
	return 0;
}

static bool excluded(const struct erofs_mkfs_cfg *cfg, char *path)
{
	bool ex = false;

	if (!cfg->n_exclude_paths && !cfg->n_exclude_regexes)
		return false;
	/* a member inside an excluded directory goes with it */
	for (char *p = path; !ex && (p = strchr(p, '/')); p++) {
		*p = '\0';
		ex = mkfs_is_excluded(cfg, path);
		*p = '/';
	}
	return ex || mkfs_is_excluded(cfg, path);
}

/* take @node, which has no entries, out of the tree, as unlink() does */
static void node_unlink(struct tar *t, struct tar_node *node)
{
	struct tar_node *dir = node->parent;

	for (u32 i = 0; i < dir->nkids; i++) {
		if (dir->kids[i] == node) {
			dir->kids[i] = dir->kids[--dir->nkids];
			break;
		}
	}
	erofs_hashtab_remove(&t->tab, &node->hnode);
	free(node->path);
	free(node->kids);
	free(node);
}

/*
 * The member's path as extraction reaches it, through symlinks.  Where
 * that names a symlink the walk went through ("s/s" with s -> .), GNU tar
 * unlinks the symlink to make room and walks again (with @unlink): a
 * directory takes its place.
 */
static int resolve_member(struct tar *t, struct member *m, bool unlink)
{
	struct tar_node *self = NULL;
	char *path = NULL;
	int err = 0;

	for (int i = 0; !err && (!path || (unlink && self)); i++) {
		if (path)
			node_unlink(t, self);
		free(path);
		path = NULL;
		err = i > TAR_MAX_SYMLINKS ? erofs_err_ret(-ELOOP,
			"tar member '%s': too many symlinks", m->name) :
		      resolve(t, m->name, m->lpath, &path, &self);
	}
	if (!err) {
		free(m->path);
		m->path = path;
		m->self = self;
	}
	return err;
}

/*
 * A non-directory member over @node: a directory goes only when empty,
 * as GNU tar's rmdir() lets it ("Cannot open: File exists" otherwise).
 */
static int make_room(struct tar *t, struct tar_node *node,
		     const struct member *m)
{
	if (node == t->root)
		return erofs_err_ret(-EINVAL,
			"tar member '%s' would replace the root directory",
			m->name);
	if (S_ISDIR(node->in->mode) && node->nkids)
		return erofs_err_ret(-ENOTEMPTY,
			"tar member '%s' would replace a non-empty directory",
			m->name);
	return 0;
}

static int add_hardlink(struct tar *t, struct member *m)
{
	struct tar_node *node, *target;
	const char *why;
	char *tpath, *rpath;
	int err;

	err = normalize(m->link, &tpath);
	if (err)
		return err;
	err = resolve(t, m->name, tpath, &rpath, NULL);
	if (err) {
		free(tpath);
		return err;
	}
	target = node_find(t, rpath);
	/* a link to itself (tar -r of the same path): GNU tar skips it */
	if (target && target == node_find(t, m->path)) {
		free(tpath);
		free(rpath);
		return 0;
	}
	why = target ? "a directory" :
	      excluded(t->ctx->cfg, tpath) ? "which is excluded" :
	      "which is not in the archive before it";
	free(tpath);
	free(rpath);
	if (!target || S_ISDIR(target->in->mode))
		return erofs_err_ret(-EINVAL,
			"tar member '%s': hard link to '%s', %s", m->name,
			m->link, why);
	err = m->self ? resolve_member(t, m, true) : 0;
	if (err)
		return err;
	node = node_get(t, m->path, &err);
	if (!node)
		return err;
	err = make_room(t, node, m);
	if (!err) {
		node->in = target->in;
		node->opaque = false;
	}
	return err;
}

static int add_member(struct tar *t, struct member *m)
{
	struct tar_node *node;
	struct mkfs_inode *in;
	u32 mode = type_bits(m->type) | (m->mode & 07777);
	int err = 0;

	if (m->type == '1')
		return add_hardlink(t, m);
	/* symlink(2) makes every symlink 0777, whatever the header says */
	if (S_ISLNK(mode))
		mode = S_IFLNK | 0777;
	node = node_get(t, m->path, &err);
	if (!node)
		return err;
	/*
	 * A directory again: new attributes, and its xattrs added to the old
	 * ones; but ACLs go with the mode, as GNU tar --acls sets them: the
	 * new member's, or none.
	 */
	if (S_ISDIR(mode) && S_ISDIR(node->in->mode)) {
		in = node->in;
		mkfs_xattr_remove(t->ctx, in, "system.posix_acl_access");
		mkfs_xattr_remove(t->ctx, in, "system.posix_acl_default");
	} else {
		err = make_room(t, node, m);
		if (err)
			return err;
		in = inode_new(t);
		if (!in)
			return -ENOMEM;
		node->in = in;
		node->opaque = false;
	}
	in->mode = mode;
	mkfs_set_owner_time(t->ctx, in, m->uid, m->gid, m->mtime,
			    m->mtime_nsec);
	if (S_ISREG(mode)) {
		in->size = m->size;
		in->src_off = m->data;
		if (m->size) {
			/* no parent link: the path names the member in messages */
			in->name = strdup(*m->path ? m->path : ".");
			if (!in->name)
				return -ENOMEM;
			in->own_name = in->from_src = true;
		}
	} else if (S_ISLNK(mode)) {
		size_t len = strlen(m->link);

		/* symlink(2) refuses an empty target, and so does fsck */
		if (!len || len >= PATH_MAX)
			return erofs_err_ret(len ? -ENAMETOOLONG : -EINVAL,
				"tar member '%s': symlink target %s", m->name,
				len ? "too long" : "empty");
		in->data = malloc(len);
		if (!in->data)
			return -ENOMEM;
		memcpy(in->data, m->link, len);
		in->size = len;
	} else if (S_ISCHR(mode) || S_ISBLK(mode)) {
		if (m->major > 0xfff || m->minor > 0xfffff)
			return erofs_err_ret(-ERANGE,
				"tar member '%s': device %llu:%llu out of range",
				m->path, (unsigned long long)m->major,
				(unsigned long long)m->minor);
		in->rdev = erofs_encode_dev(m->major, m->minor);
	}
	return add_pax_xattrs(t, in, m->path);
}

static bool block_is_zero(const u8 *b)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* a number of the member's pax records, else the global ones, else @f's */
static bool pick_num(const struct tar *t, enum pax_num i, const u8 *f,
		     size_t len, bool sign, u64 *out)
{
	s64 v;

	if (t->local.has[i] || t->global.has[i]) {
		*out = (t->local.has[i] ? &t->local : &t->global)->num[i];
		return true;
	}
	if (!field_num(f, len, sign, &v))
		return false;
	*out = v;
	return true;
}

/* owner, time and device numbers; false when a header field is bad */
static bool member_nums(const struct tar *t, const u8 *h, struct member *m)
{
	bool dev = m->type == '3' || m->type == '4';
	u64 mtime;

	if (!pick_num(t, PAX_UID, h + 108, 8, false, &m->uid) ||
	    !pick_num(t, PAX_GID, h + 116, 8, false, &m->gid) ||
	    !pick_num(t, PAX_MTIME, h + 136, 12, true, &mtime) ||
	    (dev && !pick_num(t, PAX_MAJOR, h + 329, 8, false, &m->major)) ||
	    (dev && !pick_num(t, PAX_MINOR, h + 337, 8, false, &m->minor)))
		return false;
	m->mtime = (s64)mtime;
	m->mtime_nsec = t->local.has[PAX_MTIME] ? t->local.mtime_nsec :
			t->global.has[PAX_MTIME] ? t->global.mtime_nsec : 0;
	return true;
}

/* the member whose header is at t->pos; *end at the archive's end */
static int read_member(struct tar *t, bool *end)
{
	const struct erofs_mkfs_cfg *cfg = t->ctx->cfg;
	u8 h[TAR_BLOCK];
	struct member m = { 0 };
	s64 v;
	char *name = NULL, *body;
	bool ustar;
	int err;

	*end = false;
	if (t->pos + TAR_BLOCK > t->size) {
		if (t->pos != t->size)
			return erofs_err_ret(-EINVAL,
				"tar archive cut short at offset %llu",
				(unsigned long long)t->pos);
		*end = true;	/* no end-of-archive blocks: accepted */
		return 0;
	}
	err = tar_pread(t, h, TAR_BLOCK, t->pos);
	if (err)
		return err;
	if (block_is_zero(h)) {
		*end = true;
		return 0;
	}
	if (!checksum_ok(h))
		return erofs_err_ret(-EINVAL,
			"bad tar header checksum at offset %llu (not a tar archive?)",
			(unsigned long long)t->pos);
	m.type = h[156];
	if (!field_num(h + 124, 12, false, &v))
		return erofs_err_ret(-EINVAL, "bad size field at offset %llu",
				     (unsigned long long)t->pos);
	m.size = v;
	if (m.type != 'x' && m.type != 'g' && m.type != 'L' && m.type != 'K' &&
	    t->local.has[PAX_SIZE])
		m.size = t->local.num[PAX_SIZE];
	/*
	 * These carry no data, whatever the size field says; a hard link
	 * neither, but when a pax 'size' says so (POSIX.1-2001), as GNU tar
	 * and libarchive read it.
	 */
	if (m.type == '2' || m.type == '3' || m.type == '4' || m.type == '5' ||
	    m.type == '6' || (m.type == '1' && !t->local.has[PAX_SIZE]))
		m.size = 0;
	if (m.size > t->size)
		return erofs_err_ret(-EINVAL,
			"tar member at offset %llu claims %llu bytes, past the end",
			(unsigned long long)t->pos, (unsigned long long)m.size);
	/* headers that describe the next member */
	if (m.type == 'x' || m.type == 'g' || m.type == 'L' || m.type == 'K') {
		err = read_body(t, m.size, &body);
		if (err)
			return err;
		if (m.type == 'x' || m.type == 'g') {
			err = pax_parse(t, m.type == 'x' ? &t->local : &t->global,
					body, m.size);
			free(body);
		} else {
			char **dst = m.type == 'L' ? &t->local.path :
				     &t->local.linkpath;

			free(*dst);
			*dst = body;
		}
		t->pos += TAR_BLOCK + ((m.size + TAR_BLOCK - 1) & ~(u64)(TAR_BLOCK - 1));
		return err;
	}
	ustar = !memcmp(h + 257, "ustar\0" "00", 8);
	if (t->local.path) {
		name = strdup(t->local.path);
	} else if (ustar && h[345]) {
		char *prefix = field_str(h + 345, 155), *base = field_str(h, 100);

		if (prefix && base && asprintf(&name, "%s/%s", prefix, base) < 0)
			name = NULL;
		free(prefix);
		free(base);
	} else {
		name = field_str(h, 100);
	}
	if (!name)
		return -ENOMEM;
	m.link = t->local.linkpath ? strdup(t->local.linkpath) :
		 field_str(h + 157, 100);
	if (!m.link) {
		free(name);
		return -ENOMEM;
	}
	m.data = t->pos + TAR_BLOCK;
	if (m.data + m.size > t->size) {
		err = erofs_err_ret(-EINVAL,
			"tar member '%s': data past the end of the archive",
			name);
		goto out;
	}
	if (!field_num(h + 100, 8, false, &v))
		goto bad_field;
	m.mode = v;
	if (!member_nums(t, h, &m))
		goto bad_field;
	if (m.uid > UINT32_MAX || m.gid > UINT32_MAX) {
		err = erofs_err_ret(-ERANGE,
			"tar member '%s': owner %llu:%llu out of range", name,
			(unsigned long long)m.uid, (unsigned long long)m.gid);
		goto out;
	}
	/* a trailing slash marks a directory in pre-POSIX archives */
	if ((m.type == '0' || m.type == '\0' || m.type == '7') && *name &&
	    name[strlen(name) - 1] == '/')
		m.type = '5';
	if (t->local.sparse)	/* pax sparse formats 0.x and 1.0 */
		m.type = 'S';
	switch (m.type) {
	case '0': case '\0': case '7': case '1': case '2': case '3': case '4':
	case '5': case '6':
		break;
	case 'D':		/* GNU dumpdir: a directory, its listing skipped */
		m.type = '5';
		break;
	case 'S':
		err = erofs_err_ret(-EOPNOTSUPP,
			"tar member '%s': GNU sparse files are not supported",
			name);
		goto out;
	case 'V': case 'N': case 'M':
		goto next;	/* volume labels and old GNU extras: no file */
	default:
		err = erofs_err_ret(-EOPNOTSUPP,
			"tar member '%s': unsupported type '%c'", name, m.type);
		goto out;
	}
	m.name = name;
	err = normalize(name, &m.lpath);
	if (err)
		goto out;
	if (excluded(cfg, m.lpath))
		goto next;
	/* a hard link first looks whether it is there already */
	err = resolve_member(t, &m, m.type != '1');
	if (err)
		goto out;
	if (cfg->aufs) {
		bool done;

		err = aufs_member(t, &m, &done);
		if (err || done)
			goto next;
	}
	err = add_member(t, &m);
next:
	t->pos += TAR_BLOCK + ((m.size + TAR_BLOCK - 1) & ~(u64)(TAR_BLOCK - 1));
	pax_clear(&t->local);
out:
	free(name);
	free(m.lpath);
	free(m.path);
	free(m.link);
	return err;
bad_field:
	err = erofs_err_ret(-EINVAL, "tar member '%s': bad header field", name);
	goto out;
}

/* ---- the tree ------------------------------------------------------------ */

static int cmp_nodes(const void *a, const void *b)
{
	return strcmp((*(struct tar_node *const *)a)->name,
		      (*(struct tar_node *const *)b)->name);
}

/*
 * Directory entries from the nodes, in name order, and the inode list:
 * every inode reachable from the root, once, with its link count.
 */
static int build_dirs(struct tar *t, struct tar_node *dnode, int depth)
{
	struct mkfs_inode *dir = dnode->in;
	int err = 0;

	if (depth > PATH_MAX / 2)
		return erofs_err_ret(-ELOOP, "tar tree too deep");
	if (dnode->nkids > 1)
		qsort(dnode->kids, dnode->nkids, sizeof(*dnode->kids),
		      cmp_nodes);
	dir->dents = calloc(dnode->nkids + 2, sizeof(*dir->dents));
	if (!dir->dents)
		return -ENOMEM;
	dir->nlink = 2;
	for (u32 i = 0; i < dnode->nkids && !err; i++) {
		struct tar_node *kid = dnode->kids[i];
		struct mkfs_inode *in = kid->in;
		struct mkfs_dentry *de = &dir->dents[i];

		de->name_len = strlen(kid->name);
		de->name = mkfs_name_dup(t->ctx, kid->name, de->name_len);
		if (!de->name)
			return -ENOMEM;
		de->file_type = erofs_mode_to_ftype(in->mode);
		de->inode = in;
		dir->ndents = i + 1;
		if (!in->nlink)
			err = mkfs_inode_append(t->ctx, in);
		if (err)
			break;
		if (S_ISDIR(in->mode)) {
			dir->nlink++;
			in->parent = dir;
			err = build_dirs(t, kid, depth + 1);
		} else {
			in->nlink++;
		}
	}
	if (!err)
		mkfs_dir_seal(dir, dnode->nkids);
	return err;
}

static void free_nodes(struct tar *t)
{
	if (t->root) {
		node_free_subtree(t, t->root);
		free(t->root->path);
		free(t->root);
	}
	erofs_hashtab_release(&t->tab);
	t->root = NULL;
}

int mkfs_tar_scan(struct mkfs_ctx *ctx)
{
	struct tar t = { .ctx = ctx, .fd = -1 };
	bool end = false;
	int err;

	err = open_archive(&t);
	if (err)
		return err;
	ctx->tar = true;
	ctx->tar_fd = t.fd;
	t.root = calloc(1, sizeof(*t.root));
	if (t.root)
		t.root->path = strdup("");
	if (!t.root || !t.root->path || !(t.root->in = implicit_dir(&t))) {
		err = -ENOMEM;
		goto out;
	}
	t.root->name = t.root->path;
	while (!err && !end)
		err = read_member(&t, &end);
	if (err)
		goto out;
	/* every inode starts unlinked; the walk counts its links */
	for (u64 i = 0; i < t.nall; i++)
		t.all[i]->nlink = 0;
	ctx->root = t.root->in;
	err = mkfs_inode_append(ctx, ctx->root);
	if (!err)
		err = build_dirs(&t, t.root, 0);
out:
	/* members replaced by later ones, or never linked: not in the image */
	for (u64 i = 0; i < t.nall; i++) {
		struct mkfs_inode *in = t.all[i];

		if (in->nlink || in == ctx->root)
			continue;
		drop_xattrs(in);
		free(in->dents);
		if (in->own_name)
			free((char *)in->name);
		free(in->data);
		free(in);
	}
	free(t.all);
	free_nodes(&t);
	pax_clear(&t.local);
	pax_clear(&t.global);
	return err;
}

void mkfs_tar_release(struct mkfs_ctx *ctx)
{
	if (ctx->tar && ctx->tar_fd >= 0)
		close(ctx->tar_fd);
	ctx->tar = false;
	ctx->tar_fd = -1;
}
