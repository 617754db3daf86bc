/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Everything the image reader can find wrong with an image, in one table.
 * Each problem has a stable camelCase ID that fsck prints first on its
 * line ("badDirentNid: ..."), so scripts and fixtures can match on it, and
 * a severity that decides fsck's exit code.  Add new IDs at the end of
 * their group; never rename one.
 */
#ifndef __EROFS_PROBLEM_H
#define __EROFS_PROBLEM_H

#include "erofs/defs.h"

enum erofs_severity {
	EROFS_SEV_WARN,		/* worth a line, not an error */
	EROFS_SEV_ERROR,	/* the image is corrupted: fsck exit 4 */
	EROFS_SEV_FATAL,	/* cannot check or extract: fsck exit 8 */
};

#define EROFS_FOREACH_PROBLEM(X)					\
	/* superblock */						\
	X(SB_MAGIC,		badSbMagic,		FATAL)		\
	X(SB_BLKSZ,		badSbBlockSize,		FATAL)		\
	X(SB_SIZE,		badSbSize,		FATAL)		\
	X(SB_CHECKSUM,		badSbChecksum,		ERROR)		\
	X(SB_FEATURE,		unsupportedFeature,	FATAL)		\
	X(SB_ROOT,		badSbRootNid,		FATAL)		\
	X(SB_BLOCKS,		badSbBlocks,		ERROR)		\
	X(SB_META,		badSbMetaAddr,		FATAL)		\
	X(SB_PREFIX,		badXattrPrefixTable,	ERROR)		\
	X(SB_ISHARE,		badSbIshareId,		ERROR)		\
	X(SB_INODES,		badSbInodeCount,	ERROR)		\
	/* inodes */							\
	X(INODE_NID,		badInodeNid,		ERROR)		\
	X(INODE_FORMAT,		badInodeFormat,		ERROR)		\
	X(INODE_MODE,		badInodeMode,		ERROR)		\
	X(INODE_SIZE,		badInodeSize,		ERROR)		\
	X(INODE_DATA,		badInodeDataAddr,	ERROR)		\
	X(INODE_INLINE,		badInodeInline,		ERROR)		\
	X(INODE_CHUNK,		badChunkIndex,		ERROR)		\
	X(INODE_NLINK,		badInodeNlink,		ERROR)		\
	X(COMPRESSED,		unsupportedCompressed,	FATAL)		\
	X(SYMLINK,		badSymlink,		ERROR)		\
	/* directories */						\
	X(DIRENT_NAMEOFF,	badDirentNameoff,	ERROR)		\
	X(DIRENT_NAMELEN,	badDirentNameLen,	ERROR)		\
	X(DIRENT_NAME,		badDirentName,		ERROR)		\
	X(DIRENT_ORDER,		badDirentOrder,		ERROR)		\
	X(DIRENT_FTYPE,		badDirentFtype,		ERROR)		\
	X(DIRENT_NID,		badDirentNid,		ERROR)		\
	X(DIR_DOT,		badDirDot,		ERROR)		\
	X(DIR_DOTDOT,		badDirDotdot,		ERROR)		\
	X(DIR_LINKED,		dirMultiplyLinked,	ERROR)		\
	X(PATH_TOO_LONG,	pathTooLong,		ERROR)		\
	/* xattrs */							\
	X(XATTR_SIZE,		badXattrSize,		ERROR)		\
	X(XATTR_SHARED,		badXattrShared,		ERROR)		\
	X(XATTR_ENTRY,		badXattrEntry,		ERROR)		\
	X(XATTR_INDEX,		badXattrIndex,		ERROR)		\
	X(XATTR_NAME,		badXattrName,		ERROR)		\
	X(XATTR_FILTER,		badXattrFilter,		ERROR)		\
	/* fingerprints */						\
	X(FP_VALUE,		badFingerprint,		ERROR)		\
	X(FP_MISMATCH,		fingerprintMismatch,	ERROR)		\
	X(FP_DUP,		duplicateFingerprint,	ERROR)		\
	X(FP_MISSING,		missingFingerprint,	WARN)		\
	X(FP_UNEXPECTED,	unexpectedFingerprint,	WARN)		\
	X(FP_NONE,		noFingerprints,		ERROR)		\
	/* compressed data */						\
	X(Z_CFGS,		badSbCompressCfgs,	ERROR)		\
	X(Z_HEADER,		badZMapHeader,		ERROR)		\
	X(Z_INDEX,		badZIndex,		ERROR)		\
	X(Z_EXTENT,		badZExtent,		ERROR)		\
	X(Z_ALGORITHM,		badZAlgorithm,		ERROR)		\
	X(Z_DATA,		badZData,		ERROR)		\
	X(Z_FRAGMENT,		badFragment,		ERROR)		\
	/* operational */						\
	X(IO,			ioError,		FATAL)		\
	X(NOMEM,		outOfMemory,		FATAL)		\
	X(LOOKUP,		pathNotFound,		FATAL)		\
	X(EXTRACT,		extractFailed,		FATAL)		\
	X(EXTRACT_SKIP,		extractSkipped,		WARN)

enum erofs_problem_id {
#define EROFS_PROBLEM_ENUM(id, name, sev) EROFS_PB_##id,
	EROFS_FOREACH_PROBLEM(EROFS_PROBLEM_ENUM)
#undef EROFS_PROBLEM_ENUM
	EROFS_PB_MAX
};

/* "badDirentNid" for EROFS_PB_DIRENT_NID; NULL if out of range */
const char *erofs_problem_name(enum erofs_problem_id id);
enum erofs_severity erofs_problem_severity(enum erofs_problem_id id);

#define EROFS_NID_NONE	(~0ULL)		/* a problem not about one inode */

struct erofs_problem {
	enum erofs_problem_id id;
	u64 nid;		/* the inode concerned, or EROFS_NID_NONE */
	const char *path;	/* its path when the caller knows it, or NULL */
	const char *msg;	/* what is wrong: lowercase, no locus */
};

/* how the reader hands a problem to the tool, which prints it */
typedef void (*erofs_report_fn)(void *arg, const struct erofs_problem *p);

#endif
