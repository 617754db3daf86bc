#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The progress line: with stderr on a pseudo-terminal (tests/pty_run.py),
# mkfs.erofs shows its phase with files and bytes done of the total and
# fsck.erofs the bytes checked, every frame within the terminal's width,
# the line cleared at the end, an error line on a line of its own; with
# stderr not a terminal, or with --quiet, nothing of it; and the image is
# the same byte for byte either way.  The fault shim (FAULT_MODE=slow)
# makes every read of one file wait, so that each tool runs for a few of
# the display's ticks whatever the machine's speed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_mkfs
need_cmd cmp truncate
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
[ -f "$FAULT_SHIM" ] || skip "no fault shim at $FAULT_SHIM"
make_work
PTY="$PYTHON $TESTS_DIR/pty_run.py"
COLS=60
UUID=1b9b7d3a-4c55-4d8e-9f5e-3f1b2f0c6a11
# run CMD... slowly: every read of $SLOW waits 200 ms
slowly() {
	FAULT_PATH=$SLOW FAULT_MODE=slow LD_PRELOAD=$FAULT_SHIM \
	ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" "$@"
}

mkdir -p "$WORK/src/dir"
head -c 2M /dev/urandom >"$WORK/src/big"
for i in 1 2 3 4 5; do echo "file $i" >"$WORK/src/dir/f$i"; done

# frames FILE: what the terminal showed, one frame (or line) a line
frames() {
	sed 's/\x1b\[K//g' "$1" | tr '\r' '\n' | sed '/^$/d'
}

# no escape sequences and no carriage returns where no terminal is
no_tty_bytes() {
	! grep -q $'[\x1b\r]' "$1" || fail "$2 has terminal control bytes"
}

# --- mkfs on a terminal --------------------------------------------------
SLOW=big slowly $PTY "$WORK/mkfs.tty" $COLS "$MKFS_EROFS" -T0 -U $UUID --ishare_key \
	"$WORK/tty.img" "$WORK/src" >"$WORK/mkfs.out" ||
	fail "mkfs.erofs on a terminal exits $?"
frames "$WORK/mkfs.tty" >"$WORK/mkfs.frames"
grep -Eq '^writing data: [0-9]+/6 files, [0-9.]+/2048\.0 KiB \([0-9]+%\)' \
	"$WORK/mkfs.frames" ||
	fail "no 'writing data' frame: $(head -c 300 "$WORK/mkfs.frames")"
long=$(awk -v c=$COLS 'length($0) >= c' "$WORK/mkfs.frames")
[ -z "$long" ] || fail "frames wider than $COLS columns: $long"
# the last bytes clear the line; the summary went to stdout, plain
tail -c 4 "$WORK/mkfs.tty" | cmp -s - <(printf '\r\033[K') ||
	fail "the progress line is not cleared at the end"
no_tty_bytes "$WORK/mkfs.out" "mkfs's stdout"
grep -q 'inodes' "$WORK/mkfs.out" || fail "no summary on stdout"
note "mkfs on a terminal: $(wc -l <"$WORK/mkfs.frames") frames," \
	"last: $(grep ': ' "$WORK/mkfs.frames" | tail -n1)"

# --- mkfs without a terminal, and with --quiet: nothing -------------------
"$MKFS_EROFS" -T0 -U $UUID --ishare_key "$WORK/plain.img" "$WORK/src" \
	>"$WORK/plain.out" 2>"$WORK/plain.err" || fail "mkfs.erofs exits $?"
[ ! -s "$WORK/plain.err" ] || fail "mkfs.erofs writes to a non-terminal" \
	"stderr: $(head -c 200 "$WORK/plain.err")"
no_tty_bytes "$WORK/plain.out" "mkfs's stdout"
cmp "$WORK/tty.img" "$WORK/plain.img" ||
	fail "the image differs with stderr on a terminal"
SLOW=big slowly $PTY "$WORK/quiet.tty" $COLS "$MKFS_EROFS" --quiet -T0 -U $UUID \
	--ishare_key "$WORK/quiet.img" "$WORK/src" ||
	fail "mkfs.erofs --quiet exits $?"
[ ! -s "$WORK/quiet.tty" ] ||
	fail "mkfs.erofs --quiet draws: $(frames "$WORK/quiet.tty" | head -3)"
note "no progress without a terminal or with --quiet; same image"

# --- fsck ----------------------------------------------------------------
SLOW=tty.img slowly $PTY "$WORK/fsck.tty" $COLS "$FSCK_EROFS" \
	"$WORK/tty.img" ||
	fail "fsck.erofs on a terminal exits $?"
frames "$WORK/fsck.tty" >"$WORK/fsck.frames"
grep -Eq '^checking: [0-9]+ files, [0-9.]+/[0-9.]+ [KM]iB \([0-9]+%\)' \
	"$WORK/fsck.frames" ||
	fail "no 'checking' frame: $(head -c 300 "$WORK/fsck.frames")"
tail -c 4 "$WORK/fsck.tty" | cmp -s - <(printf '\r\033[K') ||
	fail "fsck's progress line is not cleared at the end"
"$FSCK_EROFS" "$WORK/tty.img" >"$WORK/fsck.out" 2>"$WORK/fsck.err" ||
	fail "fsck.erofs exits $?"
[ ! -s "$WORK/fsck.err" ] || fail "fsck.erofs writes to a non-terminal" \
	"stderr: $(head -c 200 "$WORK/fsck.err")"
no_tty_bytes "$WORK/fsck.out" "fsck's stdout"
note "fsck on a terminal: $(wc -l <"$WORK/fsck.frames") frames," \
	"last: $(tail -n1 "$WORK/fsck.frames")"

# --- an error while the line shows gets a line of its own ------------------
# the start of a tar, then, once a frame shows, a damaged header
"$PYTHON" - "$WORK/head.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w', format=tarfile.USTAR_FORMAT) as t:
    for i in range(20):
        ti = tarfile.TarInfo('f%d' % i)
        ti.size = 100
        t.addfile(ti, io.BytesIO(b'x' * 100))
PY
truncate -s 20480 "$WORK/head.tar"	# the members, not the end blocks
{
	cat "$WORK/head.tar"
	for i in $(seq 1 200); do
		grep -q scanning "$WORK/err.tty" 2>/dev/null && break
		sleep 0.1
	done
	printf 'garbage%.0s' $(seq 1 100)
} | $PTY "$WORK/err.tty" $COLS "$MKFS_EROFS" --tar=f "$WORK/err.img" \
	>/dev/null && fail "mkfs.erofs took a damaged tar"
frames "$WORK/err.tty" | grep -q '^scanning: [0-9]\+ files' ||
	fail "no 'scanning' frame: $(frames "$WORK/err.tty" | head -3)"
grep -aq $'\r\x1b\\[Kmkfs.erofs: error: ' "$WORK/err.tty" ||
	fail "the error line does not replace the progress line:" \
	"$(head -c 300 "$WORK/err.tty" | cat -v)"
note "error: $(frames "$WORK/err.tty" | grep error)"
