// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs: options, then calls into dump/ and the image reader.  It
 * opens images read-only; exit status 0, or 1 for a usage error or an
 * image it cannot read (one line on stderr says why).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "erofs/print.h"
#include "erofs/version.h"
#include "dump.h"

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_SUPER = 's',
	OPT_STATS = 'S',
	OPT_EXTENTS = 'e',
	OPT_NID = 256,
	OPT_PATH,
	OPT_LS,
	OPT_CAT,
	OPT_OFFSET,
	OPT_ISHARE_REPORT,
	OPT_JSON,
	OPT_TOP,
	OPT_STACK,
	OPT_BLKID_UDEV,
	OPT_DEVICE,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "nid", required_argument, NULL, OPT_NID },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "ls", no_argument, NULL, OPT_LS },
	{ "cat", no_argument, NULL, OPT_CAT },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "ishare-report", no_argument, NULL, OPT_ISHARE_REPORT },
	{ "ishare_report", no_argument, NULL, OPT_ISHARE_REPORT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "stack", required_argument, NULL, OPT_STACK },
	{ "blkid-udev", no_argument, NULL, OPT_BLKID_UDEV },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ NULL, 0, NULL, 0 },
};

/* leading ':': a missing argument comes back as ':' */
static const char short_options[] = ":hVsSe";

static void usage(FILE *out)
{
	fputs("Usage: dump.erofs [OPTIONS] IMAGE\n"
"       dump.erofs --ishare-report [--json] [--top=N]\n"
"                  [--stack=NAME=LOWER,...,UPPER]... [IMAGE...]\n"
"Show what the EROFS image IMAGE holds, reading it only.  With no option,\n"
"show its superblock.\n"
"\n"
"The image:\n"
"  -s                    show the superblock: every field, feature names,\n"
"                        long xattr prefixes and the fingerprint NAME\n"
"  -S                    show statistics: files per type, a size\n"
"                        histogram, the compression ratio when compressed\n"
"      --offset=BYTES    the image starts BYTES into the file (default 0)\n"
"      --blkid-udev      print only ID_FS_UUID, ID_FS_UUID_ENC, ID_FS_TYPE\n"
"                        and ID_FS_USAGE lines, for udev\n"
"      --device=PATH     extra devices: not supported\n"
"\n"
"One inode:\n"
"      --nid=NID         show inode NID: fields, xattrs, fingerprint\n"
"      --path=PATH       show the inode at PATH\n"
"  -e                    also show its extent map (needs --nid or --path)\n"
"      --ls              also list its directory (default: the root)\n"
"      --cat             write its content to stdout, and nothing else\n"
"\n"
"Page-cache sharing:\n"
"      --ishare-report   for every IMAGE given: the files that share page\n"
"                        cache (equal fingerprints) within and across the\n"
"                        images, and the memory that mounting them in one\n"
"                        sharing domain saves; reads metadata only\n"
"      --json            print the report as JSON\n"
"      --top=N           list only the N groups that save most (default:\n"
"                        all)\n"
"      --stack=NAME=LOWER,...,UPPER\n"
"                        also report the overlayfs stack NAME of these\n"
"                        layer images, lowest first, as a container\n"
"                        runtime mounts them: only the files its merged\n"
"                        view shows are read (whiteouts, opaque\n"
"                        directories and upper files hide lower ones);\n"
"                        a layer in several stacks is one mount (same\n"
"                        device and inode); repeat for more stacks\n"
"\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status: 0 on success, 1 on a usage error or an unreadable image.\n",
	      out);
}

struct dump_opts {
	const char *prog;
	bool super, stats, extents, ls, cat, report, json, top_set;
	bool blkid_udev;
	bool have_nid;
	struct dump_target target;
	struct dump_report_cfg rcfg;
};

static void usage_error(const char *prog, const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s '%s'\n", prog, msg, arg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(1);
}

/* a decimal, 0x hex or 0 octal number without a sign */
static bool parse_u64(const char *s, u64 *out)
{
	unsigned long long v;
	char *end;

	if (*s == '-' || *s == '+' || !*s)
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* NAME=LAYER[,LAYER...]: no empty name or layer; split in dump/report.c */
static void add_stack_arg(struct dump_opts *o, char *arg)
{
	char *eq = strchr(arg, '=');
	char **p;

	if (!eq || eq == arg || !eq[1] || strstr(eq, ",,") ||
	    eq[1] == ',' || arg[strlen(arg) - 1] == ',')
		usage_error(o->prog, "invalid --stack, want NAME=LOWER,...,UPPER:",
			    arg);
	p = realloc(o->rcfg.stacks, (o->rcfg.nstacks + 1) * sizeof(*p));
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		exit(1);
	}
	p[o->rcfg.nstacks++] = arg;
	o->rcfg.stacks = p;
}

static void parse_one(struct dump_opts *o, int opt, char *arg)
{
	u64 v;

	switch (opt) {
	case OPT_HELP:
		usage(stdout);
		exit(0);
	case OPT_VERSION:
		printf("dump.erofs (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		erofs_print_build_info(stdout, false);
		exit(0);
	case OPT_SUPER: o->super = true; break;
	case OPT_STATS: o->stats = true; break;
	case OPT_EXTENTS: o->extents = true; break;
	case OPT_LS: o->ls = true; break;
	case OPT_CAT: o->cat = true; break;
	case OPT_ISHARE_REPORT: o->report = true; break;
	case OPT_JSON: o->json = true; break;
	case OPT_BLKID_UDEV: o->blkid_udev = true; break;
	case OPT_DEVICE:
		fprintf(stderr, "%s: --device is not supported: images with "
			"extra devices are not read\n", o->prog);
		exit(1);
	case OPT_NID:
		if (!parse_u64(arg, &o->target.nid))
			usage_error(o->prog, "invalid nid", arg);
		o->have_nid = true;
		break;
	case OPT_PATH:
		o->target.path = arg;
		break;
	case OPT_OFFSET:
		if (!parse_u64(arg, &o->rcfg.offset))
			usage_error(o->prog, "invalid offset", arg);
		break;
	case OPT_STACK:
		add_stack_arg(o, arg);
		break;
	case OPT_TOP:
		if (!parse_u64(arg, &v) || v > 0xffffffffUL)
			usage_error(o->prog, "invalid number of groups", arg);
		o->rcfg.top = v;
		o->top_set = true;
		break;
	default:
		usage_error(o->prog, "unknown option", NULL);
	}
}

static void check_report_opts(struct dump_opts *o, int nargs)
{
	bool inode = o->have_nid || o->target.path || o->extents ||
		     o->ls || o->cat;

	if (!o->report) {
		if (o->json || o->top_set || o->rcfg.nstacks)
			usage_error(o->prog, "--json, --top and --stack need "
				    "--ishare-report", NULL);
		return;
	}
	if (o->super || o->stats || inode)
		usage_error(o->prog, "--ishare-report cannot be combined with "
			    "-s, -S, -e, --nid, --path, --ls or --cat", NULL);
	if (nargs < 1 && !o->rcfg.nstacks)
		usage_error(o->prog, "--ishare-report needs at least one IMAGE "
			    "or --stack", NULL);
	o->rcfg.json = o->json;
}

static void check_inode_opts(struct dump_opts *o, int nargs)
{
	bool target = o->have_nid || o->target.path;

	if (nargs < 1)
		usage_error(o->prog, "missing IMAGE", NULL);
	if (o->have_nid && o->target.path)
		usage_error(o->prog, "give --nid or --path, not both", NULL);
	if (o->cat && (o->super || o->stats || o->extents || o->ls))
		usage_error(o->prog, "--cat cannot be combined with -s, -S, -e "
			    "or --ls", NULL);
	if ((o->cat || o->extents) && !target)
		usage_error(o->prog, o->cat ? "--cat needs --nid or --path" :
			    "-e needs --nid or --path", NULL);
}

static int parse_options(struct dump_opts *o, int argc, char **argv)
{
	int opt;

	o->prog = "dump.erofs";
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_options, long_options,
				  NULL)) != -1) {
		if (opt == ':')
			usage_error(o->prog, "missing argument for",
				    argv[optind - 1]);
		if (opt == '?' && optopt > 0 && optopt < 128) {
			char bad[3] = { '-', (char)optopt, '\0' };

			usage_error(o->prog, "unknown option", bad);
		}
		if (opt == '?')
			usage_error(o->prog, "unknown option",
				    argv[optind - 1]);
		parse_one(o, opt, optarg);
	}
	check_report_opts(o, argc - optind);
	if (o->report)
		return optind;
	check_inode_opts(o, argc - optind);
	if (argc - optind > 1)
		usage_error(o->prog, "unexpected argument", argv[optind + 1]);
	return optind;
}

static int show(struct dump_opts *o, struct dump_image *d)
{
	bool inode = o->have_nid || o->target.path || o->ls;
	int err = 0;

	/* as in erofs-utils, the udev lines replace everything else */
	if (o->blkid_udev) {
		dump_show_blkid_udev(d, stdout);
		return 0;
	}
	if (o->cat)
		return dump_cat(d, &o->target, stdout);
	if (!o->super && !o->stats && !inode)
		o->super = true;
	if (!o->have_nid && !o->target.path)
		o->target.nid = d->img.sbi.root_nid;
	if (o->super)
		dump_show_super(d, stdout);
	if (o->stats) {
		if (o->super)
			fputc('\n', stdout);
		err = dump_show_stats(d, stdout);
	}
	if (!err && inode) {
		if (o->super || o->stats)
			fputc('\n', stdout);
		err = dump_show_inode(d, &o->target, o->extents, o->ls, stdout);
	}
	return err;
}

/* a write error on stdout (a full disk, a closed pipe) is an error too */
static int finish_output(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (!ret)
			erofs_err("cannot write the output: %s", strerror(errno));
		return 1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct dump_opts o = { 0 };
	struct dump_image d;
	int first, ret;

	erofs_log_init("dump.erofs", EROFS_LOG_INFO);
	first = parse_options(&o, argc, argv);
	if (o.report) {
		ret = dump_ishare_report(argv + first, argc - first, &o.rcfg,
					 stdout);
		free(o.rcfg.stacks);
		return finish_output(ret);
	}
	ret = dump_image_open(&d, argv[first], o.rcfg.offset) ? 1 : 0;
	if (!ret)
		ret = show(&o, &d) ? 1 : 0;
	dump_image_close(&d);
	return finish_output(ret);
}
