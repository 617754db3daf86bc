#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Forge a fingerprint in an EROFS image, for tests only.

forge-fingerprint.py IMAGE OUT VICTIM_FILE DONOR_FILE

Copies IMAGE to OUT and replaces the fingerprint value of VICTIM_FILE's
content ("sha256:" + 32 raw bytes) with the one of DONOR_FILE's content,
so that two different files carry the same fingerprint.  Our mkfs never
writes such an image; the kernel trusts it within a domain, and fsck.erofs
must report it.  Exits 1 unless the victim's value occurs exactly once.
"""
import hashlib
import sys


def value(path):
    with open(path, "rb") as f:
        return b"sha256:" + hashlib.sha256(f.read()).digest()


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: forge-fingerprint.py IMAGE OUT VICTIM_FILE DONOR_FILE")
    image, out, victim, donor = sys.argv[1:]
    with open(image, "rb") as f:
        data = f.read()
    old, new = value(victim), value(donor)
    if data.count(old) != 1:
        sys.exit("forge-fingerprint: %s: fingerprint of %s found %d times"
                 % (image, victim, data.count(old)))
    with open(out, "wb") as f:
        f.write(data.replace(old, new))


if __name__ == "__main__":
    main()
