#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# bash completion (completion/erofs.bash): every option that a tool's
# --help shows completes (a long option the tool refuses as "not
# supported" need not), -z algorithms and levels, -E features, and files
# or directories where the tools take them.  Completion runs as bash runs
# it: COMP_WORDS split at blanks and at COMP_WORDBREAKS' '=' and ':'.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
make_work
COMPLETION=$top_srcdir/completion/erofs.bash
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
: "${DUMP_EROFS:=$top_builddir/dump/dump.erofs}"
bash -n "$COMPLETION" || fail "$COMPLETION: syntax error"

# complete LINE: the replies, one a line, for the cursor at LINE's end
complete_line() {
	(cd "$WORK/cwd" && bash --norc --noprofile -c '
		. "$1" || exit 1
		line=$2
		words=()
		for w in $line; do
			# bash splits a word at = and :, each its own word
			while [[ $w =~ ^([^=:]*)([=:])(.*)$ ]]; do
				[ -n "${BASH_REMATCH[1]}" ] &&
					words+=("${BASH_REMATCH[1]}")
				words+=("${BASH_REMATCH[2]}")
				w=${BASH_REMATCH[3]}
			done
			[ -n "$w" ] && words+=("$w")
		done
		case $line in *" ") words+=("") ;; esac
		COMP_WORDS=("${words[@]}")
		COMP_CWORD=$((${#words[@]} - 1))
		COMP_LINE=$line COMP_POINT=${#line}
		fn=$(complete -p "${words[0]}" | sed "s/.*-F \([^ ]*\) .*/\1/")
		"$fn" "${words[0]}" "${words[COMP_CWORD]}" \
			"${words[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$1")
}

# expect LINE WORD...: each WORD is among LINE's replies
expect() {
	local line=$1 w
	shift
	complete_line "$line" >"$WORK/reply" || fail "'$line': completion failed"
	for w in "$@"; do
		grep -qxF -- "$w" "$WORK/reply" ||
			fail "'$line' does not offer '$w': $(tr '\n' ' ' <"$WORK/reply")"
	done
}

# reject LINE WORD...: no WORD is among LINE's replies
reject() {
	local line=$1 w
	shift
	complete_line "$line" >"$WORK/reply" || fail "'$line': completion failed"
	for w in "$@"; do
		! grep -qxF -- "$w" "$WORK/reply" || fail "'$line' offers '$w'"
	done
}

mkdir -p "$WORK/cwd/srcdir" "$WORK/cwd/sub"
: >"$WORK/cwd/img.erofs"
: >"$WORK/cwd/src.tar"

for bin in "$MKFS_EROFS" "$FSCK_EROFS" "$DUMP_EROFS"; do
	name=$(basename "$bin")
	"$bin" --help | sed 's/--\[no-\]\([a-zA-Z0-9_-]*\)/--\1 --no-\1/g' \
		>"$WORK/help" || fail "$name --help failed"
	complete_line "$name --" >"$WORK/longs"
	complete_line "$name -" >"$WORK/shorts"
	n=0
	for opt in $(grep -o -- '--[a-zA-Z][a-zA-Z0-9_-]*' "$WORK/help" |
		     sort -u); do
		if ! grep -qx -- "$opt=\?" "$WORK/longs"; then
			# named in --help only to say it is refused
			{ "$bin" "$opt" 2>&1; "$bin" "$opt=1" 2>&1; } |
				grep -q -- "^$name: $opt is not supported" ||
				fail "$name: $opt does not complete"
			continue
		fi
		n=$((n + 1))
	done
	for opt in $(sed -n 's/^ \{1,6\}\(-[^ ].*\)/\1/p' "$WORK/help" |
		     sed 's/   .*//' | grep -o -- '\(^\|[ ,]\)-[a-zA-Z0-9]\b' |
		     tr -d ' ,' | sort -u); do
		grep -qxF -- "$opt" "$WORK/shorts" ||
			fail "$name: $opt does not complete"
		n=$((n + 1))
	done
	[ "$n" -gt 10 ] || fail "$name: only $n options found in --help"
	note "$name: $n options of --help complete"
done

# -z: the algorithms of --help, their levels, the one after ':'
algs=$("$MKFS_EROFS" --help | sed -n '/^  -z ALG/,/LEVEL may/p' |
	sed -n 's/^ \{26\}\([a-z0-9]\+\)\( .*\)\?$/\1/p')
[ "$(echo $algs)" = "lz4 lz4hc lzma zstd" ] || fail "algorithms in --help: $algs"
expect "mkfs.erofs -z " $algs
expect "mkfs.erofs -z lz4h" lz4hc
expect "mkfs.erofs -zlz" -zlz4 -zlz4hc
expect "mkfs.erofs -z lz4hc," lz4hc,0 lz4hc,12
reject "mkfs.erofs -z lz4hc," lz4hc,13
expect "mkfs.erofs -z lzma,10" lzma,100 lzma,109
expect "mkfs.erofs -z zstd," zstd,22 zstd,dictsize=
expect "mkfs.erofs -z lzma:z" zstd
expect "mkfs.erofs -E dedupe -z lzma,9:lz" lz4 lz4hc

# -E: every feature of --help, after a comma, negated
feats=$("$MKFS_EROFS" --help | sed -n '/^  -E OPTS/,/^  -d LEVEL/p' |
	sed -n 's/^ \{26\}\^\?\([a-z][a-z_-]*\)\( .*\)\?$/\1/p')
[ "$(echo $feats | wc -w)" -ge 10 ] || fail "features in --help: $feats"
expect "mkfs.erofs -E " $feats
expect "mkfs.erofs -E dedupe,fr" dedupe,fragments
expect "mkfs.erofs -E dedupe,^z" dedupe,^ztailpacking
expect "mkfs.erofs -Efor" -Eforce-inode-compact -Eforce-inode-extended
note "-z: $(echo $algs); -E: $(echo $feats | wc -w) features"

# values of other options
expect "mkfs.erofs -b " 512 4096
expect "mkfs.erofs --tar=" f
expect "mkfs.erofs --ovlfs-strip=" 0 1
expect "mkfs.erofs --wor" --workers=
expect "fsck.erofs -d " 0 9

# files and directories where they go
expect "mkfs.erofs " img.erofs srcdir
expect "mkfs.erofs -zlz4 out.img s" srcdir
reject "mkfs.erofs -zlz4 out.img s" src.tar
expect "mkfs.erofs --tar out.img s" src.tar
expect "mkfs.erofs --tar=f out.img s" src.tar
expect "mkfs.erofs -z lzma:zstd -T 0 out.img s" srcdir
expect "mkfs.erofs --workers=2 out.img s" srcdir
expect "mkfs.erofs --file-contexts=i" img.erofs
expect "fsck.erofs i" img.erofs
expect "fsck.erofs --extract=s" srcdir sub
reject "fsck.erofs --extract=s" src.tar
expect "dump.erofs --ls i" img.erofs
note "values, files and directories complete"
