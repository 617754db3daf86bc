#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""pty_run.py OUT COLS CMD...: run CMD with stderr on a pseudo-terminal
COLS columns wide (stdin and stdout are left as they are), write what
the terminal receives to OUT as it comes, exit with CMD's exit status."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios


def main():
    out, cols, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 24, cols, 0, 0))
    proc = subprocess.Popen(cmd, stderr=slave)
    os.close(slave)
    # written as it comes, so that a test can wait for a frame
    with open(out, 'wb', buffering=0) as f:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:     # EIO: every writer of the slave is gone
                break
            if not chunk:
                break
            f.write(chunk)
    sys.exit(proc.wait())


main()
