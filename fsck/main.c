// SPDX-License-Identifier: GPL-2.0+
/*
 * fsck.erofs: check an EROFS image, verify its fingerprints, extract it.
 * Options follow erofs-utils 1.9; exit codes follow fsck(8) and e2fsck.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "erofs/fsck.h"
#include "erofs/print.h"
#include "erofs/progress.h"
#include "erofs/version.h"

/* fsck(8) exit codes, OR-ed together */
enum {
	FSCK_OK = 0,
	FSCK_UNCORRECTED = 4,
	FSCK_ERROR = 8,
	FSCK_USAGE = 16,
};

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_EXTRACT = 256,
	OPT_DEVICE,
	OPT_FORCE,
	OPT_OVERWRITE,
	OPT_PRESERVE,
	OPT_PRESERVE_OWNER,
	OPT_PRESERVE_PERMS,
	OPT_NO_PRESERVE,
	OPT_NO_PRESERVE_OWNER,
	OPT_NO_PRESERVE_PERMS,
	OPT_OFFSET,
	OPT_XATTRS,
	OPT_NO_XATTRS,
	OPT_NID,
	OPT_PATH,
	OPT_NO_SBCRC,
	OPT_INODE_DIGEST,
	OPT_NO_ISHARE_VERIFY,
	OPT_WORKERS,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "extract", optional_argument, NULL, OPT_EXTRACT },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "preserve", no_argument, NULL, OPT_PRESERVE },
	{ "preserve-owner", no_argument, NULL, OPT_PRESERVE_OWNER },
	{ "preserve-perms", no_argument, NULL, OPT_PRESERVE_PERMS },
	{ "no-preserve", no_argument, NULL, OPT_NO_PRESERVE },
	{ "no-preserve-owner", no_argument, NULL, OPT_NO_PRESERVE_OWNER },
	{ "no-preserve-perms", no_argument, NULL, OPT_NO_PRESERVE_PERMS },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "xattrs", no_argument, NULL, OPT_XATTRS },
	{ "no-xattrs", no_argument, NULL, OPT_NO_XATTRS },
	{ "nid", required_argument, NULL, OPT_NID },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "no-sbcrc", no_argument, NULL, OPT_NO_SBCRC },
	{ "xattr-inode-digest", no_argument, NULL, OPT_INODE_DIGEST },
	{ "no-ishare-verify", no_argument, NULL, OPT_NO_ISHARE_VERIFY },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ NULL, 0, NULL, 0 },
};

/* -a, -A, -y and -n: what fsck(8) and systemd-fsck pass; all no-ops */
static const char short_options[] = "hVd:paAyn";

struct fsck_opts {
	const char *prog;
	const char *image;
	struct erofs_fsck_cfg cfg;
	u64 offset;
	int level;		/* -d, 0..9 */
	bool print_ratio;
	bool extract;		/* --extract, with or without a directory */
	bool force;
	bool preserve_set;
	bool no_sbcrc;
	char *extract_dir;
};

/*
 * Lines printed per problem kind: a truncated image has one problem per
 * file past its end, so the rest of a kind is summed up in one line.
 */
#define PROBLEM_LINES	20

struct report_state {
	const char *prog;
	u64 count[EROFS_SEV_FATAL + 1];
	u64 per_id[EROFS_PB_MAX];	/* problems of each kind */
};

static void usage(FILE *out)
{
	fputs("Usage: fsck.erofs [OPTIONS] IMAGE\n"
"Check every inode, directory, xattr and data block of the EROFS image\n"
"IMAGE, verify its fingerprints, and optionally extract it.\n"
"\n"
"General:\n"
"  -d N                  message level 0-9: 0-2 problems only (default 2),\n"
"                        3-6 also a summary, 7-9 debug\n"
"  -p                    print the share of file data stored in blocks\n"
"      --offset=N        the image starts N bytes into IMAGE\n"
"      --nid=N           check (or extract) from inode N instead of the root\n"
"      --path=PATH       check (or extract) from PATH; wins over --nid\n"
"      --no-sbcrc        do not verify the superblock checksum\n"
"      --workers=N       threads reading file data (default: CPUs;\n"
"                        1: none, data is read in the walk)\n"
"  -a, -A, -y, -n        accepted and ignored, as by other fsck programs\n"
"                        (nothing is ever repaired)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Fingerprints:\n"
"      --xattr-inode-digest\n"
"                        fail unless the image has fingerprints; verify them\n"
"      --no-ishare-verify\n"
"                        do not recompute fingerprints (they are verified by\n"
"                        default whenever the image has them)\n"
"\n"
"Extraction:\n"
"      --extract[=DIR]   read all file data; with DIR, extract the tree there\n"
"      --force           allow --extract=/\n"
"      --overwrite       replace files that exist under DIR\n"
"      --[no-]preserve   both of the next two\n"
"      --[no-]preserve-owner\n"
"                        set owners from the image (default for root)\n"
"      --[no-]preserve-perms\n"
"                        keep modes as stored, ignoring the umask (default\n"
"                        for root)\n"
"      --[no-]xattrs     set extended attributes (default on)\n"
"      --device=PATH     extra devices: not supported\n"
"\n"
"Exit status: 0 no errors, 4 errors left (fsck.erofs repairs nothing),\n"
"8 operational error, 16 usage error; OR-ed together.\n", out);
}

static int usage_error(const struct fsck_opts *o, const char *msg,
		       const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s '%s'\n", o->prog, msg, arg);
	else
		fprintf(stderr, "%s: %s\n", o->prog, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", o->prog);
	return FSCK_USAGE;
}

static bool parse_u64(const char *s, u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && !*end && *s != '-';
}

static int set_extract(struct fsck_opts *o, const char *arg)
{
	size_t len;

	o->extract = true;
	if (!arg)
		return 0;
	len = strlen(arg);
	if (!len)
		return usage_error(o, "empty directory for --extract", NULL);
	while (len > 1 && arg[len - 1] == '/')
		len--;
	free(o->extract_dir);
	o->extract_dir = strndup(arg, len);
	if (!o->extract_dir)
		return FSCK_ERROR;
	return 0;
}

static int parse_number(struct fsck_opts *o, const char *what,
			const char *arg, u64 max, u64 *out)
{
	if (!parse_u64(arg, out) || *out > max)
		return usage_error(o, what, arg);
	return 0;
}

static void set_preserve(struct fsck_opts *o, int opt)
{
	struct erofs_fsck_cfg *cfg = &o->cfg;

	o->preserve_set = true;
	if (opt == OPT_PRESERVE || opt == OPT_PRESERVE_OWNER)
		cfg->preserve_owner = true;
	if (opt == OPT_PRESERVE || opt == OPT_PRESERVE_PERMS)
		cfg->preserve_perms = true;
	if (opt == OPT_NO_PRESERVE || opt == OPT_NO_PRESERVE_OWNER)
		cfg->preserve_owner = false;
	if (opt == OPT_NO_PRESERVE || opt == OPT_NO_PRESERVE_PERMS)
		cfg->preserve_perms = false;
}

/* options that take a value; 0 or an exit code */
static int parse_valued(struct fsck_opts *o, int opt, const char *arg)
{
	u64 v;
	int err;

	switch (opt) {
	case 'd':
		err = parse_number(o, "invalid message level", arg, 9, &v);
		o->level = v;
		return err;
	case OPT_OFFSET:
		return parse_number(o, "invalid offset", arg, INT64_MAX,
				    &o->offset);
	case OPT_NID:
		return parse_number(o, "invalid nid", arg, UINT64_MAX - 1,
				    &o->cfg.nid);
	case OPT_WORKERS:
		err = parse_number(o, "invalid worker count", arg, 64, &v);
		if (!err && !v)
			err = usage_error(o, "invalid worker count", arg);
		o->cfg.workers = v;
		return err;
	case OPT_PATH:
		o->cfg.path = arg;
		return 0;
	case OPT_EXTRACT:
		return set_extract(o, arg);
	}
	return -1;
}

static int parse_one(struct fsck_opts *o, int opt, const char *arg)
{
	int ret = parse_valued(o, opt, arg);

	if (ret >= 0)
		return ret;
	switch (opt) {
	case 'p':
		o->print_ratio = true;
		break;
	case 'a': case 'A': case 'y': case 'n':
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case OPT_OVERWRITE:
		o->cfg.overwrite = true;
		break;
	case OPT_PRESERVE: case OPT_PRESERVE_OWNER: case OPT_PRESERVE_PERMS:
	case OPT_NO_PRESERVE: case OPT_NO_PRESERVE_OWNER:
	case OPT_NO_PRESERVE_PERMS:
		set_preserve(o, opt);
		break;
	case OPT_XATTRS:
	case OPT_NO_XATTRS:
		o->cfg.xattrs = opt == OPT_XATTRS;
		break;
	case OPT_NO_SBCRC:
		o->no_sbcrc = true;
		break;
	case OPT_INODE_DIGEST:
		o->cfg.require_fingerprints = true;
		break;
	case OPT_NO_ISHARE_VERIFY:
		o->cfg.verify_fingerprints = false;
		break;
	case OPT_DEVICE:
		fprintf(stderr, "%s: extra devices are not supported: '%s'\n",
			o->prog, arg);
		return FSCK_ERROR;
	default:
		return usage_error(o, "invalid option", NULL);
	}
	return 0;
}

/* options that only make sense together */
static int check_combinations(struct fsck_opts *o)
{
	if (!o->extract_dir) {
		if (o->force)
			return usage_error(o, "--force needs --extract=DIR", NULL);
		if (o->cfg.overwrite)
			return usage_error(o, "--overwrite needs --extract=DIR",
					   NULL);
		if (o->preserve_set)
			return usage_error(o, "--[no-]preserve* need --extract=DIR",
					   NULL);
		return 0;
	}
	if (!strcmp(o->extract_dir, "/") && !o->force)
		return usage_error(o, "--extract=/ needs --force", NULL);
	o->cfg.extract_dir = o->extract_dir;
	return 0;
}

static int parse_options(struct fsck_opts *o, int argc, char **argv)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, short_options, long_options,
				  NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage(stdout);
			return -1;
		}
		if (opt == OPT_VERSION) {
			printf("fsck.erofs (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			erofs_print_build_info(stdout, false);
			return -1;
		}
		ret = parse_one(o, opt, optarg);
		if (ret)
			return ret;
	}
	if (optind >= argc)
		return usage_error(o, "missing IMAGE", NULL);
	o->image = argv[optind++];
	if (optind < argc)
		return usage_error(o, "unexpected argument", argv[optind]);
	return check_combinations(o);
}

static void print_problem(void *arg, const struct erofs_problem *p)
{
	struct report_state *rs = arg;
	enum erofs_severity sev = erofs_problem_severity(p->id);
	const char *warn = sev == EROFS_SEV_WARN ? "warning: " : "";
	char path[4 * PATH_MAX + 1];

	rs->count[sev]++;
	if ((unsigned int)p->id < EROFS_PB_MAX &&
	    ++rs->per_id[p->id] > PROBLEM_LINES)
		return;
	erofs_log_line_start(stderr);
	if (p->path)
		erofs_escape(path, sizeof(path), p->path, strlen(p->path));
	if (p->path && p->nid != EROFS_NID_NONE)
		fprintf(stderr, "%s%s: '%s' @ nid %llu: %s\n", warn,
			erofs_problem_name(p->id), path,
			(unsigned long long)p->nid, p->msg);
	else if (p->path)
		fprintf(stderr, "%s%s: '%s': %s\n", warn,
			erofs_problem_name(p->id), path, p->msg);
	else if (p->nid != EROFS_NID_NONE)
		fprintf(stderr, "%s%s: nid %llu: %s\n", warn,
			erofs_problem_name(p->id), (unsigned long long)p->nid,
			p->msg);
	else
		fprintf(stderr, "%s%s: %s\n", warn, erofs_problem_name(p->id),
			p->msg);
}

/* one line for each kind of problem that had more than it printed */
static void print_unshown(const struct report_state *rs)
{
	for (unsigned int id = 0; id < EROFS_PB_MAX; id++) {
		if (rs->per_id[id] <= PROBLEM_LINES)
			continue;
		fprintf(stderr, "%s%s: %llu more problems of this kind not shown (%llu in all)\n",
			erofs_problem_severity(id) == EROFS_SEV_WARN ?
			"warning: " : "", erofs_problem_name(id),
			(unsigned long long)(rs->per_id[id] - PROBLEM_LINES),
			(unsigned long long)rs->per_id[id]);
	}
}

/*
 * File data is hashed through mappings of the image; an I/O error there,
 * or the image shrinking meanwhile, raises SIGBUS: an operational error.
 */
static void on_sigbus(int sig)
{
	static const char msg[] =
		"ioError: the image could not be read (I/O error, or it shrank while being checked)\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)sig;
	(void)n;
	_exit(FSCK_ERROR);
}

static bool catch_sigbus(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	return !sigaction(SIGBUS, &sa, NULL);
}

/* one descriptor per directory level while extracting: allow deep trees */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void print_summary(const struct fsck_opts *o,
			  const struct erofs_fsck_stats *st,
			  const struct report_state *rs)
{
	if (o->print_ratio)
		printf("Data in blocks: %.2f%% of %llu bytes\n",
		       st->data_bytes ? 100.0 * st->mapped_bytes /
					st->data_bytes : 100.0,
		       (unsigned long long)st->data_bytes);
	if (o->level < 3)
		return;
	printf("%s: %llu inodes (%llu directories, %llu files, %llu symlinks, %llu special), %llu bytes of file data read, %llu fingerprints verified\n",
	       o->image, (unsigned long long)st->inodes,
	       (unsigned long long)st->dirs, (unsigned long long)st->files,
	       (unsigned long long)st->symlinks,
	       (unsigned long long)st->specials,
	       (unsigned long long)st->data_bytes,
	       (unsigned long long)st->fingerprints);
	if (o->cfg.extract_dir)
		printf("%llu inodes extracted to '%s'\n",
		       (unsigned long long)st->extracted, o->cfg.extract_dir);
	if (!rs->count[EROFS_SEV_ERROR] && !rs->count[EROFS_SEV_FATAL])
		printf("No errors found\n");
}

static int run(struct fsck_opts *o, struct report_state *rs)
{
	struct erofs_fsck_stats st;
	struct erofs_image img;
	int err, ret = FSCK_OK;

	err = erofs_image_open(&img, o->image, o->offset);
	if (err)
		return FSCK_ERROR;
	img.skip_csum = o->no_sbcrc;
	img.map_data = catch_sigbus();
	img.report = print_problem;
	img.report_arg = rs;
	err = erofs_image_read_super(&img);
	if (!err) {
		o->cfg.report = print_problem;
		o->cfg.report_arg = rs;
		if (o->cfg.extract_dir)
			raise_fd_limit();
		/* a progress line only for someone watching a terminal */
		if (o->level > 0 && isatty(STDERR_FILENO))
			o->cfg.progress = erofs_progress_start(STDERR_FILENO);
		err = erofs_fsck_run(&img, &o->cfg, &st);
		erofs_progress_stop(o->cfg.progress);
		print_summary(o, &st, rs);
	}
	erofs_image_close(&img);
	print_unshown(rs);
	if (rs->count[EROFS_SEV_ERROR])
		ret |= FSCK_UNCORRECTED;
	if (rs->count[EROFS_SEV_FATAL] ||
	    (err && err != -EFSCORRUPTED && err != -EOPNOTSUPP))
		ret |= FSCK_ERROR;
	if (err && !ret)
		ret = FSCK_UNCORRECTED;
	return ret;
}

int main(int argc, char **argv)
{
	struct fsck_opts o = { .prog = "fsck.erofs", .level = 2 };
	struct report_state rs = { .prog = o.prog };
	mode_t mask;
	int ret;

	erofs_fsck_cfg_init(&o.cfg);
	/* the image's owners and modes only for root, as tar does */
	o.cfg.preserve_owner = o.cfg.preserve_perms = !geteuid();
	mask = umask(0);
	umask(mask);
	o.cfg.umask = mask;
	ret = parse_options(&o, argc, argv);
	if (ret) {
		free(o.extract_dir);
		return ret < 0 ? FSCK_OK : ret;
	}
	erofs_log_init(o.prog, o.level >= 7 ? EROFS_LOG_DEBUG :
		       o.level >= 3 ? EROFS_LOG_INFO : EROFS_LOG_QUIET);
	ret = run(&o, &rs);
	free(o.extract_dir);
	return ret;
}
