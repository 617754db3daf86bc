/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * What a tool's --version prints after its own name and version: the
 * algorithms it was built with and the libraries that provide them, as
 * the running process finds them (not the headers it was compiled with).
 */
#ifndef __EROFS_VERSION_H
#define __EROFS_VERSION_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Three lines: "available compressors: ..." (or "decompressors" when
 * @compress is false, as fsck and dump say), the compression libraries
 * and their versions, and the SHA-256 provider with libcrypto's version.
 */
void erofs_print_build_info(FILE *f, bool compress);

#endif
