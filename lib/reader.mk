# SPDX-License-Identifier: GPL-2.0+
# The image reader (fsck, dump) adds its sources here.
lib_liberofs_a_SOURCES +=
