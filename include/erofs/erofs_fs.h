/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * EROFS on-disk format: the one place that says what the bytes are.
 *
 * Facts from the kernel's Documentation/filesystems/erofs.rst and
 * fs/erofs/erofs_fs.h.  Every multi-byte field is little-endian (__le*) and
 * is read and written only through le*_to_cpu()/cpu_to_le*().  The offset
 * comment before each field is checked by _Static_assert at the end.
 */
#ifndef __EROFS_FS_H
#define __EROFS_FS_H

#include "erofs/defs.h"

#define EROFS_SUPER_MAGIC_V1	0xE0F5E1E2
#define EROFS_SUPER_OFFSET	1024	/* room for boot sectors before it */

#define EROFS_MIN_BLOCK_BITS	9
#define EROFS_MAX_BLOCK_BITS	16
#define EROFS_ISLOTBITS		5	/* inodes sit on 32-byte slots */
#define EROFS_ISLOT_SIZE	(1U << EROFS_ISLOTBITS)

/* compat features: an older reader may ignore them */
#define EROFS_FEATURE_COMPAT_SB_CHKSUM		0x00000001
#define EROFS_FEATURE_COMPAT_MTIME		0x00000002
#define EROFS_FEATURE_COMPAT_XATTR_FILTER	0x00000004
#define EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX 0x00000008
#define EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX	0x00000010
#define EROFS_FEATURE_COMPAT_ISHARE_XATTRS	0x00000020

/* incompat features: a reader that lacks one must refuse the image */
#define EROFS_FEATURE_INCOMPAT_LZ4_0PADDING	0x00000001
#define EROFS_FEATURE_INCOMPAT_COMPR_CFGS	0x00000002
#define EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER	0x00000002
#define EROFS_FEATURE_INCOMPAT_CHUNKED_FILE	0x00000004
#define EROFS_FEATURE_INCOMPAT_DEVICE_TABLE	0x00000008
#define EROFS_FEATURE_INCOMPAT_COMPR_HEAD2	0x00000008
#define EROFS_FEATURE_INCOMPAT_ZTAILPACKING	0x00000010
#define EROFS_FEATURE_INCOMPAT_FRAGMENTS	0x00000020
#define EROFS_FEATURE_INCOMPAT_DEDUPE		0x00000020
#define EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES	0x00000040
#define EROFS_FEATURE_INCOMPAT_48BIT		0x00000080
#define EROFS_FEATURE_INCOMPAT_METABOX		0x00000100

#define EROFS_SB_BASE_SIZE	128	/* sb_extslots of 16 bytes may follow */
#define EROFS_SB_EXTSLOT_SIZE	16

struct erofs_super_block {
/*000*/	__le32 magic;			/* EROFS_SUPER_MAGIC_V1 */
/*004*/	__le32 checksum;		/* crc32c of the sb block, if SB_CHKSUM */
/*008*/	__le32 feature_compat;		/* EROFS_FEATURE_COMPAT_* */
/*00c*/	__u8 blkszbits;			/* log2 of the block size */
/*00d*/	__u8 sb_extslots;		/* sb size = 128 + 16 * sb_extslots */
/*00e*/	__le16 rootnid_2b;		/* nid of the root directory */
/*010*/	__le64 inos;			/* number of inodes */
/*018*/	__le64 epoch;			/* build time s; compact inode base */
/*020*/	__le32 fixed_nsec;		/* build time ns; compact inode ns */
/*024*/	__le32 blocks_lo;		/* blocks in the image */
/*028*/	__le32 meta_blkaddr;		/* first block of the inode area */
/*02c*/	__le32 xattr_blkaddr;		/* first block of shared xattrs */
/*030*/	__u8 uuid[16];			/* volume uuid */
/*040*/	__u8 volume_name[16];		/* volume label, not NUL-terminated */
/*050*/	__le32 feature_incompat;	/* EROFS_FEATURE_INCOMPAT_* */
/*054*/	__le16 available_compr_algs;	/* or lz4_max_distance */
/*056*/	__le16 extra_devices;		/* devices besides the primary one */
/*058*/	__le16 devt_slotoff;		/* device table at slotoff * 128 */
/*05a*/	__u8 dirblkbits;		/* directory block bits above blkszbits */
/*05b*/	__u8 xattr_prefix_count;	/* entries in the long prefix table */
/*05c*/	__le32 xattr_prefix_start;	/* that table's byte offset / 4 */
/*060*/	__le64 packed_nid;		/* nid of the packed inode, if any */
/*068*/	__u8 xattr_filter_reserved;	/* reserved for the name filter */
/*069*/	__u8 ishare_xattr_prefix_id;	/* fingerprint prefix, if ISHARE */
/*06a*/	__u8 reserved[2];
/*06c*/	__le32 build_time;		/* seconds after epoch (unused: 0) */
/*070*/	__le64 rootnid_8b;		/* root nid, if 48BIT */
/*078*/	__le64 reserved2;
/*080*/	__le64 metabox_nid;		/* nid of the metabox, if METABOX */
/*088*/	__le64 reserved3;
};

/* i_format: bit 0 inode version, bits 1-3 data layout, bit 4 nlink-1 */
#define EROFS_I_VERSION_BIT		0
#define EROFS_I_DATALAYOUT_BIT		1
#define EROFS_I_NLINK_1_BIT		4	/* compact non-directories */
#define EROFS_I_DOT_OMITTED_BIT		4	/* directories: no "." dirent */
#define EROFS_I_VERSION_MASK		0x01
#define EROFS_I_DATALAYOUT_MASK		0x07
#define EROFS_I_ALL			0x1f

#define EROFS_INODE_LAYOUT_COMPACT	0	/* 32-byte inode */
#define EROFS_INODE_LAYOUT_EXTENDED	1	/* 64-byte inode */

enum {
	EROFS_INODE_FLAT_PLAIN		= 0,	/* data in whole blocks */
	EROFS_INODE_COMPRESSED_FULL	= 1,
	EROFS_INODE_FLAT_INLINE		= 2,	/* tail right after inode */
	EROFS_INODE_COMPRESSED_COMPACT	= 3,
	EROFS_INODE_CHUNK_BASED		= 4,
	EROFS_INODE_DATALAYOUT_MAX
};

/* chunk-based inodes: i_u holds the chunk format */
#define EROFS_CHUNK_FORMAT_BLKBITS_MASK	0x001f	/* chunk = block << bits */
#define EROFS_CHUNK_FORMAT_INDEXES	0x0020	/* 8-byte indexes, not __le32 */
#define EROFS_CHUNK_FORMAT_48BIT	0x0040
#define EROFS_CHUNK_FORMAT_ALL		0x007f

/* a block address that maps nothing: a hole */
#define EROFS_NULL_ADDR			0xffffffffU

/* 8-byte chunk index, after the xattrs aligned to 8 */
struct erofs_inode_chunk_index {
/*00*/	__le16 startblk_hi;		/* block number high bits (48BIT) */
/*02*/	__le16 device_id;		/* back-end device, 0 = primary */
/*04*/	__le32 startblk_lo;		/* first block of the chunk */
};

static inline u16 erofs_i_format(unsigned int version, unsigned int layout)
{
	return (u16)(version << EROFS_I_VERSION_BIT |
		     layout << EROFS_I_DATALAYOUT_BIT);
}

struct erofs_inode_compact {
/*00*/	__le16 i_format;		/* version and data layout */
/*02*/	__le16 i_xattr_icount;		/* xattr body size in 4-byte units */
/*04*/	__le16 i_mode;
/*06*/	__le16 i_nlink;
/*08*/	__le32 i_size;
/*0c*/	__le32 i_mtime;			/* seconds after sb epoch */
/*10*/	__le32 i_u;			/* startblk, rdev or compressed blocks */
/*14*/	__le32 i_ino;			/* 32-bit inode number for stat */
/*18*/	__le16 i_uid;
/*1a*/	__le16 i_gid;
/*1c*/	__le32 i_reserved;
};

struct erofs_inode_extended {
/*00*/	__le16 i_format;
/*02*/	__le16 i_xattr_icount;
/*04*/	__le16 i_mode;
/*06*/	__le16 i_nb;			/* startblk/blocks high bits (48BIT) */
/*08*/	__le64 i_size;
/*10*/	__le32 i_u;			/* startblk, rdev or compressed blocks */
/*14*/	__le32 i_ino;
/*18*/	__le32 i_uid;
/*1c*/	__le32 i_gid;
/*20*/	__le64 i_mtime;			/* seconds since the Unix epoch */
/*28*/	__le32 i_mtime_nsec;
/*2c*/	__le32 i_nlink;
/*30*/	__u8 i_reserved2[16];
};

/*
 * Inline xattrs follow the inode: a 12-byte header, the shared xattr ids
 * (4 bytes each), then the entries.  i_xattr_icount counts 4-byte units
 * with the header counted as one: body size = 12 + 4 * (icount - 1).
 */
struct erofs_xattr_ibody_header {
/*00*/	__le32 h_name_filter;		/* bloom filter: bit set = absent */
/*04*/	__u8 h_shared_count;		/* shared xattr ids that follow */
/*05*/	__u8 h_reserved2[7];
};

#define EROFS_XATTR_INDEX_USER			1
#define EROFS_XATTR_INDEX_POSIX_ACL_ACCESS	2
#define EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT	3
#define EROFS_XATTR_INDEX_TRUSTED		4
#define EROFS_XATTR_INDEX_LUSTRE		5
#define EROFS_XATTR_INDEX_SECURITY		6

/* e_name_index with bit 7 set names entry (index & 0x7f) of the table */
#define EROFS_XATTR_LONG_PREFIX		0x80
#define EROFS_XATTR_LONG_PREFIX_MASK	0x7f

#define EROFS_XATTR_FILTER_BITS		32
#define EROFS_XATTR_FILTER_DEFAULT	UINT32_MAX
#define EROFS_XATTR_FILTER_SEED		0x25BBE08F

struct erofs_xattr_entry {
/*00*/	__u8 e_name_len;		/* name suffix length */
/*01*/	__u8 e_name_index;		/* EROFS_XATTR_INDEX_* or long prefix */
/*02*/	__le16 e_value_size;
	/* followed by the name suffix, the value, and padding to 4 bytes */
};

/*
 * Long prefix table entry: __le16 length, then base_index and the infix,
 * the whole record padded to 4 bytes.
 */
struct erofs_xattr_long_prefix {
/*00*/	__u8 base_index;		/* short prefix the infix extends */
	/* followed by the infix */
};

static inline unsigned int erofs_xattr_ibody_size(unsigned int icount)
{
	if (!icount)
		return 0;
	return sizeof(struct erofs_xattr_ibody_header) + 4 * (icount - 1);
}

static inline unsigned int erofs_xattr_entry_size(unsigned int name_len,
						  unsigned int value_size)
{
	return round_up(sizeof(struct erofs_xattr_entry) + name_len +
			value_size, 4U);
}

struct erofs_dirent {
/*00*/	__le64 nid;			/* inode of the entry */
/*08*/	__le16 nameoff;			/* name's offset in the block */
/*0a*/	__u8 file_type;			/* EROFS_FT_* */
/*0b*/	__u8 reserved;
} __packed;

enum {
	EROFS_FT_UNKNOWN,
	EROFS_FT_REG_FILE,
	EROFS_FT_DIR,
	EROFS_FT_CHRDEV,
	EROFS_FT_BLKDEV,
	EROFS_FT_FIFO,
	EROFS_FT_SOCK,
	EROFS_FT_SYMLINK,
	EROFS_FT_MAX
};

#define EROFS_NAME_LEN		255

/*
 * Compressed inodes.  A file is cut into logical clusters (lclusters) of
 * 1 << lclusterbits bytes; each has one index.  Its data is cut into
 * extents, each stored as one physical cluster (pcluster) of whole blocks,
 * compressed or raw.  The lcluster where an extent starts is a HEAD (it
 * holds the pcluster's block address and the extent's offset in that
 * lcluster); the lclusters an extent covers after that are NONHEAD (they
 * hold distances back to the head and on to the next head).
 */

/* largest pcluster, and largest extent it may decompress to */
#define Z_EROFS_PCLUSTER_MAX_SIZE	(1024 * 1024)
#define Z_EROFS_PCLUSTER_MAX_DSIZE	(12 * 1024 * 1024)

enum {
	Z_EROFS_COMPRESSION_LZ4		= 0,
	Z_EROFS_COMPRESSION_LZMA	= 1,
	Z_EROFS_COMPRESSION_DEFLATE	= 2,
	Z_EROFS_COMPRESSION_ZSTD	= 3,
	Z_EROFS_COMPRESSION_MAX
};

/*
 * With COMPR_CFGS, sb.available_compr_algs has one bit per algorithm, and
 * one record per bit follows the superblock (at 1024 + sb size), lowest
 * bit first: __le16 length, then the structure below.
 */
struct z_erofs_lz4_cfgs {
/*00*/	__le16 max_distance;		/* lz4 window; sizes the inplace margin */
/*02*/	__le16 max_pclusterblks;	/* largest pcluster in blocks */
/*04*/	__u8 reserved[10];
} __packed;

#define Z_EROFS_LZMA_MAX_DICT_SIZE	(8 * Z_EROFS_PCLUSTER_MAX_SIZE)

struct z_erofs_lzma_cfgs {
/*00*/	__le32 dict_size;		/* 4 KiB .. Z_EROFS_LZMA_MAX_DICT_SIZE */
/*04*/	__le16 format;			/* 0: MicroLZMA */
/*06*/	__u8 reserved[8];
} __packed;

struct z_erofs_deflate_cfgs {
/*00*/	__u8 windowbits;		/* 8..15 */
/*01*/	__u8 reserved[5];
} __packed;

#define Z_EROFS_ZSTD_MAX_DICT_SIZE	Z_EROFS_PCLUSTER_MAX_SIZE

struct z_erofs_zstd_cfgs {
/*00*/	__u8 format;			/* 0: zstd frames */
/*01*/	__u8 windowlog;			/* zstd windowLog - 10 */
/*02*/	__u8 reserved[4];
} __packed;

/* h_advise bits */
#define Z_EROFS_ADVISE_COMPACTED_2B		0x0001	/* compact: 2B packs */
#define Z_EROFS_ADVISE_EXTENTS			0x0001	/* full: 48bit extents */
#define Z_EROFS_ADVISE_BIG_PCLUSTER_1		0x0002	/* HEAD1 may be > 1 blk */
#define Z_EROFS_ADVISE_BIG_PCLUSTER_2		0x0004	/* HEAD2/PLAIN too */
#define Z_EROFS_ADVISE_INLINE_PCLUSTER		0x0008	/* ztailpacking */
#define Z_EROFS_ADVISE_INTERLACED_PCLUSTER	0x0010	/* raw data rotated */
#define Z_EROFS_ADVISE_FRAGMENT_PCLUSTER	0x0020	/* tail in packed inode */

/* bit 7 of h_clusterbits: the whole file is one fragment of the packed
 * inode, and the other 63 bits of the map header are its offset there */
#define Z_EROFS_FRAGMENT_INODE_BIT		7

/* compressed inodes: the map header at round_up(inode + xattrs, 8) */
struct z_erofs_map_header {
/*00*/	__le32 h_fragmentoff;		/* offset in the packed inode, or:
					 * bytes 2-3 h_idata_size, the size
					 * of the ztailpacking data */
/*04*/	__le16 h_advise;		/* Z_EROFS_ADVISE_* */
/*06*/	__u8 h_algorithmtype;		/* bits 0-3 HEAD1, 4-7 HEAD2 */
/*07*/	__u8 h_clusterbits;		/* bits 0-3 lclusterbits - blkszbits */
};

#define Z_EROFS_MAP_HEADER_START(end)	round_up(end, 8)
#define Z_EROFS_MAP_HEADER_END(end) \
	(Z_EROFS_MAP_HEADER_START(end) + sizeof(struct z_erofs_map_header))
/* full indexes start 8 bytes after the map header (a legacy gap) */
#define Z_EROFS_FULL_INDEX_START(end)	(Z_EROFS_MAP_HEADER_END(end) + 8)

enum {
	Z_EROFS_LCLUSTER_TYPE_PLAIN	= 0,	/* head of a raw pcluster */
	Z_EROFS_LCLUSTER_TYPE_HEAD1	= 1,	/* head, algorithm HEAD1 */
	Z_EROFS_LCLUSTER_TYPE_NONHEAD	= 2,	/* inside an extent */
	Z_EROFS_LCLUSTER_TYPE_HEAD2	= 3,	/* head, algorithm HEAD2 */
	Z_EROFS_LCLUSTER_TYPE_MAX
};

#define Z_EROFS_LI_LCLUSTER_TYPE_MASK	(Z_EROFS_LCLUSTER_TYPE_MAX - 1)
/* (full indexes, HEAD) the extent uses only part of its decompressed data */
#define Z_EROFS_LI_PARTIAL_REF		(1 << 15)
/* (first NONHEAD after a head) delta[0] holds the pcluster's block count */
#define Z_EROFS_LI_D0_CBLKCNT		(1 << 11)

/*
 * A full index.  Compact indexes pack the same information into 2 or 4
 * bytes per lcluster: packs of 16 x 14 bits (2B) or 2 x 16 bits (4B), each
 * entry (type << lobits | value) with lobits = max(lclusterbits, 12), and
 * the pack's last 4 bytes a __le32 base block address.
 */
struct z_erofs_lcluster_index {
/*00*/	__le16 di_advise;		/* type in bits 0-1, PARTIAL_REF */
/*02*/	__le16 di_clusterofs;		/* HEAD: where the extent starts */
/*04*/	union {
		__le32 blkaddr;		/* HEAD: first block of the pcluster */
		__le16 delta[2];	/* NONHEAD: lclusters back to the head,
					 * and on to the next head */
	} di_u;
};

/* Linux's new_encode_dev(): how i_u holds a device number */
static inline u32 erofs_encode_dev(unsigned int major, unsigned int minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static inline unsigned int erofs_dev_major(u32 dev)
{
	return (dev & 0xfff00) >> 8;
}

static inline unsigned int erofs_dev_minor(u32 dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

_Static_assert(sizeof(struct erofs_super_block) == 144, "superblock size");
_Static_assert(offsetof(struct erofs_super_block, blkszbits) == 0x0c, "sb");
_Static_assert(offsetof(struct erofs_super_block, inos) == 0x10, "sb");
_Static_assert(offsetof(struct erofs_super_block, meta_blkaddr) == 0x28, "sb");
_Static_assert(offsetof(struct erofs_super_block, uuid) == 0x30, "sb");
_Static_assert(offsetof(struct erofs_super_block, feature_incompat) == 0x50,
	       "sb");
_Static_assert(offsetof(struct erofs_super_block, xattr_prefix_start) == 0x5c,
	       "sb");
_Static_assert(offsetof(struct erofs_super_block, ishare_xattr_prefix_id) ==
	       0x69, "fingerprint prefix id must sit at 0x69");
_Static_assert(offsetof(struct erofs_super_block, build_time) == 0x6c, "sb");
_Static_assert(offsetof(struct erofs_super_block, metabox_nid) == 0x80, "sb");
_Static_assert(sizeof(struct erofs_inode_compact) == 32, "compact inode");
_Static_assert(offsetof(struct erofs_inode_compact, i_u) == 0x10, "compact");
_Static_assert(offsetof(struct erofs_inode_compact, i_uid) == 0x18, "compact");
_Static_assert(sizeof(struct erofs_inode_extended) == 64, "extended inode");
_Static_assert(offsetof(struct erofs_inode_extended, i_mtime) == 0x20,
	       "extended");
_Static_assert(offsetof(struct erofs_inode_extended, i_nlink) == 0x2c,
	       "extended");
_Static_assert(sizeof(struct erofs_xattr_ibody_header) == 12, "xattr header");
_Static_assert(sizeof(struct erofs_xattr_entry) == 4, "xattr entry");
_Static_assert(sizeof(struct erofs_dirent) == 12, "dirent");
_Static_assert(sizeof(struct z_erofs_map_header) == 8, "map header");
_Static_assert(sizeof(struct erofs_inode_chunk_index) == 8, "chunk index");
_Static_assert(sizeof(struct z_erofs_lcluster_index) == 8, "lcluster index");
_Static_assert(offsetof(struct z_erofs_lcluster_index, di_u) == 4, "index");
_Static_assert(sizeof(struct z_erofs_lz4_cfgs) == 14, "lz4 cfgs");
_Static_assert(sizeof(struct z_erofs_lzma_cfgs) == 14, "lzma cfgs");
_Static_assert(sizeof(struct z_erofs_deflate_cfgs) == 6, "deflate cfgs");
_Static_assert(sizeof(struct z_erofs_zstd_cfgs) == 6, "zstd cfgs");
_Static_assert(offsetof(struct z_erofs_map_header, h_advise) == 4, "map");
_Static_assert(offsetof(struct z_erofs_map_header, h_clusterbits) == 7, "map");

#endif
