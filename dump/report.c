// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs --ishare-report: walk every image and hand each regular
 * file's nid, path, size and fingerprint to the report in lib.  Only
 * metadata is read (inodes, directories, xattrs), never file data: the
 * fingerprint is what the image says, which is all the kernel looks at
 * when it decides to share.
 */
#include <errno.h>
#include <sys/stat.h>
#include <string.h>
#include "erofs/ishare_report.h"
#include "erofs/print.h"
#include "dump.h"

struct report_walk {
	struct erofs_ishare_report *r;
	u64 untrusted;		/* files whose fingerprint cannot be trusted */
};

/*
 * A file with two fingerprint entries or a malformed one is named and
 * counted as having none, so it never counts as shared; the walk goes on.
 */
static void untrusted_file(struct dump_image *d, const struct dump_entry *e,
			   int err)
{
	char esc[1024];

	erofs_escape(esc, sizeof(esc), e->path, strlen(e->path));
	erofs_err("%s: '%s' @ nid %llu: fingerprint untrustworthy: %s",
		  d->path, esc, (unsigned long long)e->vi->nid,
		  dump_fp_untrusted(err));
}

const char *dump_fp_untrusted(int err)
{
	return err == -ENOTUNIQ ? "more than one fingerprint entry" :
	       "value is not \"sha256:\" and 32 bytes";
}

static int file_fn(struct dump_image *d, const struct dump_entry *e,
		   void *arg)
{
	struct report_walk *w = arg;
	u8 digest[32];
	int err;

	if (!S_ISREG(e->vi->mode))
		return 0;
	err = erofs_inode_fingerprint(&d->img, e->vi, digest);
	if (err == -ENOTUNIQ || err == -EBADMSG) {
		untrusted_file(d, e, err);
		w->untrusted++;
	} else if (err && err != -ENODATA) {
		return dump_check(d, err, "cannot read a fingerprint");
	}
	err = erofs_ishare_report_add_file(w->r, e->vi->nid, e->path,
					   e->vi->size, err ? NULL : digest);
	return dump_check(d, err, "cannot add a file to the report");
}

static int add_image(struct report_walk *w, const char *path, u64 offset)
{
	char name[2 * EROFS_NAME_LEN + 32];
	struct dump_image d;
	int err = dump_image_open(&d, path, offset);

	if (!err) {
		bool named = !erofs_fingerprint_name(&d.img, name,
						     sizeof(name));

		err = erofs_ishare_report_add_image(w->r, path,
						    named ? name : NULL);
		err = dump_check(&d, err < 0 ? err : 0,
				 "cannot add the image to the report");
	}
	if (!err)
		err = dump_walk(&d, d.img.sbi.root_nid, file_fn, w);
	dump_image_close(&d);
	return err;
}

int dump_ishare_report(char **images, int nimages,
		       const struct dump_report_cfg *cfg, FILE *out)
{
	struct erofs_ishare_report *r = erofs_ishare_report_new();
	struct report_walk w = { r, 0 };
	int err = r ? 0 : -ENOMEM;

	for (int i = 0; i < nimages && !err; i++)
		err = add_image(&w, images[i], cfg->offset);
	if (!err) {
		err = erofs_ishare_report_finish(r);
		if (err)
			erofs_err("cannot finish the report: %s",
				  erofs_strerror(err));
	} else if (err == -ENOMEM && !r) {
		erofs_err("out of memory");
	}
	if (!err && cfg->json)
		erofs_ishare_report_print_json(r, out, cfg->top);
	else if (!err)
		erofs_ishare_report_print_text(r, out, cfg->top);
	erofs_ishare_report_free(r);
	/* the report is complete, but it left files out of sharing */
	if (!err && w.untrusted)
		erofs_err("%llu files with untrustworthy fingerprints, "
			  "counted as unshared", (unsigned long long)w.untrusted);
	return err || w.untrusted ? 1 : 0;
}
