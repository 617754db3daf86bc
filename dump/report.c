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
#include "erofs/ishare_report.h"
#include "erofs/print.h"
#include "dump.h"

static int file_fn(struct dump_image *d, const struct dump_entry *e,
		   void *arg)
{
	struct erofs_ishare_report *r = arg;
	u8 digest[32];
	int err;

	if (!S_ISREG(e->vi->mode))
		return 0;
	err = erofs_inode_fingerprint(&d->img, e->vi, digest);
	if (err && err != -ENODATA)
		return dump_check(d, err, "cannot read a fingerprint");
	err = erofs_ishare_report_add_file(r, e->vi->nid, e->path, e->vi->size,
					   err ? NULL : digest);
	return dump_check(d, err, "cannot add a file to the report");
}

static int add_image(struct erofs_ishare_report *r, const char *path,
		     u64 offset)
{
	char name[2 * EROFS_NAME_LEN + 32];
	struct dump_image d;
	int err = dump_image_open(&d, path, offset);

	if (!err) {
		bool named = !erofs_fingerprint_name(&d.img, name,
						     sizeof(name));

		err = erofs_ishare_report_add_image(r, path,
						    named ? name : NULL);
		err = dump_check(&d, err < 0 ? err : 0,
				 "cannot add the image to the report");
	}
	if (!err)
		err = dump_walk(&d, d.img.sbi.root_nid, file_fn, r);
	dump_image_close(&d);
	return err;
}

int dump_ishare_report(char **images, int nimages,
		       const struct dump_report_cfg *cfg, FILE *out)
{
	struct erofs_ishare_report *r = erofs_ishare_report_new();
	int err = r ? 0 : -ENOMEM;

	for (int i = 0; i < nimages && !err; i++)
		err = add_image(r, images[i], cfg->offset);
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
	return err ? 1 : 0;
}
