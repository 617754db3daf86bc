# SPDX-License-Identifier: GPL-2.0+ OR MIT
# bench/compress --matrix: sourced by bench/compress after its options.
# For every option set, ours, Debian's 1.5 (when it takes the options)
# and --peer build the same tree in one interleaved run; the table gives
# size and best wall time of each and the ratios ours/theirs.
# shellcheck shell=bash

[ "$ALGS" != lz4,lz4hc,zstd ] || ALGS=lz4,lz4hc,lzma,zstd
require_exe "our mkfs.erofs" "$OURS"
[ -z "$PEER" ] || require_exe "peer mkfs.erofs" "$PEER"
require_gnu_time
prepare_tree
check_space "$WORKDIR" $(($(tree_bytes) * 3))

# does BINARY take the options "$@"?  Tried on a one-file tree.
PROBE=
takes() {
	local bin=$1 ok=0

	shift
	[ -x "$bin" ] || return 1
	if [ -z "$PROBE" ]; then
		PROBE=$(mktemp -d "$WORKDIR/.probe.XXXXXX")
		mkdir "$PROBE/t"
		seq 1 20000 >"$PROBE/t/f"
	fi
	"$bin" "${STABLE_OPTS[@]}" "$@" "$PROBE/i.img" "$PROBE/t" \
		>/dev/null 2>&1 || ok=1
	rm -f "$PROBE/i.img"
	return $ok
}

cmd_ours() { CMD=("$OURS" "${STABLE_OPTS[@]}" "${OPTS[@]}" "$1" "$TREE"); }
cmd_deb() { CMD=("$DEBIAN" "${STABLE_OPTS[@]}" "${OPTS[@]}" "$1" "$TREE"); }
cmd_peer() { CMD=("$PEER" "${STABLE_OPTS[@]}" "${OPTS[@]}" "$1" "$TREE"); }

# the size and time columns of VARIANT, or dashes when it did not run
cols() {
	if [ -z "${R_SIZE[$1]:-}" ]; then
		printf ' %13s %7s' - -
		return
	fi
	best_of "$1"
	printf ' %13s %7.2f' "${R_SIZE[$1]}" "$BEST_WALL"
}

# ours/VARIANT: size and time ratios, or dashes
ratios() {
	local w

	if [ -z "${R_SIZE[$1]:-}" ]; then
		printf ' %6s %6s' - -
		return
	fi
	best_of ours
	w=$BEST_WALL
	best_of "$1"
	printf ' %6s %6s' "$(ratio "${R_SIZE[ours]}" "${R_SIZE[$1]}")" \
		"$(ratio "$w" "$BEST_WALL")"
}

machine_line
echo "load: $(uptime | sed 's/.*load average/load average/')"
tree_summary
echo "ours: $OURS"
echo "debian: $DEBIAN"
[ -z "$PEER" ] || echo "peer: $PEER ($("$PEER" --version 2>&1 | head -n1))"
warm_cache
printf '%-34s %13s %7s %13s %7s %13s %7s %6s %6s %6s %6s\n' options \
	ours s debian s peer s sz/deb t/deb sz/peer t/peer
IFS=, read -r -a alg_list <<<"$ALGS"
IFS=';' read -r -a eopt_list <<<"$EOPTS"
[ "${EOPTS: -1}" != ';' ] || eopt_list+=('')
IFS=, read -r -a pcs_list <<<"$PCLUSTERS"
for alg in "${alg_list[@]}"; do
	for pcs in "${pcs_list[@]}"; do
		for e in "${eopt_list[@]}"; do
			OPTS=("-z$alg")
			[ "$pcs" = 0 ] || OPTS+=("-C$pcs")
			[ -z "$e" ] || OPTS+=("-E$e")
			variants=(ours)
			R_SIZE=()
			! takes "$DEBIAN" "${OPTS[@]}" || variants+=(deb)
			[ -z "$PEER" ] || ! takes "$PEER" "${OPTS[@]}" ||
				variants+=(peer)
			run_interleaved "${variants[@]}"
			printf '%-34s' "${OPTS[*]}"
			cols ours
			cols deb
			cols peer
			ratios deb
			ratios peer
			echo
		done
	done
done
[ -z "$PROBE" ] || rm -rf "$PROBE"
