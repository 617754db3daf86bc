# SPDX-License-Identifier: GPL-2.0+ OR MIT
# Shared by the benchmark scripts: options, the cached tree, timing.
# Sourced, not run; the caller has set -euo pipefail.
# shellcheck shell=bash disable=SC2034  # variables the callers use

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_SRC/.." && pwd)
PROG=bench/$(basename "$0")

# defaults, overridable by the environment and then by options
WORKDIR=${EROFS_BENCH_DIR:-/var/tmp/erofs-bench}
TREE=${EROFS_BENCH_TREE:-}
OURS=${EROFS_MKFS:-$REPO_ROOT/mkfs/mkfs.erofs}
THEIRS=${EROFS_PEER_MKFS:-/usr/bin/mkfs.erofs}
PEER_SET=
REAL=0
SMALL=0
# the issue-16 small-file tree: /usr-like names, tiny files
SMALL_FILES=235858
SMALL_BYTES=600M
RUNS=${EROFS_BENCH_RUNS:-3}
GEN_FILES=50000
GEN_BYTES=2G
GEN_SEED=1
VERBOSE=0
# pinned so that both tools build stable images from the same input
UUID=6b8f4f8e-4e1b-4b0e-9f2b-0123456789ab
STABLE_OPTS=(-T0 -U "$UUID" --quiet)

die() {
	echo "$PROG: $*" >&2
	exit 1
}

note() {
	echo "$PROG: $*" >&2
}

common_usage() {
	cat <<EOF
Common options:
  --tree DIR      source tree (default: generate one, cached under WORKDIR)
  --real          the tree is a copy of this machine's /usr/lib/x86_64-linux-gnu
                  and /usr/share, made once in WORKDIR/real
  --small         a generated tree of $SMALL_FILES small files ($SMALL_BYTES)
  --peer PATH     the erofs-utils binary to compare with (this bench's tool:
                  mkfs.erofs or fsck.erofs; default Debian's in /usr/bin)
  --workdir DIR   where the tree is cached and images are written
                  (default \$EROFS_BENCH_DIR or /var/tmp/erofs-bench)
  --ours PATH     our mkfs.erofs (default \$EROFS_MKFS or
                  $REPO_ROOT/mkfs/mkfs.erofs)
  --runs N        runs of each variant, the best is kept (default 3)
  --files N       files of a generated tree (default 50000)
  --bytes SIZE    bytes of a generated tree, K/M/G suffixes (default 2G)
  --seed N        seed of a generated tree (default 1)
  -v, --verbose   print every run
  -h, --help      show this help
EOF
}

# parse the common options; "$@" minus them is left in EXTRA_ARGS
parse_common() {
	EXTRA_ARGS=()
	while [ $# -gt 0 ]; do
		case $1 in
		--tree) TREE=${2:?--tree needs a value}; shift ;;
		--tree=*) TREE=${1#*=} ;;
		--real) REAL=1 ;;
		--small) SMALL=1 GEN_FILES=$SMALL_FILES GEN_BYTES=$SMALL_BYTES ;;
		--peer|--theirs) PEER_SET=${2:?$1 needs a value}; shift ;;
		--peer=*|--theirs=*) PEER_SET=${1#*=} ;;
		--workdir) WORKDIR=${2:?--workdir needs a value}; shift ;;
		--workdir=*) WORKDIR=${1#*=} ;;
		--ours) OURS=${2:?--ours needs a value}; shift ;;
		--ours=*) OURS=${1#*=} ;;
		--runs) RUNS=${2:?--runs needs a value}; shift ;;
		--runs=*) RUNS=${1#*=} ;;
		--files) GEN_FILES=${2:?--files needs a value}; shift ;;
		--files=*) GEN_FILES=${1#*=} ;;
		--bytes) GEN_BYTES=${2:?--bytes needs a value}; shift ;;
		--bytes=*) GEN_BYTES=${1#*=} ;;
		--seed) GEN_SEED=${2:?--seed needs a value}; shift ;;
		--seed=*) GEN_SEED=${1#*=} ;;
		-v|--verbose) VERBOSE=1 ;;
		*) EXTRA_ARGS+=("$1") ;;
		esac
		shift
	done
	case $RUNS in
	''|*[!0-9]*|0) die "--runs must be a positive integer, not '$RUNS'" ;;
	esac
	[ -z "$PEER_SET" ] || THEIRS=$PEER_SET
	[ "$REAL$SMALL" != 11 ] || die "--real and --small exclude each other"
	[ -z "$TREE" ] || [ "$REAL$SMALL" = 00 ] ||
		die "--tree excludes --real and --small"
}

# the erofs-utils tool NAME (mkfs, fsck, dump) next to the peer binary
# @1: beside it, in an erofs-utils build tree, or else Debian's
peer_tool() {
	local dir name=$2

	dir=$(dirname "$1")
	for c in "$dir/$name.erofs" "$dir/../$name/$name.erofs" \
		 "/usr/bin/$name.erofs"; do
		if [ -x "$c" ]; then
			echo "$c"
			return
		fi
	done
	echo "/usr/bin/$name.erofs"
}

# "erofs-utils 1.9.3": what the peer binary @1 says it is
peer_version() {
	"$1" -V 2>&1 | sed -n '1s/.*(erofs-utils) */erofs-utils /p;1q' |
		grep . || echo "unknown version"
}

peer_line() {
	echo "peer: $1 ($(peer_version "$1"))"
}

# --real: /usr/lib/x86_64-linux-gnu and /usr/share, copied once (cp -a,
# so hard links, xattrs and times come along) and then reused
copy_real_tree() {
	TREE=$WORKDIR/real
	[ -f "$TREE.stamp" ] && [ -d "$TREE" ] && return
	rm -rf "$TREE"
	check_space "$WORKDIR" $(($(du -sb /usr/lib/x86_64-linux-gnu /usr/share |
		awk '{ s += $1 } END { printf "%d", s }') * 11 / 10))
	note "copying /usr/lib/x86_64-linux-gnu and /usr/share to $TREE"
	mkdir -p "$TREE"
	cp -a /usr/lib/x86_64-linux-gnu /usr/share "$TREE/" ||
		die "cannot copy the real tree"
	date -u +%FT%TZ >"$TREE.stamp"
}

require_exe() {
	local what=$1 path=$2

	[ -e "$path" ] || die "$what '$path' not found (build it, or pass its path)"
	if [ ! -f "$path" ] || [ ! -x "$path" ]; then
		die "$what '$path' is not an executable file"
	fi
}

# GNU time gives peak RSS; the shell keyword does not
require_gnu_time() {
	if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
			note "installing GNU time"
			apt-get install -y time >/dev/null ||
				die "cannot install GNU time (apt-get install time)"
		else
			die "GNU time (/usr/bin/time) is missing: apt-get install time"
		fi
	fi
}

# the tree: --tree as given, else generated once and reused while its
# stamp says it was made with the same generator and parameters
prepare_tree() {
	local stamp want bytes

	mkdir -p "$WORKDIR" || die "cannot create '$WORKDIR'"
	WORKDIR=$(cd "$WORKDIR" && pwd)
	if [ "$REAL" = 1 ]; then
		copy_real_tree
		return
	fi
	if [ -n "$TREE" ]; then
		[ -d "$TREE" ] || die "tree '$TREE' is not a directory"
		TREE=$(cd "$TREE" && pwd)
		return
	fi
	if [ "$GEN_FILES/$GEN_BYTES/$GEN_SEED" = 50000/2G/1 ]; then
		TREE=$WORKDIR/tree
	else
		TREE=$WORKDIR/tree-$GEN_FILES-$GEN_BYTES-s$GEN_SEED
	fi
	stamp=$TREE.stamp
	want=$(python3 "$BENCH_SRC/gen-tree" --print-stamp --files "$GEN_FILES" \
		--bytes "$GEN_BYTES" --seed "$GEN_SEED") ||
		die "bad tree parameters"
	if [ -d "$TREE" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return
	fi
	bytes=${want##*bytes=}
	check_space "$TREE" $((bytes * 11 / 10))
	note "generating $TREE ($want)"
	python3 "$BENCH_SRC/gen-tree" --force --files "$GEN_FILES" \
		--bytes "$GEN_BYTES" --seed "$GEN_SEED" "$TREE"
}

# die unless the filesystem holding @1 has @2 bytes free
check_space() {
	local dir=$1 need=$2 avail

	while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
	avail=$(df -P -B1 "$dir" | awk 'NR == 2 { print $4 }')
	[ "$avail" -ge "$need" ] ||
		die "'$dir' has $((avail >> 20)) MiB free, $((need >> 20)) MiB needed"
}

tree_bytes() {
	du -sb "$TREE" | cut -f1
}

# read every file so that all runs start from a warm page cache
warm_cache() {
	find "$TREE" -type f -print0 | xargs -0 -r cat >/dev/null
}

machine_line() {
	local dev fs rota model

	fs=$(df -P "$WORKDIR" | awk 'NR == 2 { print $1 }')
	dev=$(basename "$(readlink -f "$fs")")
	rota=$(cat "/sys/class/block/$dev/queue/rotational" 2>/dev/null || echo '?')
	model=$(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//')
	echo "machine: $(nproc) CPUs ($model), $(free -g | awk '/^Mem/ { print $2 }') GiB RAM," \
		"kernel $(uname -r), $WORKDIR on $fs ($(findmnt -no FSTYPE -T "$WORKDIR"), rotational=$rota)"
}

# run "$@" once, timed; sets T_WALL T_CPU T_RSS_KB (peak RSS in KiB)
TIME_FILE=
timed_run() {
	local rc=0 user sys

	[ -n "$TIME_FILE" ] || TIME_FILE=$(mktemp "$WORKDIR/.time.XXXXXX")
	/usr/bin/time -f '%e %U %S %M' -o "$TIME_FILE" "$@" || rc=$?
	[ "$rc" = 0 ] || die "failed (exit $rc): $*"
	read -r T_WALL user sys T_RSS_KB <"$TIME_FILE"
	T_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

# min over a space-separated list of numbers
min_of() {
	printf '%s\n' "$@" | sort -g | head -n1
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'
}

# per variant: space-separated figures of every run, and the image size
declare -A R_WALL R_CPU R_RSS R_SIZE
IMAGES=()

cleanup_images() {
	local img

	[ -z "$TIME_FILE" ] || rm -f "$TIME_FILE"
	for img in "${IMAGES[@]}"; do
		rm -f "$img" "$(dirname "$img")/.$(basename "$img")".??????
	done
}

# run_interleaved VARIANT...: RUNS rounds, each running every VARIANT once
# (order reversed every other round, so neither always goes first).
# A function cmd_VARIANT IMAGE sets the array CMD to the command line.
run_interleaved() {
	local r v img order i

	for v in "$@"; do
		IMAGES+=("$WORKDIR/bench-$v.img")
		R_WALL[$v]='' R_CPU[$v]='' R_RSS[$v]=''
	done
	trap cleanup_images EXIT
	trap 'cleanup_images; exit 130' INT TERM
	for ((r = 1; r <= RUNS; r++)); do
		order=("$@")
		if ((r % 2 == 0)); then
			order=()
			for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done
		fi
		for v in "${order[@]}"; do
			img=$WORKDIR/bench-$v.img
			rm -f "$img"
			# no dirty pages from the last run to write back during this one
			sync
			"cmd_$v" "$img"
			timed_run "${CMD[@]}"
			[ -f "$img" ] || die "$v wrote no image at '$img'"
			R_SIZE[$v]=$(stat -c %s "$img")
			R_WALL[$v]+=" $T_WALL" R_CPU[$v]+=" $T_CPU" R_RSS[$v]+=" $T_RSS_KB"
			[ "$VERBOSE" = 0 ] || printf '  run %d %-8s wall %6.2f s  cpu %6.2f s  rss %8d KiB\n' \
				"$r" "$v" "$T_WALL" "$T_CPU" "$T_RSS_KB"
			rm -f "$img"
		done
	done
}

# best of the runs: BEST_WALL BEST_CPU (s) BEST_RSS (KiB) of VARIANT
best_of() {
	# shellcheck disable=SC2086
	BEST_WALL=$(min_of ${R_WALL[$1]})
	# shellcheck disable=SC2086
	BEST_CPU=$(min_of ${R_CPU[$1]})
	# shellcheck disable=SC2086
	BEST_RSS=$(min_of ${R_RSS[$1]})
}

# the row of a results table for VARIANT, labelled LABEL
print_row() {
	best_of "$1"
	printf '%-14s %9.2f %12.2f %13.1f %15s\n' "$2" "$BEST_WALL" "$BEST_CPU" \
		"$(awk -v k="$BEST_RSS" 'BEGIN { print k / 1024 }')" "${R_SIZE[$1]}"
}

print_header() {
	printf '%-14s %9s %12s %13s %15s\n' variant 'wall (s)' 'user+sys (s)' \
		'peak RSS (MiB)' 'image (bytes)'
}

tree_summary() {
	local files dirs links bytes

	files=$(find "$TREE" -type f | wc -l)
	dirs=$(find "$TREE" -type d | wc -l)
	links=$(find "$TREE" -type l | wc -l)
	bytes=$(find "$TREE" -type f -links 1 -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
	echo "tree: $TREE: $files files, $dirs directories, $links symlinks, $((bytes >> 20)) MiB in singly-linked files"
}

# "pass" when A <= B, else "FAIL"
verdict() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "pass" : "FAIL" }'
}
