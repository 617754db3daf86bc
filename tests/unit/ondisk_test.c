// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The on-disk header, field by field, as e2fsprogs' tst_super_size does:
 * every field's offset and size against the format's documented layout
 * (the kernel's fs/erofs/erofs_fs.h), so that a field added, removed or
 * resized anywhere shows up here by name.  Also the little-endian helpers
 * (the bytes they produce, whatever the host's byte order) and the device
 * number encoding.
 */
#include "erofs/erofs_fs.h"
#include "check.h"

#define FIELD(type, field, off, size) do {				\
	CHECK_EQ(offsetof(struct type, field), off);			\
	CHECK_EQ(sizeof(((struct type *)0)->field), size);		\
	/* the fields must tile the struct with no gap */		\
	CHECK_EQ(off, next_off);					\
	next_off = (off) + (size);					\
} while (0)

static void test_super_block(void)
{
	size_t next_off = 0;

	FIELD(erofs_super_block, magic, 0x00, 4);
	FIELD(erofs_super_block, checksum, 0x04, 4);
	FIELD(erofs_super_block, feature_compat, 0x08, 4);
	FIELD(erofs_super_block, blkszbits, 0x0c, 1);
	FIELD(erofs_super_block, sb_extslots, 0x0d, 1);
	FIELD(erofs_super_block, rootnid_2b, 0x0e, 2);
	FIELD(erofs_super_block, inos, 0x10, 8);
	FIELD(erofs_super_block, epoch, 0x18, 8);
	FIELD(erofs_super_block, fixed_nsec, 0x20, 4);
	FIELD(erofs_super_block, blocks_lo, 0x24, 4);
	FIELD(erofs_super_block, meta_blkaddr, 0x28, 4);
	FIELD(erofs_super_block, xattr_blkaddr, 0x2c, 4);
	FIELD(erofs_super_block, uuid, 0x30, 16);
	FIELD(erofs_super_block, volume_name, 0x40, 16);
	FIELD(erofs_super_block, feature_incompat, 0x50, 4);
	FIELD(erofs_super_block, available_compr_algs, 0x54, 2);
	FIELD(erofs_super_block, extra_devices, 0x56, 2);
	FIELD(erofs_super_block, devt_slotoff, 0x58, 2);
	FIELD(erofs_super_block, dirblkbits, 0x5a, 1);
	FIELD(erofs_super_block, xattr_prefix_count, 0x5b, 1);
	FIELD(erofs_super_block, xattr_prefix_start, 0x5c, 4);
	FIELD(erofs_super_block, packed_nid, 0x60, 8);
	FIELD(erofs_super_block, xattr_filter_reserved, 0x68, 1);
	FIELD(erofs_super_block, ishare_xattr_prefix_id, 0x69, 1);
	FIELD(erofs_super_block, reserved, 0x6a, 2);
	FIELD(erofs_super_block, build_time, 0x6c, 4);
	FIELD(erofs_super_block, rootnid_8b, 0x70, 8);
	FIELD(erofs_super_block, reserved2, 0x78, 8);
	FIELD(erofs_super_block, metabox_nid, 0x80, 8);
	FIELD(erofs_super_block, reserved3, 0x88, 8);
	CHECK_EQ(sizeof(struct erofs_super_block), next_off);
	CHECK_EQ(sizeof(struct erofs_super_block), 144);
	/* the base superblock is 128 bytes, then one 16-byte ext slot */
	CHECK_EQ(EROFS_SB_BASE_SIZE + EROFS_SB_EXTSLOT_SIZE, 144);
}

static void test_inodes(void)
{
	size_t next_off = 0;

	FIELD(erofs_inode_compact, i_format, 0x00, 2);
	FIELD(erofs_inode_compact, i_xattr_icount, 0x02, 2);
	FIELD(erofs_inode_compact, i_mode, 0x04, 2);
	FIELD(erofs_inode_compact, i_nlink, 0x06, 2);
	FIELD(erofs_inode_compact, i_size, 0x08, 4);
	FIELD(erofs_inode_compact, i_mtime, 0x0c, 4);
	FIELD(erofs_inode_compact, i_u, 0x10, 4);
	FIELD(erofs_inode_compact, i_ino, 0x14, 4);
	FIELD(erofs_inode_compact, i_uid, 0x18, 2);
	FIELD(erofs_inode_compact, i_gid, 0x1a, 2);
	FIELD(erofs_inode_compact, i_reserved, 0x1c, 4);
	CHECK_EQ(sizeof(struct erofs_inode_compact), next_off);
	CHECK_EQ(sizeof(struct erofs_inode_compact), 32);

	next_off = 0;
	FIELD(erofs_inode_extended, i_format, 0x00, 2);
	FIELD(erofs_inode_extended, i_xattr_icount, 0x02, 2);
	FIELD(erofs_inode_extended, i_mode, 0x04, 2);
	FIELD(erofs_inode_extended, i_nb, 0x06, 2);
	FIELD(erofs_inode_extended, i_size, 0x08, 8);
	FIELD(erofs_inode_extended, i_u, 0x10, 4);
	FIELD(erofs_inode_extended, i_ino, 0x14, 4);
	FIELD(erofs_inode_extended, i_uid, 0x18, 4);
	FIELD(erofs_inode_extended, i_gid, 0x1c, 4);
	FIELD(erofs_inode_extended, i_mtime, 0x20, 8);
	FIELD(erofs_inode_extended, i_mtime_nsec, 0x28, 4);
	FIELD(erofs_inode_extended, i_nlink, 0x2c, 4);
	FIELD(erofs_inode_extended, i_reserved2, 0x30, 16);
	CHECK_EQ(sizeof(struct erofs_inode_extended), next_off);
	CHECK_EQ(sizeof(struct erofs_inode_extended), 64);

	/* inodes sit on 32-byte slots */
	CHECK_EQ(EROFS_ISLOT_SIZE, 32);
	CHECK_EQ(erofs_i_format(EROFS_INODE_LAYOUT_EXTENDED,
				EROFS_INODE_FLAT_INLINE), 0x05);
	CHECK_EQ(erofs_i_format(EROFS_INODE_LAYOUT_COMPACT,
				EROFS_INODE_FLAT_PLAIN), 0x00);
	CHECK_EQ(erofs_i_format(EROFS_INODE_LAYOUT_COMPACT,
				EROFS_INODE_CHUNK_BASED), 0x08);
}

static void test_xattrs_dirents(void)
{
	size_t next_off = 0;

	FIELD(erofs_xattr_ibody_header, h_name_filter, 0x00, 4);
	FIELD(erofs_xattr_ibody_header, h_shared_count, 0x04, 1);
	FIELD(erofs_xattr_ibody_header, h_reserved2, 0x05, 7);
	CHECK_EQ(sizeof(struct erofs_xattr_ibody_header), 12);

	next_off = 0;
	FIELD(erofs_xattr_entry, e_name_len, 0x00, 1);
	FIELD(erofs_xattr_entry, e_name_index, 0x01, 1);
	FIELD(erofs_xattr_entry, e_value_size, 0x02, 2);
	CHECK_EQ(sizeof(struct erofs_xattr_entry), 4);

	next_off = 0;
	FIELD(erofs_dirent, nid, 0x00, 8);
	FIELD(erofs_dirent, nameoff, 0x08, 2);
	FIELD(erofs_dirent, file_type, 0x0a, 1);
	FIELD(erofs_dirent, reserved, 0x0b, 1);
	CHECK_EQ(sizeof(struct erofs_dirent), 12);

	next_off = 0;
	FIELD(z_erofs_map_header, h_fragmentoff, 0x00, 4);
	FIELD(z_erofs_map_header, h_advise, 0x04, 2);
	FIELD(z_erofs_map_header, h_algorithmtype, 0x06, 1);
	FIELD(z_erofs_map_header, h_clusterbits, 0x07, 1);
	CHECK_EQ(sizeof(struct z_erofs_map_header), 8);

	/* body size counts the header as one 4-byte unit */
	CHECK_EQ(erofs_xattr_ibody_size(0), 0);
	CHECK_EQ(erofs_xattr_ibody_size(1), 12);
	CHECK_EQ(erofs_xattr_ibody_size(2), 16);
	CHECK_EQ(erofs_xattr_ibody_size(100), 12 + 4 * 99);
	/* entries are padded to 4 bytes */
	CHECK_EQ(erofs_xattr_entry_size(0, 0), 4);
	CHECK_EQ(erofs_xattr_entry_size(1, 0), 8);
	CHECK_EQ(erofs_xattr_entry_size(0, 39), 44);
	CHECK_EQ(erofs_xattr_entry_size(3, 5), 12);
}

static void test_constants(void)
{
	CHECK_EQ(EROFS_SUPER_MAGIC_V1, 0xE0F5E1E2);
	CHECK_EQ(EROFS_SUPER_OFFSET, 1024);
	CHECK_EQ(EROFS_FEATURE_COMPAT_SB_CHKSUM, 0x01);
	CHECK_EQ(EROFS_FEATURE_COMPAT_MTIME, 0x02);
	CHECK_EQ(EROFS_FEATURE_COMPAT_XATTR_FILTER, 0x04);
	CHECK_EQ(EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX, 0x10);
	CHECK_EQ(EROFS_FEATURE_COMPAT_ISHARE_XATTRS, 0x20);
	CHECK_EQ(EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES, 0x40);
	CHECK_EQ(EROFS_XATTR_LONG_PREFIX, 0x80);
	CHECK_EQ(EROFS_XATTR_FILTER_SEED, 0x25BBE08F);
	CHECK_EQ(EROFS_FT_REG_FILE, 1);
	CHECK_EQ(EROFS_FT_SYMLINK, 7);
	CHECK_EQ(EROFS_NAME_LEN, 255);
}

/* the bytes a value takes in memory, whatever the host's byte order */
static void test_endian(void)
{
	__le16 v16 = cpu_to_le16(0x1122);
	__le32 v32 = cpu_to_le32(0x11223344);
	__le64 v64 = cpu_to_le64(0x1122334455667788ULL);
	const u8 want64[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	u8 b[8];

	memcpy(b, &v16, 2);
	CHECK_EQ(b[0], 0x22);
	CHECK_EQ(b[1], 0x11);
	memcpy(b, &v32, 4);
	CHECK_EQ(b[0], 0x44);
	CHECK_EQ(b[3], 0x11);
	memcpy(b, &v64, 8);
	CHECK(!memcmp(b, want64, 8));
	CHECK_EQ(le16_to_cpu(v16), 0x1122);
	CHECK_EQ(le32_to_cpu(v32), 0x11223344);
	CHECK_EQ(le64_to_cpu(v64), 0x1122334455667788ULL);
}

/* Linux new_encode_dev(): minor low 8 bits, major, then minor's high bits */
static void test_devices(void)
{
	static const unsigned int devs[][3] = {
		{ 1, 3, 0x103 },
		{ 8, 1, 0x801 },
		{ 259, 0, 0x10300 },
		{ 4095, 255, 0xfffff },
		{ 300, 70000, 0x11112c70 },
		{ 0, 0xfffff, 0xfff000ff },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(devs); i++) {
		u32 enc = erofs_encode_dev(devs[i][0], devs[i][1]);

		CHECK_EQ(enc, devs[i][2]);
		CHECK_EQ(erofs_dev_major(enc), devs[i][0]);
		CHECK_EQ(erofs_dev_minor(enc), devs[i][1]);
	}
}

int main(void)
{
	test_super_block();
	test_inodes();
	test_xattrs_dirents();
	test_constants();
	test_endian();
	test_devices();
	return check_exit("ondisk_test");
}
