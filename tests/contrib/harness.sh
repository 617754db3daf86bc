#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# contrib/qemu/run.sh as a new user meets it, without QEMU or a kernel:
# every bad command line stops with one line naming the problem (never a
# raw bash or cp error), --debian tells an unknown package from one with
# a single version and takes PKG=VER_A..VER_B, the tools are found in
# build/ beside the source, --forge alone prints no empty table, and with
# a stand-in for qemu (when busybox-static, gcc and cpio are here) the
# guest's progress is shown, --keep names its directory and nothing
# greps a log that does not exist yet.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
not_in_sanitizer_build "checks contrib/qemu/run.sh, not the tools"
make_work
run=$top_srcdir/contrib/qemu/run.sh

# a copy of the source tree's contrib/ with tools "built" in build/
src=$WORK/src
mkdir -p "$src/contrib" "$WORK/bin"
cp -r "$top_srcdir/contrib/qemu" "$top_srcdir/contrib/kernel" "$src/contrib/"
for t in mkfs fsck dump; do
	mkdir -p "$src/build/$t"
	printf '#!/bin/sh\nexit 0\n' > "$src/build/$t/$t.erofs"
	chmod +x "$src/build/$t/$t.erofs"
done

# apt-cache madison as apt would answer it for three made-up packages
cat > "$WORK/bin/apt-cache" <<'EOF'
#!/bin/sh
[ "$1" = madison ] || exit 1
case $2 in
one) echo "       one | 1.0-1 | http://deb.example bookworm/main amd64 Packages" ;;
two) echo "       two | 2.0-1 | http://deb.example bookworm/main amd64 Packages"
     echo "       two | 2.0-3 | http://deb.example bookworm-security/main amd64 Packages"
     echo "       two | 2.0-2 | http://deb.example bookworm-updates/main amd64 Packages" ;;
*) echo "N: Unable to locate package $2" >&2 ;;
esac
EOF
chmod +x "$WORK/bin/apt-cache"

# want RC 'TEXT' ARGS...: run.sh ARGS exits RC and says TEXT on one line
want() {
	local code=$1 text=$2 rc=0
	shift 2
	PATH=$WORK/bin:$PATH bash "$src/contrib/qemu/run.sh" "$@" \
		> out 2> err || rc=$?
	[ "$rc" = "$code" ] || { cat out err; fail "run.sh $*: exit $rc, want $code"; }
	grep -qF -- "$text" out err ||
		{ cat out err; fail "run.sh $*: no '$text'"; }
	! grep -q 'unbound variable\|^cp:\|line [0-9]' err ||
		{ cat err; fail "run.sh $*: raw shell error"; }
	[ "$code" = 0 ] || [ "$(wc -l < err)" = 1 ] ||
		{ cat err; fail "run.sh $*: more than one line"; }
	note "run.sh $* -> $rc: $(cat err out | head -1)"
}
cd "$WORK"

want 2 "--debian needs a package" --debian
want 2 "--debian needs a package: PKG[,PKG] or PKG=VER_A..VER_B, not '--keep'" \
	--debian --keep
want 2 "--pair needs NAME A B (images or directories)" --pair x a.img
: > a.img
want 2 "--pair x: no image file or directory 'missing.img'" \
	--pair x a.img missing.img
want 2 "--compress needs ALG[,LEVEL] (lz4, lz4hc, lzma, zstd)" --compress
want 2 "--mkfs-b needs mkfs.erofs options, quoted as one argument" --mkfs-b
want 2 "unknown option '--bogus'" --bogus
want 2 "--jobs needs a value" --jobs
want 2 "--generated=N needs a file count, not 'x'" --generated=x
want 2 "--stack: 'x' is not NAME=LAYER[,LAYER...]" --stack x
want 2 "--stack s: no layer tar or directory 'missing.tar'" \
	--stack s=a.img,missing.tar
want 2 "--stack-generated=N needs a file count of 20 or more, not '5'" \
	--stack-generated=5
want 2 "--stack-debian: 'Bad,' is not PKG[,PKG...]" --stack-debian Bad,
want 2 "--stack-debian needs packages: PKG[,PKG...]" --stack-debian

want 1 "apt knows no package 'nope' (if it exists, apt-get update may be needed)" \
	--plan --debian nope
want 1 "apt offers only one version of one (1.0-1), two are needed; apt-get update may list more, or name two with one=VER_A..VER_B" \
	--plan --debian one
want 0 "pair two: a = two=2.0-2; b = two=2.0-3" --plan --debian two
want 0 "pair two: a = two=2.0-1; b = two=2.0-3" --plan --debian two=2.0-1..2.0-3
want 1 "apt offers no version 9 of two (it offers: 2.0-3 2.0-2 2.0-1)" \
	--plan --debian two=2.0-1..9
want 1 "'two=2.0-1' is not PKG=VER_A..VER_B" --plan --debian two=2.0-1

# mkfs options of each image: checked by mkfs.erofs before anything is
# built, named in the pair names
want 0 "pair generated-200.lz4hc: genpair.py" --plan --generated --compress lz4hc
want 0 "pair two.zstd,9~plain: a = two=2.0-2; b = two=2.0-3" \
	--plan --debian two --mkfs-a "-z zstd,9"
mkdir -p tree
want 0 "pair mine.lz4~lzma: a = tree; b = a.img" \
	--plan --pair mine tree a.img --mkfs-a "-z lz4" --mkfs-b "-z lzma"
want 0 "pair generated-60.lz4hc~plain: genpair.py --files 60 --text" --plan --quick
want 0 "stacks generated-30: genA = base,app-a; genB = base,app-b" --plan --quick
want 0 "stacks stack: s=a.img,tree" --plan --stack s=a.img,tree
want 0 "stacks redis-server+redis-tools: redis-server+redis-tools.a = base-a,redis-server+redis-tools-a;" \
	--plan --stack-debian redis-server,redis-tools
want 1 "mkfs.erofs options of image A (-z nope):" \
	--plan --generated --compress nope --build-dir "$top_builddir"

# the tools: build/ beside the source, or --build-dir, or one clear line
want 0 "tools: $src/build" --plan --generated
want 1 "no /nope/mkfs/mkfs.erofs: build the tools first" \
	--plan --build-dir /nope --generated
mv "$src/build" "$src/elsewhere"
want 1 "no mkfs/mkfs.erofs in $src or $src/build: build the tools first (README.md) or give --build-dir DIR" \
	--plan --generated
want 0 "tools: $src/elsewhere" --plan --generated --build-dir "$src/elsewhere"

# report.py with the guest lines of --forge alone: no table header
mkdir rep
: > rep/pairs
echo "@@ FORGE shared aa unshared bb mkfs bb" > rep/guest.txt
echo "@@ BADID refused" >> rep/guest.txt
echo aa > rep/forge.good
echo bb > rep/forge.evil
echo 4 > rep/forge.fsck.rc
echo 0 > rep/forge.mkfs.fsck.rc
python3 "$top_srcdir/contrib/qemu/report.py" rep 2 > rep.out ||
	{ cat rep.out; fail "report.py: forge alone does not pass"; }
! grep -q '^pair\|^---' rep.out || { cat rep.out; fail "report.py: empty table"; }
grep -qx 'result: PASS' rep.out || fail "report.py: no result line"
note "report.py, --forge alone: no table, $(tail -1 rep.out)"

# the host side of the stack mode with the real tools: a generated pair
# of stacks over one base layer becomes containerd-made layer images,
# each view's expected files and the report, checked against the merged
# trees by stack-host.py itself
if [ -x "$top_builddir/mkfs/mkfs.erofs" ] && [ -x "$top_builddir/dump/dump.erofs" ]; then
	q=$top_srcdir/contrib/qemu
	$PYTHON "$q/genstack.py" --files 20 gs || fail "genstack.py failed"
	$PYTHON "$q/stack-host.py" "$top_builddir/mkfs/mkfs.erofs" \
		"$top_builddir/dump/dump.erofs" sh "a=gs/base.tar,gs/app-a.tar" \
		"b=gs/base.tar,gs/app-b.tar" > sh.out 2>&1 ||
		{ cat sh.out; fail "stack-host.py failed"; }
	printf 'a L0.img L1.img\nb L0.img L2.img\n' | cmp -s - sh/stacks.txt ||
		fail "stack-host.py: stacks.txt: $(cat sh/stacks.txt)"
	grep -q '"stacks": 2,' sh/report.json || fail "base layer not in both stacks"
	grep -q '\.wh\.' sh/a.sha256 sh/b.sha256 && fail "a whiteout shows in a view"
	grep -q ' \./etc/app\.conf$' sh/a.sha256 &&
	! grep -q ' \./etc/conf0$' sh/a.sha256 ||
		fail "the opaque etc/ of the app layer did not hide base's"
	n=$(wc -l < sh/a.sha256)
	note "stack-host.py: $n files in view a, report checked by the model"
fi

# a stand-in for qemu: the guest's first line, two steps, then done
[ -x /bin/busybox ] && command -v gcc cpio > /dev/null || {
	note "no busybox-static, gcc or cpio: stand-in qemu part skipped"
	exit 0
}
cat > "$WORK/bin/qemu-system-x86_64" <<'EOF'
#!/bin/sh
sleep 1
printf '@@ BOOT\r\n@@ STEP first step\r\n'
sleep 2
printf '@@ STEP second step\r\n@@ DONE\r\n'
EOF
chmod +x "$WORK/bin/qemu-system-x86_64"
key=$(cat "$top_srcdir"/contrib/kernel/*.patch \
	"$top_srcdir/contrib/qemu/kernel.config" | sha256sum | cut -c1-16)
mkdir -p "$WORK/cache/kernel/$key"
: > "$WORK/cache/kernel/$key/bzImage"
rc=0
TMPDIR=$WORK PATH=$WORK/bin:$PATH bash "$run" --no-install --forge --keep \
	--cache "$WORK/cache" --build-dir "$top_builddir" > out 2> err || rc=$?
[ $rc = 77 ] && { cat err; note "packages missing: stand-in part skipped"; exit 0; }
cat err
# the stand-in prints no FORGE line, so the forge check fails: exit 1
[ $rc = 1 ] || fail "stand-in run: exit $rc, want 1"
! grep -q 'guest.log\|No such file' err || fail "stand-in run: grep before the log"
grep -q '^== guest, [0-9]* s: first step$' err || fail "no progress line"
grep -q '^== guest, [0-9]* s: second step$' err || fail "no second progress line"
kept=$(sed -n 's/^run.sh: kept work directory //p' err)
[ -n "$kept" ] && [ -f "$kept/guest.txt" ] || fail "--keep: no directory named"
! grep -q '^pair' out || { cat out; fail "--forge alone: empty table"; }
note "stand-in qemu: progress shown, kept $kept"
