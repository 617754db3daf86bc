/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to the image writer: the in-memory tree that mkfs scans from the
 * source, lays out and writes.
 */
#ifndef __LIBEROFS_MKFS_H
#define __LIBEROFS_MKFS_H

#include <sys/types.h>
#include <sys/uio.h>
#include "erofs/internal.h"
#include "erofs/mkfs.h"
#include "erofs/xattr.h"
#include "liberofs_hashtab.h"

/* one distinct (name, value) pair, shared by every inode that has it */
struct mkfs_xattr {
	struct erofs_hnode hnode;	/* in mkfs_ctx.xattrs, by name and value */
	u8 index;		/* short index or 0x80 | long prefix id */
	u8 name_len;		/* suffix length */
	u16 value_len;
	u32 count;		/* inodes that carry it */
	s64 shared_id;		/* id in the shared area, or -1 when inline */
	char *name;		/* suffix after the (short or long) prefix */
	u8 *value;
};

struct mkfs_inode;
struct mkfs_link;
struct mkfs_name_chunk;
struct mkfs_zinode;
struct mkfs_zctx;

struct mkfs_dentry {
	const char *name;		/* from mkfs_name_dup() */
	u8 name_len;
	u8 file_type;
	struct mkfs_inode *inode;
};

/*
 * One per inode of the image, a million of them on a tree of tiny
 * files: kept small (see the assertion below), pointers first, then
 * 64-bit, 32-bit, 16-bit and 8-bit fields, so that nothing is padding.
 */
struct mkfs_inode {
	/*
	 * The directory of the inode's first name, and that name: where a
	 * source file is read from is rebuilt from them (mkfs_src_path()),
	 * not kept for every file.  A directory's parent is its "..".  A tar
	 * member's name is its whole path in the archive, which it owns.
	 */
	struct mkfs_inode *parent;
	const char *name;
	u8 *data;			/* symlink target; directory blocks */
	struct mkfs_dentry *dents;	/* directories, sorted, with . and .. */
	struct mkfs_xattr **xattrs;	/* sorted; the fingerprint excluded */
	struct mkfs_zinode *z;		/* read and compressed before layout */
	union {
		ino_t src_ino;		/* a directory's entry: st_ino */
		u64 src_off;		/* a tar member: where the data starts */
	};

	u64 size;
	s64 mtime;
	u64 nid;			/* layout */
	u64 startblk;
	u32 mtime_nsec;
	u32 mode, uid, gid, nlink, rdev;
	u32 ino;
	u32 ndents;
	u32 xattr_isize;
	u16 nxattrs;
	u16 inode_isize;
	u16 inline_size;		/* tail bytes packed after the inode */
	u8 datalayout;
	bool fingerprint : 1;		/* gets a fingerprint entry */
	bool in_queue : 1;
	bool from_src : 1;		/* a regular file whose data is read */
	bool own_name : 1;		/* name is a tar member's path */
};

_Static_assert(sizeof(struct mkfs_inode) <= 136,
	       "struct mkfs_inode grew: memory per inode is a target (issue 16)");

struct mkfs_ctx {
	const struct erofs_mkfs_cfg *cfg;
	struct erofs_sb_info sbi;
	int fd;
	dev_t out_dev;			/* the image being written, never */
	ino_t out_ino;			/* taken into itself */
	s64 build_sec;
	u32 build_nsec;
	size_t src_len;			/* cfg->source, trailing '/'s cut */
	bool tar;			/* the source is a tar archive */
	int tar_fd;			/* it, or its decompressed copy */

	struct mkfs_inode *root;
	struct mkfs_name_chunk *names;	/* dentry names, newest chunk first */
	u32 names_used;			/* bytes taken in the newest */
	struct mkfs_inode **inodes;	/* nid order once laid out */
	u64 ninodes, inodes_cap;

	/* hard links: source (dev, ino) -> inode, see mkfs_scan.c */
	struct mkfs_link *links;
	u64 links_cap, nlinks_tab;

	/* distinct xattrs */
	struct erofs_hashtab xattrs;
	struct mkfs_xattr **shared;
	u64 nshared;
	u64 shared_bytes;

	u64 head_end;			/* end of sb + prefix table, aligned */
	u64 meta_end;			/* end of the inode area, aligned */
	u64 total_blocks;
	u64 warned_xattr_names;
	struct mkfs_zctx *z;		/* NULL: nothing is compressed */
};

/* mkfs_tree.c: the tree, below both sources */
int mkfs_inode_append(struct mkfs_ctx *ctx, struct mkfs_inode *inode);
void mkfs_tree_release(struct mkfs_ctx *ctx);
void mkfs_set_owner_time(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
			 u64 uid, u64 gid, s64 sec, u32 nsec);
bool mkfs_is_excluded(const struct erofs_mkfs_cfg *cfg, const char *rel);
/* a copy of @name (@len bytes) that lives until mkfs_tree_release() */
const char *mkfs_name_dup(struct mkfs_ctx *ctx, const char *name, size_t len);
void mkfs_dir_seal(struct mkfs_inode *dir, u32 n);
/* where @in's data is read from, for open() and messages: PATH_MAX bytes */
int mkfs_src_path(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		  char *path);
/* a regular file's data starts at *base in the returned fd; @path (PATH_MAX
 * bytes) gets its path for messages */
int mkfs_src_open(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		  u64 *base, char *path);
void mkfs_src_close(const struct mkfs_ctx *ctx, int fd);

/* mkfs_meta.c: every inode's nid, in the inode area from @start to *@end */
int mkfs_meta_layout(struct mkfs_ctx *ctx, u64 start, u64 *end);

/* mkfs_scan.c: the tree from a source directory */
int mkfs_scan_tree(struct mkfs_ctx *ctx);
int mkfs_overlay_whiteouts(struct mkfs_ctx *ctx);

/* mkfs_tar.c: the tree from a tar archive instead of a directory */
int mkfs_tar_scan(struct mkfs_ctx *ctx);
void mkfs_tar_release(struct mkfs_ctx *ctx);

/* mkfs_xattr.c */
int mkfs_xattr_setup_prefixes(struct mkfs_ctx *ctx);
/* @name relative to directory @dfd (or AT_FDCWD) is @path */
int mkfs_xattr_read(struct mkfs_ctx *ctx, struct mkfs_inode *inode, int dfd,
		    const char *name, const char *path);
/* an entry's xattrs as read from the source: (name, value) records */
struct mkfs_xattr_blob {
	char *buf;
	u32 len, cap;
};
int mkfs_xattr_gather(const struct erofs_mkfs_cfg *cfg, int dfd,
		      const char *name, const char *path,
		      struct mkfs_xattr_blob *out, char *why, size_t whylen);
int mkfs_xattr_add_blob(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
			const struct mkfs_xattr_blob *b, const char *path);
int mkfs_xattr_add(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		   const char *name, const void *value, size_t value_len,
		   const char *path);
void mkfs_xattr_sort(struct mkfs_inode *inode);
void mkfs_xattr_remove(struct mkfs_ctx *ctx, struct mkfs_inode *inode,
		       const char *name);
int mkfs_xattr_layout(struct mkfs_ctx *ctx);
u32 mkfs_xattr_ibody_size(struct mkfs_ctx *ctx, const struct mkfs_inode *inode);
void mkfs_xattr_fill_ibody(struct mkfs_ctx *ctx, const struct mkfs_inode *inode,
			   const u8 *fingerprint, u8 *out);
void mkfs_xattr_fill_shared(struct mkfs_ctx *ctx, u8 *out);
void mkfs_xattr_release(struct mkfs_ctx *ctx);

/* mkfs_compress.c: no-ops when ctx->z is NULL */
int mkfs_z_validate(const struct erofs_mkfs_cfg *cfg);
int mkfs_z_init(struct mkfs_ctx *ctx);
int mkfs_z_compress_files(struct mkfs_ctx *ctx);
/* -E fragments: the packed inode joins the inode list after ordering */
int mkfs_z_link_packed(struct mkfs_ctx *ctx);
bool mkfs_z_is_packed(const struct mkfs_ctx *ctx, const struct mkfs_inode *in);
/* sets the compressed datalayout and returns true, or leaves it alone */
bool mkfs_z_choose_layout(struct mkfs_ctx *ctx, struct mkfs_inode *in);
/* bytes after the inode and its xattrs: map header, indexes, inline data */
u32 mkfs_z_meta_size(const struct mkfs_ctx *ctx, const struct mkfs_inode *in);
/* ztailpacking data after the indexes: it must stay inside one block */
u32 mkfs_z_inline_size(const struct mkfs_ctx *ctx, const struct mkfs_inode *in);
/* @pos, or a later one where the inode's inline data does not cross blocks */
u64 mkfs_z_place(const struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		 u64 pos);
u64 mkfs_z_data_blocks(const struct mkfs_ctx *ctx,
		       const struct mkfs_inode *in);
/* after the layout: each file's blocks in the area, or its original's */
void mkfs_z_share_blocks(struct mkfs_ctx *ctx);
u64 mkfs_z_area_end(const struct mkfs_ctx *ctx);
void mkfs_z_set_features(struct mkfs_ctx *ctx);
u32 mkfs_z_head_size(const struct mkfs_ctx *ctx);
void mkfs_z_fill_head(const struct mkfs_ctx *ctx, struct erofs_super_block *sb,
		      u8 *records);
/* writes @in's indexes (its blocks are in place); @fp gets the
 * fingerprint value when the inode has one */
int mkfs_z_write_file(struct mkfs_ctx *ctx, const struct mkfs_inode *in,
		      u8 *fp);
void mkfs_z_release(struct mkfs_ctx *ctx);

static inline bool erofs_layout_compressed(u8 datalayout)
{
	return datalayout == EROFS_INODE_COMPRESSED_FULL ||
	       datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}

/* mkfs_batch.c: how data and inodes reach the image */
/* an inode, the largest xattr body i_xattr_icount allows, a tail */
#define MKFS_META_BUF_SIZE(blksz)	(64 + 12 + 4 * UINT16_MAX + (blksz))

struct mkfs_meta_ent;

/* one worker's pending writes: a run of file data and some inodes */
struct mkfs_batch {
	struct mkfs_ctx *ctx;
	u8 *data;			/* NULL: inodes only */
	u32 cap, used;
	u32 run_off;			/* data[run_off, used) goes to run_pos */
	u64 run_pos;
	u8 *meta;
	u32 meta_cap, meta_used;
	struct mkfs_meta_ent *ents;
	u32 nents;
	int pipe[2];			/* for splice(), made when first needed */
	bool no_copy_range, no_splice;	/* the kernel refused them once */
};

/* @len bytes at image position @pos (cfg->offset into the output) */
int mkfs_pwrite(struct mkfs_ctx *ctx, const void *buf, size_t len, u64 pos);
/* all @len bytes or an error naming @path (EOF: it changed size) */
int mkfs_pread_full(int fd, u8 *buf, size_t len, u64 pos, const char *path);
/*
 * The loops under those, silent: all of @iov or @len, over EINTR and short
 * transfers; 0, -errno, -EIO for a write of nothing, -ENODATA at EOF.
 */
int mkfs_pwritev_fd(int fd, struct iovec *iov, int cnt, u64 pos);
int mkfs_pread_all(int fd, void *buf, size_t len, u64 pos);
int mkfs_batch_init(struct mkfs_batch *b, struct mkfs_ctx *ctx, bool data);
void mkfs_batch_release(struct mkfs_batch *b);
/* writes everything pending */
int mkfs_batch_flush(struct mkfs_batch *b);
/* room for MKFS_META_BUF_SIZE bytes of an inode, then queue its @len */
u8 *mkfs_batch_meta_buf(struct mkfs_batch *b, int *err);
void mkfs_batch_meta_add(struct mkfs_batch *b, u64 pos, u32 len);
/* room for @len bytes of file data (NULL, *err 0: more than fits), then
 * queue the first @len of them for image position @pos, padded to a block */
u8 *mkfs_batch_data_buf(struct mkfs_batch *b, u64 len, int *err);
int mkfs_batch_data_add(struct mkfs_batch *b, u64 pos, u64 len);
/* @len bytes of @fd at @src to image position @dst, in the kernel if it can */
int mkfs_batch_copy(struct mkfs_batch *b, int fd, u64 src, u64 dst, u64 len,
		    const char *path);

/* mkfs_write.c */
u64 mkfs_dir_size(const struct mkfs_inode *dir, unsigned int blksz);

#endif
