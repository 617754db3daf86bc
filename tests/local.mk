# SPDX-License-Identifier: GPL-2.0+
include tests/compress.mk
