// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * mkfs.erofs: options, then one call into the image writer.  The image is
 * written beside DESTINATION and renamed over it only when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "config.h"
#include "erofs/mkfs.h"
#include "erofs/print.h"
#include "erofs/progress.h"
#include "erofs/version.h"
#include "erofs/xattr.h"
#include "selabel.h"

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_ALL_ROOT = 256,
	OPT_FORCE_UID,
	OPT_FORCE_GID,
	OPT_UID_OFFSET,
	OPT_GID_OFFSET,
	OPT_EXCLUDE_PATH,
	OPT_EXCLUDE_REGEX,
	OPT_XATTR_PREFIX,
	OPT_ISHARE_KEY,
	OPT_INODE_DIGEST,
	OPT_WORKERS,
	OPT_QUIET,
	OPT_ALL_TIME,
	OPT_MKFS_TIME,
	OPT_IGNORE_MTIME,
	OPT_PRESERVE_MTIME,
	OPT_TAR,
	OPT_AUFS,
	OPT_UNGZIP,
	OPT_UNXZ,
	OPT_OVLFS_STRIP,
	OPT_HARD_DEREFERENCE,
	OPT_OFFSET,
	OPT_FSALIGNBLKS,
	OPT_MOUNT_POINT,
	OPT_SORT,
	OPT_CLEAN,
	OPT_ASYNC_QUEUE_LIMIT,
	OPT_ZFEATURE_BITS,
	OPT_FILE_CONTEXTS,
	OPT_UNSUPPORTED,	/* + index into unsupported_opts[]: last */
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "all-root", no_argument, NULL, OPT_ALL_ROOT },
	{ "force-uid", required_argument, NULL, OPT_FORCE_UID },
	{ "force-gid", required_argument, NULL, OPT_FORCE_GID },
	{ "uid-offset", required_argument, NULL, OPT_UID_OFFSET },
	{ "gid-offset", required_argument, NULL, OPT_GID_OFFSET },
	{ "exclude-path", required_argument, NULL, OPT_EXCLUDE_PATH },
	{ "exclude-regex", required_argument, NULL, OPT_EXCLUDE_REGEX },
	{ "xattr-prefix", required_argument, NULL, OPT_XATTR_PREFIX },
	{ "ishare_key", optional_argument, NULL, OPT_ISHARE_KEY },
	{ "ishare-key", optional_argument, NULL, OPT_ISHARE_KEY },
	{ "xattr-inode-digest", optional_argument, NULL, OPT_INODE_DIGEST },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "all-time", no_argument, NULL, OPT_ALL_TIME },
	{ "mkfs-time", no_argument, NULL, OPT_MKFS_TIME },
	{ "ignore-mtime", no_argument, NULL, OPT_IGNORE_MTIME },
	{ "preserve-mtime", no_argument, NULL, OPT_PRESERVE_MTIME },
	{ "tar", optional_argument, NULL, OPT_TAR },
	{ "aufs", no_argument, NULL, OPT_AUFS },
	{ "ungzip", optional_argument, NULL, OPT_UNGZIP },
	{ "gzip", no_argument, NULL, OPT_UNGZIP },
	{ "unxz", optional_argument, NULL, OPT_UNXZ },
	{ "unlzma", optional_argument, NULL, OPT_UNXZ },
	{ "ovlfs-strip", optional_argument, NULL, OPT_OVLFS_STRIP },
	{ "hard-dereference", no_argument, NULL, OPT_HARD_DEREFERENCE },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "fsalignblks", required_argument, NULL, OPT_FSALIGNBLKS },
	{ "mount-point", required_argument, NULL, OPT_MOUNT_POINT },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "clean", optional_argument, NULL, OPT_CLEAN },
	{ "async-queue-limit", required_argument, NULL, OPT_ASYNC_QUEUE_LIMIT },
	{ "zfeature-bits", required_argument, NULL, OPT_ZFEATURE_BITS },
	{ "file-contexts", required_argument, NULL, OPT_FILE_CONTEXTS },
};

/*
 * Options of erofs-utils 1.8/1.9 that build what this tool does not:
 * refused with the reason rather than as unknown options, so that a
 * script written for erofs-utils fails with a message that says why.
 */
static const struct unsupported_opt {
	const char *name;
	int has_arg;
	const char *why;
} unsupported_opts[] = {
	{ "blobdev", required_argument, "extra blob devices are not built" },
	{ "chunksize", required_argument, "chunk-based files are not built" },
	{ "vmdk-desc", required_argument, "multi-device images are not built" },
	{ "incremental", optional_argument,
	  "incremental builds into an existing image are not done" },
	{ "s3", required_argument, "remote sources are not read" },
	{ "oci", optional_argument, "remote sources are not read" },
	{ "gzinfo", optional_argument, "SOCI gzip indexes are not written" },
	{ "zD", optional_argument, "directories are never compressed" },
	{ "MZ", optional_argument, "there is no metadata zone" },
	{ "compress-hints", required_argument,
	  "per-file compression hints are not read" },
	{ "max-extent-bytes", required_argument,
	  "the extent size follows -C only" },
	{ "dsunit", required_argument, "data blocks are not aligned" },
	{ "root-xattr-isize", required_argument,
	  "the root's xattr area is not padded" },
	{ "product-out", required_argument, "Android builds are not made" },
	{ "fs-config-file", required_argument, "Android builds are not made" },
	{ "random-pclusterblks", no_argument, "debugging options are not offered" },
	{ "random-algorithms", no_argument, "debugging options are not offered" },
};

/* -m: erofs-utils' metadata compression */
static const char short_options[] = "hVb:L:T:U:x:E:d:z:C:m:";

static void usage(FILE *out)
{
	fputs("Usage: mkfs.erofs [OPTIONS] DESTINATION SOURCE\n"
"       mkfs.erofs --tar[=f] [OPTIONS] DESTINATION [TARBALL]\n"
"Build an EROFS image at DESTINATION from the directory SOURCE, or from\n"
"a tar archive (standard input when TARBALL is missing or '-').\n"
"\n"
"General:\n"
"  -b SIZE               block size in bytes (512, 1024, 2048 or 4096;\n"
"                        default 4096); SIZE and -C's may end in k\n"
"  -L LABEL              volume label (at most 15 bytes)\n"
"  -T SECONDS            build time, also every file's mtime (see\n"
"                        --mkfs-time); default now.  SOURCE_DATE_EPOCH wins\n"
"                        over it, and only clamps the mtimes newer than it\n"
"  -U UUID               filesystem UUID, 'clear' or 'random' (default)\n"
"  -E OPTS               extended options, comma-separated; ^OPT clears:\n"
"                          noinline_data    keep no file tail in its inode\n"
"                                           (^inline_data is the same)\n"
"                          legacy-compress  full lcluster indexes, not\n"
"                                           compact ones\n"
"                          ztailpacking     keep the last compressed\n"
"                                           extent in the inode\n"
"                          fragments        pack file tails (and files\n"
"                                           shorter than a pcluster)\n"
"                                           into one compressed inode\n"
"                          all-fragments    pack whole files there (a\n"
"                                           file ending like one before:\n"
"                                           its head stays outside)\n"
"                          dedupe           store data repeated within\n"
"                                           and across files once (one\n"
"                                           file compressed at a time)\n"
"                          force-inode-compact   32-byte inodes wherever\n"
"                                           ids, size and links fit (the\n"
"                                           mtime becomes the build time)\n"
"                          force-inode-extended  64-byte inodes for all\n"
"                          nosbcrc          no superblock checksum\n"
"                          ^xattr-name-filter  no xattr name filter\n"
"                          plain-xattr-prefixes  accepted: always so\n"
"  -d LEVEL              message level: 0 errors only, 1 default, 2 debug\n"
"      --quiet           print nothing but errors\n"
"      --workers=N       worker threads reading and compressing files\n"
"                        (default: CPUs)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Compression:\n"
"  -z ALG[,LEVEL][:ALG...]\n"
"                        compress files that shrink with ALG, one of:\n"
"                          lz4\n"
"                          lz4hc  LEVEL 0-12 (default 9)\n"
"                          lzma   LEVEL 0-9, 100-109 extreme (default 6)\n"
"                          zstd   LEVEL 1-22 (default 3)\n"
"                        LEVEL may be given as level=N; lzma and zstd\n"
"                        take dictsize=BYTES too; algorithms after the\n"
"                        first are declared but not used\n"
"  -C SIZE               largest physical cluster in bytes, a multiple of\n"
"                        the block size up to 1 MiB (default: one block)\n"
"\n"
"Owners and times:\n"
"      --all-root        make every file owned by root (uid and gid 0)\n"
"      --force-uid=UID   set every file's uid to UID\n"
"      --force-gid=GID   set every file's gid to GID\n"
"      --uid-offset=N    add N to every file's uid\n"
"      --gid-offset=N    add N to every file's gid\n"
"      --all-time        -T also sets every file's mtime (default)\n"
"      --mkfs-time       -T sets the build time only\n"
"      --ignore-mtime    give every file the build time as mtime\n"
"      --preserve-mtime  keep every file's own mtime (default)\n"
"\n"
"Tar input:\n"
"      --tar[=f]         SOURCE is a tar archive (ustar, GNU or pax, with\n"
"                        pax xattrs); every member's data is copied into\n"
"                        the image (f, the only mode offered)\n"
"      --aufs            turn aufs whiteouts into overlayfs ones: .wh.NAME\n"
"                        becomes a 0:0 character device NAME,\n"
"                        .wh..wh..opq the xattr trusted.overlay.opaque=y\n"
"      --ungzip          the archive may be gzip-compressed (alias --gzip)\n"
"      --unxz            the archive may be xz- or lzma-compressed\n"
"                        (alias --unlzma)\n"
"\n"
"Overlayfs:\n"
"      --ovlfs-strip[=0|1]\n"
"                        1: drop whiteouts (0:0 character devices) and\n"
"                        trusted.overlay.opaque; 0 (default): keep them,\n"
"                        and give directories with whiteouts an empty\n"
"                        trusted.overlay.origin, as overlayfs wants\n"
"\n"
"Selecting files:\n"
"      --hard-dereference    store each hard link of SOURCE as a file of\n"
"                            its own\n"
"      --exclude-path=PATH   leave out PATH (relative to SOURCE)\n"
"      --exclude-regex=RE    leave out paths matching the extended regex RE\n"
"\n"
"Image placement:\n"
"      --offset=N        write the image N bytes into DESTINATION, with\n"
"                        zeroes before it\n"
"      --fsalignblks=N   make the image a multiple of N blocks long (N is\n"
"                        rounded up to a power of 2)\n"
"\n"
"Accepted for erofs-utils scripts:\n"
"      --zfeature-bits=N set -E legacy-compress (bit 0), ztailpacking (1),\n"
"                        fragments (2), all-fragments (3), dedupe (4) as\n"
"                        N's bits say; bits 5-7 must be 0\n"
"      --clean[=data]    a full build (the only kind)\n"
"      --sort=path|none  no effect: data is laid out as always\n"
"      --async-queue-limit=N  no effect\n"
"  Options for chunk-based, multi-device, incremental, remote or Android\n"
"  builds (--chunksize, --blobdev, --incremental, --s3, --oci, -m, ...)\n"
"  exit 1 saying they are not supported.\n"
"\n"
"Extended attributes:\n"
"  -x N                  store an xattr once in the shared area when more\n"
"                        than N inodes carry it (default 2); N < 0 drops\n"
"                        all xattrs\n"
"      --xattr-prefix=P  store names starting with P as a long prefix\n"
"      --file-contexts=FILE\n"
"                        label every file of a directory SOURCE with the\n"
"                        security.selinux that FILE's rules give it\n"
"                        (selabel_file(5); replaces the source's label)\n"
"      --mount-point=PATH  prefix PATH to the paths looked up in FILE\n"
"\n"
"Page-cache sharing:\n"
"      --ishare_key[=NAME]\n"
"                        give every non-empty regular file a fingerprint\n"
"                        xattr NAME = \"sha256:\" + SHA-256 of its content\n"
"                        (default NAME " EROFS_ISHARE_DEFAULT_NAME ").\n"
"                        A source xattr called NAME is never copied: the\n"
"                        computed value replaces it.  Mount images with\n"
"                        -o inode_share,domain_id=D on a kernel with\n"
"                        EROFS_FS_PAGE_CACHE_SHARE to share their pages\n"
"      --xattr-inode-digest[=NAME]\n"
"                        the same, with default NAME\n"
"                        " EROFS_DIGEST_DEFAULT_NAME "\n", out);
}

static void usage_error(const char *prog, const char *msg, const char *arg)
{
	if (arg) {
		/* a control byte in @arg must not split the line */
		fprintf(stderr, "%s: %s '", prog, msg);
		for (const unsigned char *c = (const void *)arg; *c; c++)
			fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, stderr);
		fputs("'\n", stderr);
	} else
		fprintf(stderr, "%s: %s\n", prog, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(1);
}

static bool parse_s64(const char *s, s64 min, s64 max, s64 *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* a size as erofs-utils reads -b and -C: 0x hex allowed, then k, m or g */
static bool parse_size(const char *s, u64 max, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	if (*end && strchr("kK", *end))
		shift = 10;
	else if (*end && strchr("mM", *end))
		shift = 20;
	else if (*end && strchr("gG", *end))
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (max >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* a number as erofs-utils reads most: decimal, 0x hex or 0 octal */
static bool parse_count(const char *s, u64 max, u64 *out)
{
	return parse_size(s, max, out) && !strpbrk(s, "kKmMgG");
}

struct mkfs_opts {
	struct erofs_mkfs_cfg cfg;
	const char *prog;
	const char **excludes;
	regex_t *regexes;
	const char **prefixes;
	unsigned int n_excl, n_regex, n_prefix;
	const char *file_contexts, *mount_point;
	struct mkfs_selabel *selabel;
	int log_level;
	bool ishare_seen;
};

static void *grow(void *arr, unsigned int n, size_t size)
{
	void *p = realloc(arr, (n + 1) * size);

	if (!p) {
		fputs("mkfs.erofs: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void parse_blocksize(struct mkfs_opts *o, const char *arg)
{
	u64 v;

	if (!parse_size(arg, 65536, &v) || v < 512 || (v & (v - 1)))
		usage_error(o->prog, "invalid block size", arg);
	if (v > (u64)sysconf(_SC_PAGESIZE))
		usage_error(o->prog,
			    "block size larger than the page size the kernel "
			    "can mount", arg);
	o->cfg.blkszbits = __builtin_ctzll(v);
}

static void parse_uuid(struct mkfs_opts *o, const char *arg)
{
	if (!strcmp(arg, "clear")) {
		memset(o->cfg.uuid, 0, sizeof(o->cfg.uuid));
		o->cfg.uuid_set = true;
	} else if (!strcmp(arg, "random")) {
		o->cfg.uuid_set = false;
	} else if (uuid_parse(arg, o->cfg.uuid)) {
		usage_error(o->prog, "invalid UUID", arg);
	} else {
		o->cfg.uuid_set = true;
	}
}

/*
 * -E NAME sets the flag, -E ^NAME clears it; inverted entries the other
 * way round.  NOFLAG entries are accepted and change nothing: what they
 * ask for is what the writer always does.
 */
#define NOFLAG SIZE_MAX
static const struct {
	const char *name;
	size_t flag;		/* offset of a bool in erofs_mkfs_cfg */
	bool invert;
} extended_opts[] = {
	{ "noinline_data", offsetof(struct erofs_mkfs_cfg, noinline_data) },
	{ "inline_data", offsetof(struct erofs_mkfs_cfg, noinline_data), true },
	{ "legacy-compress", offsetof(struct erofs_mkfs_cfg, full_indexes) },
	{ "ztailpacking", offsetof(struct erofs_mkfs_cfg, ztailpacking) },
	{ "fragments", offsetof(struct erofs_mkfs_cfg, fragments) },
	{ "all-fragments", offsetof(struct erofs_mkfs_cfg, all_fragments) },
	{ "dedupe", offsetof(struct erofs_mkfs_cfg, dedupe) },
	{ "force-inode-compact", offsetof(struct erofs_mkfs_cfg, force_compact) },
	{ "force-inode-extended",
	  offsetof(struct erofs_mkfs_cfg, force_extended) },
	{ "nosbcrc", offsetof(struct erofs_mkfs_cfg, no_sbcrc) },
	{ "xattr-name-filter", offsetof(struct erofs_mkfs_cfg, no_xattr_filter),
	  true },
	{ "plain-xattr-prefixes", NOFLAG },
};

/* erofs-utils' -E features that are not written: ^NAME is what we do */
static const char *const extended_unsupported[] = {
	"fragdedupe", "48bit", "dot-omitted", "force-inode-blockmap",
	"force-chunk-indexes",
};

/* --zfeature-bits: bit i toggles erofs-utils' compression feature i */
static const char *const zfeature_names[] = {
	"legacy-compress", "ztailpacking", "fragments", "all-fragments",
	"dedupe", "fragdedupe", "48bit", "dot-omitted",
};

static bool set_extended(struct mkfs_opts *o, const char *name, bool clear)
{
	for (size_t i = 0; i < ARRAY_SIZE(extended_opts); i++) {
		if (strcmp(name, extended_opts[i].name))
			continue;
		if (extended_opts[i].flag != NOFLAG)
			*(bool *)((char *)&o->cfg + extended_opts[i].flag) =
				clear == extended_opts[i].invert;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(extended_unsupported); i++) {
		if (strcmp(name, extended_unsupported[i]))
			continue;
		if (!clear)
			usage_error(o->prog, "extended option not supported "
				    "(this feature is never written):", name);
		return true;
	}
	return false;
}

static void parse_extended(struct mkfs_opts *o, const char *arg)
{
	char *opts = strdup(arg), *tok, *save = NULL;

	if (!opts)
		usage_error(o->prog, "out of memory", NULL);
	for (tok = strtok_r(opts, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool clear = *tok == '^';

		if (strchr(tok, '='))
			usage_error(o->prog, "extended option values are not "
				    "supported:", tok);
		if (!set_extended(o, tok + clear, clear))
			usage_error(o->prog, "unknown extended option", tok);
	}
	free(opts);
	if (o->cfg.force_compact && o->cfg.force_extended)
		usage_error(o->prog, "-E force-inode-compact and "
			    "force-inode-extended exclude each other", NULL);
}

static void parse_zfeature_bits(struct mkfs_opts *o, const char *arg)
{
	unsigned long long bits;
	char *end;

	errno = 0;
	bits = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-')
		usage_error(o->prog, "invalid --zfeature-bits", arg);
	for (size_t i = 0; bits; i++, bits >>= 1) {
		char msg[80];

		if (i == ARRAY_SIZE(zfeature_names))
			usage_error(o->prog, "unknown bit in --zfeature-bits", arg);
		/* the features after dedupe are never written */
		snprintf(msg, sizeof(msg), "--zfeature-bits: bit %zu (%s) is "
			 "not supported:", i, zfeature_names[i]);
		if ((bits & 1) && i > 4)
			usage_error(o->prog, msg, arg);
		set_extended(o, zfeature_names[i], !(bits & 1));
	}
}

static void parse_pclustersize(struct mkfs_opts *o, const char *arg)
{
	u64 v;

	if (!parse_size(arg, UINT32_MAX, &v) || !v)
		usage_error(o->prog, "invalid physical cluster size", arg);
	o->cfg.pclustersize = v;
}

static void parse_ishare(struct mkfs_opts *o, const char *arg,
			 const char *dflt)
{
	const char *name = arg ? arg : dflt;

	if (o->ishare_seen && strcmp(name, o->cfg.ishare_name))
		usage_error(o->prog, "only one fingerprint name may be given:",
			    name);
	o->ishare_seen = true;
	o->cfg.ishare_name = name;
}

static void parse_general(struct mkfs_opts *o, int c, const char *arg)
{
	s64 v;
	u64 u;

	switch (c) {
	case 'b':
		parse_blocksize(o, arg);
		break;
	case 'L':
		if (strlen(arg) > 15)
			usage_error(o->prog, "volume label longer than 15 bytes:",
				    arg);
		o->cfg.label = arg;
		break;
	case 'T':
		if (!parse_count(arg, INT64_MAX, &u))
			usage_error(o->prog, "invalid timestamp", arg);
		o->cfg.timestamp = u;
		break;
	case 'U':
		parse_uuid(o, arg);
		break;
	case 'E':
		parse_extended(o, arg);
		break;
	case 'd':
		if (!parse_s64(arg, 0, 9, &v))
			usage_error(o->prog, "invalid message level", arg);
		o->log_level = v;
		break;
	case 'z':
		o->cfg.compress = arg;	/* checked by erofs_mkfs_cfg_validate */
		break;
	case 'C':
		parse_pclustersize(o, arg);
		break;
	case OPT_QUIET:
		o->log_level = EROFS_LOG_QUIET;
		break;
	case OPT_WORKERS:
		if (!parse_s64(arg, 1, 1024, &v))
			usage_error(o->prog, "invalid number of workers", arg);
		o->cfg.workers = v;
		break;
	}
}

static void parse_tar(struct mkfs_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_TAR:
		if (arg && strcmp(arg, "f"))
			usage_error(o->prog, !strcmp(arg, "i") ||
				    !strcmp(arg, "0") ||
				    !strcmp(arg, "headerball") ?
				    "only full tar images are supported: --tar=f, not" :
				    "invalid tar mode", arg);
		o->cfg.tar = true;
		break;
	case OPT_AUFS:
		o->cfg.aufs = true;
		break;
	case OPT_UNGZIP:
	case OPT_UNXZ:
		/* erofs-utils' =FILE keeps a copy of the decompressed stream */
		if (arg)
			usage_error(o->prog, "a copy of the tar stream "
				    "(--ungzip=FILE, --unxz=FILE) is not "
				    "supported:", arg);
		o->cfg.tar_filter = c == OPT_UNGZIP ? "gzip" : "xz";
		break;
	case OPT_HARD_DEREFERENCE:
		o->cfg.hard_dereference = true;
		break;
	case OPT_OVLFS_STRIP:
		if (arg && strcmp(arg, "0") && strcmp(arg, "1"))
			usage_error(o->prog, "--ovlfs-strip takes 0 or 1, not", arg);
		o->cfg.ovlfs_strip = !arg || !strcmp(arg, "1");
		break;
	}
}

static void parse_owner_time(struct mkfs_opts *o, int c, const char *arg)
{
	s64 v;

	switch (c) {
	case OPT_ALL_ROOT:
		o->cfg.force_uid = o->cfg.force_gid = 0;
		break;
	case OPT_FORCE_UID:
	case OPT_FORCE_GID:
		if (!parse_s64(arg, 0, UINT32_MAX - 1, &v))
			usage_error(o->prog, "invalid id", arg);
		*(c == OPT_FORCE_UID ? &o->cfg.force_uid : &o->cfg.force_gid) = v;
		break;
	case OPT_UID_OFFSET:
	case OPT_GID_OFFSET:
		if (!parse_s64(arg, -(s64)UINT32_MAX, UINT32_MAX, &v))
			usage_error(o->prog, "invalid id offset", arg);
		*(c == OPT_UID_OFFSET ? &o->cfg.uid_offset :
					&o->cfg.gid_offset) = v;
		break;
	case OPT_ALL_TIME:
		o->cfg.timestamp_all = true;
		break;
	case OPT_MKFS_TIME:
		o->cfg.timestamp_all = false;
		break;
	case OPT_IGNORE_MTIME:
		o->cfg.ignore_mtime = true;
		break;
	case OPT_PRESERVE_MTIME:
		o->cfg.ignore_mtime = false;
		break;
	}
}

static void parse_selection_xattr(struct mkfs_opts *o, int c, const char *arg)
{
	s64 v;
	int rc;

	switch (c) {
	case OPT_EXCLUDE_PATH:
		o->excludes = grow(o->excludes, o->n_excl, sizeof(*o->excludes));
		o->excludes[o->n_excl++] = arg;
		break;
	case OPT_EXCLUDE_REGEX:
		o->regexes = grow(o->regexes, o->n_regex, sizeof(*o->regexes));
		rc = regcomp(&o->regexes[o->n_regex], arg,
			     REG_EXTENDED | REG_NOSUB);
		if (rc)
			usage_error(o->prog, "invalid regular expression", arg);
		o->n_regex++;
		break;
	case 'x':
		if (!parse_s64(arg, INT32_MIN, INT32_MAX, &v))
			usage_error(o->prog, "invalid xattr tolerance", arg);
		o->cfg.xattr_tolerance = v;
		break;
	case OPT_XATTR_PREFIX:
		o->prefixes = grow(o->prefixes, o->n_prefix, sizeof(*o->prefixes));
		o->prefixes[o->n_prefix++] = arg;
		break;
	case OPT_ISHARE_KEY:
		parse_ishare(o, arg, EROFS_ISHARE_DEFAULT_NAME);
		break;
	case OPT_INODE_DIGEST:
		parse_ishare(o, arg, EROFS_DIGEST_DEFAULT_NAME);
		break;
	}
}

static void unsupported(struct mkfs_opts *o, const char *opt,
			const char *why)
{
	fprintf(stderr, "%s: %s is not supported: %s\n", o->prog, opt, why);
	exit(1);
}

/* --clean[=data] is the only build there is; the other modes need one */
static void parse_clean(struct mkfs_opts *o, const char *arg)
{
	if (arg && strcmp(arg, "data")) {
		fprintf(stderr, "%s: --clean=%s is not supported: file data "
			"is always copied into the image (--clean=data)\n",
			o->prog, arg);
		exit(1);
	}
}

/* erofs-utils options that change little or nothing here */
static void parse_compat(struct mkfs_opts *o, int c, const char *arg)
{
	u64 v;

	switch (c) {
	case OPT_OFFSET:
		if (!parse_count(arg, INT64_MAX, &v))
			usage_error(o->prog, "invalid offset", arg);
		o->cfg.offset = v;
		break;
	case OPT_FSALIGNBLKS:
		if (!parse_count(arg, 1U << 31, &v))
			usage_error(o->prog, "invalid --fsalignblks", arg);
		/* erofs-utils rounds it up to a power of 2 */
		while (v & (v - 1))
			v += v & -v;
		o->cfg.fsalignblks = v > 1 ? v : 0;
		break;
	case OPT_SORT:
		if (strcmp(arg, "path") && strcmp(arg, "none"))
			usage_error(o->prog, "--sort takes path or none, not", arg);
		break;
	case OPT_ASYNC_QUEUE_LIMIT:
		if (!parse_count(arg, UINT32_MAX, &v))
			usage_error(o->prog, "invalid --async-queue-limit", arg);
		break;
	case OPT_CLEAN:
		parse_clean(o, arg);
		break;
	case OPT_ZFEATURE_BITS:
		parse_zfeature_bits(o, arg);
		break;
	case OPT_MOUNT_POINT:
		o->mount_point = arg;
		break;
	case OPT_FILE_CONTEXTS:
		o->file_contexts = arg;
		break;
	case 'm':
		unsupported(o, "-m", "metadata is never compressed");
		break;
	default:
		c -= OPT_UNSUPPORTED;
		fprintf(stderr, "%s: --%s is not supported: %s\n", o->prog,
			unsupported_opts[c].name, unsupported_opts[c].why);
		exit(1);
	}
}

/* the long options: ours, then those refused with a reason */
static const struct option *all_options(void)
{
	static struct option all[ARRAY_SIZE(long_options) +
				 ARRAY_SIZE(unsupported_opts) + 1];
	size_t n = ARRAY_SIZE(long_options);

	memcpy(all, long_options, sizeof(long_options));
	for (size_t i = 0; i < ARRAY_SIZE(unsupported_opts); i++)
		all[n + i] = (struct option){
			.name = unsupported_opts[i].name,
			.has_arg = unsupported_opts[i].has_arg,
			.val = OPT_UNSUPPORTED + (int)i,
		};
	return all;
}

static void print_version(void)
{
	printf("mkfs.erofs (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	erofs_print_build_info(stdout, true);
}

static void parse_options(struct mkfs_opts *o, int argc, char **argv)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int c;

	erofs_mkfs_cfg_init(&o->cfg);
	o->log_level = EROFS_LOG_INFO;
	while ((c = getopt_long(argc, argv, short_options, all_options(),
				NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			print_version();
			exit(0);
		case '?':
			fprintf(stderr, "Try '%s --help' for more information.\n",
				o->prog);
			exit(1);
		case 'x': case OPT_EXCLUDE_PATH: case OPT_EXCLUDE_REGEX:
		case OPT_XATTR_PREFIX: case OPT_ISHARE_KEY: case OPT_INODE_DIGEST:
			parse_selection_xattr(o, c, optarg);
			break;
		case OPT_ALL_ROOT: case OPT_FORCE_UID: case OPT_FORCE_GID:
		case OPT_UID_OFFSET: case OPT_GID_OFFSET: case OPT_ALL_TIME:
		case OPT_MKFS_TIME: case OPT_IGNORE_MTIME: case OPT_PRESERVE_MTIME:
			parse_owner_time(o, c, optarg);
			break;
		case OPT_TAR: case OPT_AUFS: case OPT_UNGZIP: case OPT_UNXZ:
		case OPT_OVLFS_STRIP: case OPT_HARD_DEREFERENCE:
			parse_tar(o, c, optarg);
			break;
		default:
			if (c >= OPT_OFFSET || c == 'm')
				parse_compat(o, c, optarg);
			else
				parse_general(o, c, optarg);
		}
	}
	/*
	 * As erofs-utils: SOURCE_DATE_EPOCH is the build time even over -T,
	 * and clamps mtimes whatever --all-time or --mkfs-time say
	 */
	if (sde && *sde) {
		if (!parse_s64(sde, 0, INT64_MAX, &o->cfg.timestamp))
			usage_error(o->prog, "invalid SOURCE_DATE_EPOCH", sde);
		o->cfg.clamp_mtime = true;
	}
	if ((o->cfg.aufs || o->cfg.tar_filter) && !o->cfg.tar)
		usage_error(o->prog, o->cfg.aufs ? "--aufs needs --tar" :
			    "--ungzip and --unxz need --tar", NULL);
	if (argc - optind > 2)
		usage_error(o->prog, "too many arguments", NULL);
	if (argc - optind < (o->cfg.tar ? 1 : 2))
		usage_error(o->prog, o->cfg.tar ? "missing DESTINATION" :
			    "missing DESTINATION or SOURCE", NULL);
	o->cfg.image_name = argv[optind];
	o->cfg.source = optind + 1 < argc ? argv[optind + 1] : NULL;
	o->cfg.exclude_paths = o->excludes;
	o->cfg.n_exclude_paths = o->n_excl;
	o->cfg.exclude_regexes = o->regexes;
	o->cfg.n_exclude_regexes = o->n_regex;
	o->cfg.xattr_prefixes = o->prefixes;
	o->cfg.n_xattr_prefixes = o->n_prefix;
}

/* the temporary image, removed on failure or signal */
static char *tmp_path;

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int open_temp(const char *dest)
{
	const char *slash = strrchr(dest, '/');
	size_t dlen = slash ? (size_t)(slash - dest) + 1 : 0;
	int fd;

	tmp_path = malloc(dlen + strlen(dest) + 16);
	if (!tmp_path)
		return -1;
	sprintf(tmp_path, "%.*s.%s.XXXXXX", (int)dlen, dest, dest + dlen);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		erofs_err("cannot create '%s': %s", tmp_path, strerror(errno));
		free(tmp_path);
		tmp_path = NULL;
		return -1;
	}
	return fd;
}

/* the directory @dest is in, "." for a bare name */
static char *dest_dir(const char *dest)
{
	const char *slash = strrchr(dest, '/');
	char *dir;

	if (!slash)
		return strdup(".");
	dir = strndup(dest, slash == dest ? 1 : (size_t)(slash - dest));
	if (!dir)
		erofs_err("out of memory");
	return dir;
}

/* a new file gets the mode creat() would give it, not mkstemp's 0600 */
static int finish_temp(int fd, const char *dest)
{
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || close(fd)) {
		erofs_err("cannot write '%s': %s", dest, strerror(errno));
		return -1;
	}
	if (rename(tmp_path, dest)) {
		erofs_err("cannot rename '%s' to '%s': %s", tmp_path, dest,
			  strerror(errno));
		return -1;
	}
	free(tmp_path);
	tmp_path = NULL;
	return 0;
}

static int build(struct mkfs_opts *o)
{
	const char *dest = o->cfg.image_name;
	struct stat st;
	char *dir;
	int fd, err;

	/* a block device is written in place: there is nothing to rename */
	if (!stat(dest, &st) && S_ISBLK(st.st_mode)) {
		if (o->cfg.offset)
			return erofs_err_ret(1, "--offset is not supported "
					     "for a block device: '%s'", dest);
		fd = open(dest, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return erofs_err_ret(1, "cannot open '%s': %s", dest,
					     strerror(errno));
		err = erofs_mkfs_build(&o->cfg, fd);
		if (fsync(fd) && !err)
			err = erofs_err_ret(-errno, "cannot write '%s': %s",
					    dest, strerror(errno));
		close(fd);
		return err ? 1 : 0;
	}
	/*
	 * renaming over a character device, FIFO, socket or directory would
	 * replace the node (as root, /dev/null): refuse before any work
	 */
	if (!stat(dest, &st) && S_ISDIR(st.st_mode))
		return erofs_err_ret(1, "'%s' is a directory, not a regular file "
				     "or block device", dest);
	if (!stat(dest, &st) && !S_ISREG(st.st_mode))
		return erofs_err_ret(1, "'%s' is not a regular file or block "
				     "device", dest);
	if (!stat(dest, &st)) {
		o->cfg.old_image_dev = st.st_dev;
		o->cfg.old_image_ino = st.st_ino;
	}
	fd = open_temp(dest);
	if (fd < 0)
		return 1;
	/*
	 * Scratch files go beside the image, not to $TMPDIR: that is the
	 * one filesystem known to have room for the image, and a small
	 * tmpfs /tmp must not fail a build that fits.
	 */
	dir = dest_dir(dest);
	o->cfg.tmpdir = dir;
	err = dir ? erofs_mkfs_build(&o->cfg, fd) : -ENOMEM;
	o->cfg.tmpdir = NULL;
	free(dir);
	if (!err && !finish_temp(fd, dest))
		return 0;
	if (err)
		close(fd);
	unlink(tmp_path);
	free(tmp_path);
	tmp_path = NULL;
	return 1;
}

int main(int argc, char **argv)
{
	struct mkfs_opts o = { .prog = "mkfs.erofs" };
	int ret;

	erofs_log_init(o.prog, EROFS_LOG_INFO);
	argv[0] = (char *)o.prog;	/* getopt's own errors name the tool */
	parse_options(&o, argc, argv);
	erofs_log_init(o.prog, o.log_level);
	/* mkfs stops at the first failure: one error line, even from workers */
	erofs_log_first_error_only(true);
	ret = erofs_mkfs_cfg_validate(&o.cfg);
	if (ret)
		fprintf(stderr, "Try '%s --help' for more information.\n", o.prog);
	else if (o.file_contexts)
		ret = mkfs_selabel_open(&o.selabel, o.file_contexts,
					o.mount_point);
	if (!ret) {
		o.cfg.selabel = o.selabel ? mkfs_selabel_lookup : NULL;
		o.cfg.selabel_arg = o.selabel;
		/* a progress line only for someone watching a terminal */
		if (o.log_level > EROFS_LOG_QUIET && isatty(STDERR_FILENO))
			o.cfg.progress = erofs_progress_start(STDERR_FILENO);
		ret = build(&o);
		erofs_progress_stop(o.cfg.progress);
	}
	mkfs_selabel_close(o.selabel);
	for (unsigned int i = 0; i < o.n_regex; i++)
		regfree(&o.regexes[i]);
	free(o.regexes);
	free(o.excludes);
	free(o.prefixes);
	return ret ? 1 : 0;
}
