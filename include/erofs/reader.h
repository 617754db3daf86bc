/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * The image reader shared by fsck.erofs and dump.erofs.
 *
 * Every image is hostile: each function checks every offset, size, count
 * and nid against the image before using it, and never reads outside the
 * image or allocates in proportion to a number read from it.  A corrupted
 * image gives -EFSCORRUPTED after one report through img->report (see
 * erofs/problem.h); a failed read gives -EIO.  The image file is opened
 * read-only and never written.
 *
 * Thread safety: after erofs_image_read_super(), every function here may
 * be called from several threads at once on the same image.
 */
#ifndef __EROFS_READER_H
#define __EROFS_READER_H

#include <sys/types.h>
#include "erofs/internal.h"
#include "erofs/problem.h"

struct erofs_mcache;
struct erofs_inode;
struct erofs_zreader;

/* problems in shared xattrs reported before the rest are only counted */
#define EROFS_SHARED_SHOWN	2

struct erofs_image {
	int fd;			/* -1 for an image in memory */
	const u8 *mem;		/* the image in memory, or NULL */
	const char *name;	/* for messages */
	u64 offset;		/* where the image starts in the file */
	u64 size;		/* readable bytes from offset */
	u64 data_end;		/* min(size, blocks * block size) */
	struct erofs_sb_info sbi;
	struct erofs_super_block dsb;	/* the raw superblock, as on disk */
	unsigned int sb_size;	/* 128 + 16 * sb_extslots */
	/* set after erofs_image_open(), before erofs_image_read_super() */
	bool skip_csum;		/* do not verify the superblock checksum */
	bool map_data;		/* read through a mapping: caller handles SIGBUS */
	bool sb_csum_ok;	/* checksum present and right */
	bool has_fingerprints;	/* ISHARE_XATTRS with a valid prefix id */
	bool *prefix_bad;	/* per long prefix: unusable table entry */
	u32 prefix_reported[4];	/* bad long prefixes already reported */
	u32 filter_reported[4];	/* and name filter misses per prefix */
	u64 shared_faults;	/* problems in shared xattrs (first shown) */
	struct erofs_mcache *mcache;	/* metadata block cache, or the mapping */

	/* compression, from the superblock and its cfgs records */
	u16 z_algs;		/* bit per Z_EROFS_COMPRESSION_* in use */
	bool z_zero_padding;	/* lz4 data at the end of its pcluster */
	u16 lz4_max_distance;
	u16 lz4_max_pclusterblks;
	u32 lzma_dict_size;
	u8 zstd_windowlog;	/* windowLog - 10, as on disk */
	u64 packed_nid;		/* 0: no packed inode */
	struct erofs_inode *packed;	/* read with the superblock */

	/* NULL: print problems as "error: <msg> @ nid <nid>" on stderr */
	erofs_report_fn report;
	void *report_arg;
};

/*
 * Open @path read-only; the image starts @offset bytes in.  Prints one
 * line and returns -errno when it cannot.
 */
int erofs_image_open(struct erofs_image *img, const char *path, u64 offset);
/*
 * An image held in memory, @len bytes at @buf, which must outlive it:
 * the fuzz targets (tests/fuzz) read images this way, without a file.
 * @name is for messages.  Never mapped: map_data stays false.
 */
void erofs_image_open_mem(struct erofs_image *img, const void *buf,
			  size_t len, const char *name);
void erofs_image_close(struct erofs_image *img);

/*
 * Read and check the superblock and the long xattr prefix table.  Returns
 * 0 (possibly after reporting non-fatal problems such as a bad checksum),
 * or a negative errno after reporting what makes the image unreadable:
 * bad magic or block size, features this reader does not know or support.
 */
int erofs_image_read_super(struct erofs_image *img);

/*
 * @len bytes at image position @pos, copied from the image's mapping when
 * there is one; -EFSCORRUPTED if outside the image
 */
int erofs_image_pread(struct erofs_image *img, void *buf, size_t len, u64 pos);

/*
 * [pos, pos + len) of the image, read without a copy from the image's
 * mapping (made when img->map_data is set), or NULL: then read it with
 * erofs_image_pread().  A read error, or the image file shrinking, raises
 * SIGBUS as the bytes are touched: only a caller that handles it should
 * set img->map_data.
 */
const void *erofs_image_map(struct erofs_image *img, u64 pos, size_t len);
/* read in what erofs_image_map() gave, without using it: 0 or -EIO */
int erofs_image_touch(const void *p, size_t len);

/* whether [pos, pos + len) lies inside the image, without overflow */
bool erofs_image_range_ok(const struct erofs_image *img, u64 pos, u64 len);

/* ---- inodes ---- */

struct erofs_inode {
	u64 nid;
	u64 iloc;		/* image position of the on-disk inode */
	u16 i_format;
	u8 version;		/* EROFS_INODE_LAYOUT_COMPACT or _EXTENDED */
	u8 datalayout;		/* EROFS_INODE_FLAT_PLAIN, ... */
	u16 inode_isize;	/* 32 or 64 */
	u16 xattr_icount;
	u32 xattr_isize;	/* inline xattr body after the inode */
	u32 mode, uid, gid, nlink;
	u32 ino;		/* i_ino, the 32-bit inode number for stat */
	u64 size;
	s64 mtime;
	u32 mtime_nsec;
	u32 rdev;		/* encoded as on disk; see erofs_dev_major() */
	u64 startblk;		/* flat layouts: first block, or NULL_ADDR */
	u16 chunkformat;	/* chunk-based: EROFS_CHUNK_FORMAT_* */
	u8 chunkbits;		/* chunk-based: log2 of the chunk size */
	bool dot_omitted;	/* directory without a "." dirent */

	/* compressed layouts, from the map header (checked when read) */
	u16 z_advise;		/* Z_EROFS_ADVISE_* */
	u8 z_algs[2];		/* algorithm of HEAD1 and HEAD2 pclusters */
	u8 z_lclusterbits;
	bool z_whole_fragment;	/* all data in the packed inode */
	u16 z_idata_size;	/* ztailpacking: bytes of the inline pcluster */
	u64 z_idata_pos;	/* and its image position */
	u64 z_fragmentoff;	/* fragment: its offset in the packed inode */
	u64 z_tail_lcn;		/* lcluster of the tail extent's head */
};

/* where the xattr body, and after it the inline data or maps, start */
static inline u64 erofs_inode_xattr_pos(const struct erofs_inode *vi)
{
	return vi->iloc + vi->inode_isize;
}

static inline u64 erofs_inode_meta_end(const struct erofs_inode *vi)
{
	return vi->iloc + vi->inode_isize + vi->xattr_isize;
}

static inline bool erofs_inode_is_compressed(const struct erofs_inode *vi)
{
	return vi->datalayout == EROFS_INODE_COMPRESSED_FULL ||
	       vi->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}


/*
 * Read and check the inode @nid: location, format, mode, size against its
 * layout, xattr body and data addresses inside the image.  For compressed
 * inodes, the map header, the index table's place and the tail extent;
 * the indexes themselves are checked as they are mapped.
 */
int erofs_read_inode(struct erofs_image *img, u64 nid,
		     struct erofs_inode *vi);

/* ---- data ---- */

enum {
	EROFS_MAP_MAPPED	= 1 << 0,	/* pa/plen hold the bytes */
	EROFS_MAP_META		= 1 << 1,	/* inline, in the metadata */
	EROFS_MAP_ENCODED	= 1 << 2,	/* compressed (algorithm) */
	EROFS_MAP_FRAGMENT	= 1 << 3,	/* in the packed inode */
	EROFS_MAP_PARTIAL_REF	= 1 << 4,	/* only a prefix of the decoded
						 * pcluster belongs here */
};

/* map->algorithm of a pcluster stored uncompressed (a PLAIN head) */
#define EROFS_ZALG_SHIFTED	0x10	/* the bytes as they are */
#define EROFS_ZALG_INTERLACED	0x11	/* rotated within the block */

/*
 * One extent of a file: logical [la, la + llen) is stored at physical
 * [pa, pa + plen) (equal lengths unless ENCODED), or is a hole when
 * MAPPED is clear.  Compressed layouts set ENCODED and algorithm: the
 * pcluster [pa, pa + plen) decodes to the extent's llen bytes (or more,
 * with PARTIAL_REF).  A FRAGMENT extent is bytes [pa, pa + llen) of the
 * packed inode (plen 0).
 */
struct erofs_map {
	u64 la;			/* in: any offset < size; out: extent start */
	u64 llen;
	u64 pa;
	u64 plen;
	unsigned int flags;
	unsigned int algorithm;	/* Z_EROFS_COMPRESSION_* when ENCODED */
};

/* flags for erofs_map_blocks() and erofs_read_data() */
#define EROFS_RD_QUIET	(1U << 0)	/* return errors, report nothing */
#define EROFS_RD_VERIFY	(1U << 1)	/* map: check every lcluster index */

/*
 * Where a thread that must not call img->report keeps its first problem:
 * give one to the functions that take it, then report it yourself.
 */
struct erofs_problem_note {
	bool set;
	enum erofs_problem_id id;
	char msg[256];
};

/*
 * Map the extent of @vi that contains map->la.  For compressed inodes
 * this walks the lcluster indexes: the extent runs from its head to the
 * next head (or the end of the file).
 */
int erofs_map_blocks(struct erofs_image *img, const struct erofs_inode *vi,
		     struct erofs_map *map, unsigned int flags);
/* the same, problems into @note (when not NULL) instead of reported */
int erofs_map_blocks_noted(struct erofs_image *img,
			   const struct erofs_inode *vi, struct erofs_map *map,
			   unsigned int flags, struct erofs_problem_note *note);

/*
 * Buffers for reading compressed data, one per thread: the raw pcluster,
 * and the last decoded extent of a file and of the packed inode, so that
 * reading an extent piece by piece, or many fragments in one packed
 * pcluster, decodes each once.  Memory: a pcluster (at most 1 MiB) and
 * two extents (at most 12 MiB each, as big as the image asks for; see
 * erofs_zreader_trim()).
 */
struct erofs_zreader;

struct erofs_zreader *erofs_zreader_alloc(void);
void erofs_zreader_free(struct erofs_zreader *zr);
/* give back buffers above a few MiB */
void erofs_zreader_trim(struct erofs_zreader *zr);

/*
 * @len bytes of @vi at @off, inside the extent @map from
 * erofs_map_blocks(): a hole, stored bytes, a compressed pcluster
 * (decoded whole and checked) or a fragment.  Problems go to @note.
 */
int erofs_read_mapped(struct erofs_image *img, const struct erofs_inode *vi,
		      const struct erofs_map *map, void *buf, size_t len,
		      u64 off, struct erofs_zreader *zr,
		      struct erofs_problem_note *note);

/*
 * Check that every extent of @vi maps inside the image: for chunk-based
 * files this reads the whole index table.  Reports the first bad extent.
 */
int erofs_check_data_map(struct erofs_image *img, const struct erofs_inode *vi,
			 u64 *mapped_bytes);

/* @len bytes of @vi's content at @off (holes read as zeros) */
int erofs_read_data(struct erofs_image *img, const struct erofs_inode *vi,
		    void *buf, size_t len, u64 off, unsigned int flags);
/*
 * The same with the caller's erofs_zreader (NULL: a temporary one), so
 * that reading a compressed file piece by piece decodes each extent once.
 */
int erofs_read_data_zr(struct erofs_image *img, const struct erofs_inode *vi,
		       void *buf, size_t len, u64 off, unsigned int flags,
		       struct erofs_zreader *zr);

/*
 * A symlink's target, NUL-terminated, into @buf of @bufsize bytes (at
 * least vi->size + 1).  Checks that the target has no NUL byte.
 */
int erofs_read_symlink(struct erofs_image *img, const struct erofs_inode *vi,
		       char *buf, size_t bufsize);

/* ---- directories ---- */

struct erofs_dirent_info {
	u64 nid;
	const char *name;	/* not NUL-terminated */
	unsigned int namelen;
	unsigned int ftype;	/* EROFS_FT_* as the dirent says */
	u64 lblk;		/* directory block it came from */
	unsigned int index;	/* its position in that block */
};

/*
 * Walks a directory block by block, checking each block (nameoffs, name
 * lengths, names, strict order across blocks, file types, one "." that
 * points at the directory, one ".." that points at @pnid unless it is
 * EROFS_NID_NONE).  A bad block is reported once and the rest of it is
 * skipped.  Holds one block buffer; erofs_dir_iter_suspend() gives it up
 * and the next call re-reads the block quietly, so a deep walk needs no
 * buffer per level.
 */
struct erofs_dir_iter {
	struct erofs_image *img;
	const struct erofs_inode *dir;
	u64 pnid;
	u64 lblk, nblks;
	unsigned int idx, count;	/* in the current block */
	unsigned int blksz;
	u8 *buf;		/* current block, or NULL when suspended */
	bool have_block;	/* block lblk's header has been parsed */
	bool block_bad;		/* current block stopped at idx */
	bool seen_dot, seen_dotdot, done;
	unsigned int nbad;	/* faults: the first few reported */
	enum erofs_problem_id first_bad;
	unsigned int prevlen;
	char prev[EROFS_NAME_LEN + 1];	/* last name, for the order check */
	struct erofs_dirent_info de;
	struct erofs_zreader *zr;	/* compressed: the extent decoded */
	bool hole_seen;		/* a hole was reported: not again */
};

int erofs_dir_iter_init(struct erofs_dir_iter *it, struct erofs_image *img,
			const struct erofs_inode *dir, u64 pnid);
/*
 * 1 with the next entry in it->de, 0 at the end (after the "." and ".."
 * checks), or a negative errno for a failed read or allocation.
 */
int erofs_dir_iter_next(struct erofs_dir_iter *it);
void erofs_dir_iter_suspend(struct erofs_dir_iter *it);
void erofs_dir_iter_release(struct erofs_dir_iter *it);

/* call @fn for each entry ("." and ".." included); non-zero stops */
int erofs_dir_iterate(struct erofs_image *img, const struct erofs_inode *dir,
		      int (*fn)(const struct erofs_dirent_info *de, void *arg),
		      void *arg);

/*
 * Resolve @path ("/a/b", "a/b"; "." and ".." components follow the
 * dirents) from the root.  *pnid gets the parent's nid (the root for
 * the root).  -ENOENT or -ENOTDIR when a component is missing.
 */
int erofs_lookup_path(struct erofs_image *img, const char *path, u64 *nid,
		      u64 *pnid);

/* ---- xattrs ---- */

struct erofs_xattr_info {
	const char *name;	/* full name, NUL-terminated */
	unsigned int name_len;
	const u8 *value;
	unsigned int value_len;
	u8 index;		/* e_name_index as on disk */
	bool shared;		/* from the shared area */
	bool fingerprint;	/* the ishare fingerprint entry */
};

/*
 * Call @fn for each xattr of @vi, shared ones first, with full names
 * ("user.foo", a long prefix expanded).  Checks the body layout, counts,
 * indexes, names and the name filter.  Non-zero from @fn stops.
 */
int erofs_xattr_iterate(struct erofs_image *img, const struct erofs_inode *vi,
			int (*fn)(const struct erofs_xattr_info *x, void *arg),
			void *arg);

/* value of xattr @name into @buf: its length, -ENODATA, or -ERANGE */
int erofs_getxattr(struct erofs_image *img, const struct erofs_inode *vi,
		   const char *name, void *buf, size_t size);

/*
 * The 32-byte SHA-256 recorded as @vi's fingerprint: 0, -ENODATA when it
 * has none, -EBADMSG when the value is not "sha256:" and 32 bytes, or
 * -ENOTUNIQ when @vi has more than one fingerprint entry (the kernel reads
 * the first, another tool may read another: none can be trusted).  Those
 * two are not reported as problems: the caller names the file.
 */
int erofs_inode_fingerprint(struct erofs_image *img,
			    const struct erofs_inode *vi, u8 digest[32]);

/*
 * The fingerprint xattr's full name ("trusted.erofs.fingerprint") into
 * @buf: 0, -ENODATA when the image has no fingerprints, or -ERANGE.
 */
int erofs_fingerprint_name(const struct erofs_image *img, char *buf,
			   size_t size);

#endif
