// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs -s: every superblock field, as stored, with feature bits
 * spelled out from the one feature table and the long xattr prefixes
 * (including the fingerprint NAME) listed.  Labels that erofs-utils'
 * dump.erofs prints keep its wording, so scripts that grep them work.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>
#include "erofs/features.h"
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "dump.h"

#define LABEL_WIDTH	46

static void label(FILE *out, const char *name)
{
	fprintf(out, "%-*s", LABEL_WIDTH, name);
}

static void features(FILE *out, const char *name, bool compat, u32 bits)
{
	u32 known = 0;

	label(out, name);
	fprintf(out, "0x%08x", bits);
	for (const struct erofs_feature *f = erofs_features; f->name; f++) {
		if (f->compat != compat)
			continue;
		known |= f->bit;
		if (bits & f->bit)
			fprintf(out, " %s", f->name);
	}
	if (bits & ~known)
		fprintf(out, " unknown(0x%x)", bits & ~known);
	fputc('\n', out);
}

static void created(FILE *out, s64 epoch, u32 nsec)
{
	time_t t = (time_t)epoch;
	char buf[64];
	struct tm tm;

	label(out, "Filesystem created:");
	if ((s64)t == epoch && gmtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		fprintf(out, "%s.%09u UTC (%" PRId64 ")\n", buf, nsec, epoch);
	else
		fprintf(out, "%" PRId64 ".%09u\n", epoch, nsec);
}

static void compr_algs(FILE *out, const struct erofs_super_block *dsb,
		       u32 incompat)
{
	static const char *const algs[] = { "lz4", "lzma", "deflate", "zstd" };
	u16 v = le16_to_cpu(dsb->available_compr_algs);

	if (!(incompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS)) {
		label(out, "Filesystem lz4_max_distance:");
		fprintf(out, "%u\n", v);
		return;
	}
	label(out, "Filesystem compr_algs:");
	fprintf(out, "0x%04x", v);
	for (unsigned int i = 0; i < 16; i++) {
		if (!(v & (1U << i)))
			continue;
		if (i < ARRAY_SIZE(algs))
			fprintf(out, " %s", algs[i]);
		else
			fprintf(out, " unknown(%u)", i);
	}
	fputc('\n', out);
}

static void prefixes(FILE *out, const struct dump_image *d)
{
	const struct erofs_sb_info *sbi = &d->img.sbi;
	char esc[4 * EROFS_NAME_LEN + 1];

	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++) {
		const struct erofs_xattr_prefix *pf = &sbi->xattr_prefixes[i];
		const char *base = erofs_xattr_short_prefix(pf->base_index);

		if (d->img.prefix_bad && d->img.prefix_bad[i]) {
			fprintf(out, "  prefix %u: (unreadable)\n", i);
			continue;
		}
		erofs_escape(esc, sizeof(esc), pf->infix, pf->infix_len);
		fprintf(out, "  prefix %u: %s%s (base index %u)%s\n", i,
			base ? base : "", esc, pf->base_index,
			(int)i == sbi->ishare_prefix_id ? " fingerprint" : "");
	}
}

static void fingerprint_name(FILE *out, struct dump_image *d)
{
	char name[2 * EROFS_NAME_LEN + 32], esc[sizeof(name) * 4];

	label(out, "Filesystem ishare_xattr_prefix_id:");
	fprintf(out, "%u\n", d->img.dsb.ishare_xattr_prefix_id);
	label(out, "Filesystem fingerprint name:");
	if (erofs_fingerprint_name(&d->img, name, sizeof(name))) {
		fputs("(none)\n", out);
		return;
	}
	erofs_escape(esc, sizeof(esc), name, strlen(name));
	fprintf(out, "%s\n", esc);
}

static void layout(FILE *out, const struct dump_image *d)
{
	const struct erofs_super_block *dsb = &d->img.dsb;
	const struct erofs_sb_info *sbi = &d->img.sbi;

	label(out, "Filesystem magic number:");
	fprintf(out, "0x%08X\n", le32_to_cpu(dsb->magic));
	label(out, "Filesystem checksum:");
	fprintf(out, "0x%08x%s\n", sbi->checksum,
		!(sbi->feature_compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) ?
		" (unused)" : d->img.sb_csum_ok ? " (ok)" : " (not checked)");
	label(out, "Filesystem blocksize:");
	fprintf(out, "%u (blkszbits %u)\n", erofs_blksiz(sbi), sbi->blkszbits);
	label(out, "Filesystem sb_size:");
	fprintf(out, "%u (sb_extslots %u)\n", d->img.sb_size, dsb->sb_extslots);
	label(out, "Filesystem blocks:");
	fprintf(out, "%" PRIu64 "\n", sbi->blocks);
	label(out, "Filesystem inode metadata start block:");
	fprintf(out, "%u\n", sbi->meta_blkaddr);
	label(out, "Filesystem shared xattr metadata start block:");
	fprintf(out, "%u\n", sbi->xattr_blkaddr);
	label(out, "Filesystem root nid:");
	fprintf(out, "%" PRIu64 "\n", sbi->root_nid);
	label(out, "Filesystem rootnid_8b:");
	fprintf(out, "%" PRIu64 "\n", (u64)le64_to_cpu(dsb->rootnid_8b));
	label(out, "Filesystem packed nid:");
	fprintf(out, "%" PRIu64 "\n", (u64)le64_to_cpu(dsb->packed_nid));
	label(out, "Filesystem metabox nid:");
	fprintf(out, "%" PRIu64 "\n", (u64)le64_to_cpu(dsb->metabox_nid));
	label(out, "Filesystem inode count:");
	fprintf(out, "%" PRIu64 "\n", sbi->inos);
}

static void identity(FILE *out, const struct dump_image *d)
{
	const struct erofs_super_block *dsb = &d->img.dsb;
	const struct erofs_sb_info *sbi = &d->img.sbi;
	char uuid[37], esc[4 * 16 + 1];

	created(out, sbi->epoch, sbi->fixed_nsec);
	label(out, "Filesystem build_time:");
	fprintf(out, "%u\n", le32_to_cpu(dsb->build_time));
	uuid_unparse_lower(sbi->uuid, uuid);
	label(out, "Filesystem UUID:");
	fprintf(out, "%s\n", uuid);
	erofs_escape(esc, sizeof(esc), sbi->volume_name,
		     strlen(sbi->volume_name));
	label(out, "Filesystem volume name:");
	fprintf(out, "%s\n", esc);
}

static void devices_and_xattrs(FILE *out, struct dump_image *d)
{
	const struct erofs_super_block *dsb = &d->img.dsb;

	compr_algs(out, dsb, d->img.sbi.feature_incompat);
	label(out, "Filesystem extra devices:");
	fprintf(out, "%u (devt_slotoff %u)\n", le16_to_cpu(dsb->extra_devices),
		le16_to_cpu(dsb->devt_slotoff));
	label(out, "Filesystem dirblkbits:");
	fprintf(out, "%u\n", dsb->dirblkbits);
	label(out, "Filesystem xattr_filter_reserved:");
	fprintf(out, "%u\n", dsb->xattr_filter_reserved);
	label(out, "Filesystem xattr prefixes:");
	fprintf(out, "%u at byte %" PRIu64 " (xattr_prefix_start %u)\n",
		dsb->xattr_prefix_count, (u64)d->img.sbi.xattr_prefix_start * 4,
		d->img.sbi.xattr_prefix_start);
	prefixes(out, d);
	fingerprint_name(out, d);
}

void dump_show_super(struct dump_image *d, FILE *out)
{
	layout(out, d);
	identity(out, d);
	features(out, "Filesystem compatible features:", true,
		 d->img.sbi.feature_compat);
	features(out, "Filesystem incompatible features:", false,
		 d->img.sbi.feature_incompat);
	devices_and_xattrs(out, d);
}

/*
 * --blkid-udev: the udev properties erofs-utils' dump.erofs prints, for
 * udev rules on hosts whose libblkid does not know EROFS.  A hex UUID
 * needs no encoding, so ID_FS_UUID_ENC is the same string.
 */
void dump_show_blkid_udev(struct dump_image *d, FILE *out)
{
	char uuid[37];

	uuid_unparse_lower(d->img.sbi.uuid, uuid);
	fprintf(out, "ID_FS_UUID=%s\nID_FS_UUID_ENC=%s\nID_FS_TYPE=erofs\n"
		"ID_FS_USAGE=filesystem\n", uuid, uuid);
}
