# SPDX-License-Identifier: GPL-2.0+
# bash completion for mkfs.erofs, fsck.erofs and dump.erofs (erofs-tools).
# Installed as completions/mkfs.erofs, with fsck.erofs and dump.erofs
# linked to it, so bash-completion loads it on first use of any of them.
# It needs nothing from the bash-completion package itself.

# Sets cur (the text being completed), prev (the word before it) and opt:
# for "--opt=VAL" the option, whether bash split it at '=' (the default
# COMP_WORDBREAKS) or not, and prefix, the text a reply must carry.
_erofs_words()
{
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	opt= prefix=
	if [ "$cur" = "=" ]; then
		opt=$prev cur=
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		opt=${COMP_WORDS[COMP_CWORD-2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} prefix=$opt= cur=${cur#*=}
	fi
}

# Replies: the words of $1 that start with $cur, each with $prefix.
_erofs_reply()
{
	local w
	COMPREPLY=()
	for w in $(compgen -W "$1" -- "$cur"); do
		COMPREPLY+=("$prefix$w")
	done
}

_erofs_files()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen "$1" -- "$cur"))
}

# Long options; those that take a value end with '=' and get no space.
_erofs_options()
{
	_erofs_reply "$1"
	[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	return 0
}

# -z ALG[,LEVEL][:ALG...]: bash splits at ':', so only the last
# algorithm is completed here; after "ALG," its levels.
_erofs_zalg()
{
	local alg levels=
	prefix=$1
	if [[ $cur != *,* ]]; then
		_erofs_reply "lz4 lz4hc lzma zstd"
		return
	fi
	alg=${cur%%,*}
	prefix+=$alg, cur=${cur#*,}
	case $alg in
	lz4hc) levels=$(echo {0..12}) ;;
	lzma) levels="$(echo {0..9} {100..109}) dictsize=" ;;
	zstd) levels="$(echo {1..22}) dictsize=" ;;
	esac
	_erofs_reply "$levels"
	compopt -o nospace 2>/dev/null
}

# -E a,b,^c: the features of mkfs.erofs --help, completed after the last
# comma, each also as ^FEATURE once '^' is typed.
_erofs_features()
{
	local f feats="noinline_data inline_data legacy-compress ztailpacking
		fragments all-fragments dedupe force-inode-compact
		force-inode-extended nosbcrc xattr-name-filter
		plain-xattr-prefixes"
	prefix=$1
	if [[ $cur == *,* ]]; then
		prefix+=${cur%,*}, cur=${cur##*,}
	fi
	if [[ $cur == ^* ]]; then
		prefix+=^ cur=${cur#^}
	fi
	_erofs_reply "$feats"
	compopt -o nospace 2>/dev/null
}

# how many non-option words come before the current one
_erofs_nargs()
{
	local i n=0 w
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		=|:|-*) ;;
		*)
			case ${COMP_WORDS[i-1]} in
			=|:|-[bLTUEdzCx]) ;;
			*) n=$((n + 1)) ;;
			esac
			;;
		esac
	done
	echo $n
}

_mkfs_erofs()
{
	local cur prev opt prefix
	local longs="--quiet --workers= --help --version --all-root
		--force-uid= --force-gid= --uid-offset= --gid-offset= --all-time
		--mkfs-time --ignore-mtime --preserve-mtime --tar --tar= --aufs
		--ungzip --gzip --unxz --unlzma --ovlfs-strip --ovlfs-strip=
		--hard-dereference --exclude-path= --exclude-regex= --offset=
		--fsalignblks= --zfeature-bits= --clean --clean= --sort=
		--async-queue-limit= --xattr-prefix= --file-contexts=
		--mount-point= --ishare_key --ishare_key= --xattr-inode-digest
		--xattr-inode-digest="
	_erofs_words
	case $opt in
	--workers|--offset|--fsalignblks|--force-uid|--force-gid|\
	--uid-offset|--gid-offset|--zfeature-bits|--async-queue-limit|\
	--exclude-path|--exclude-regex|--xattr-prefix|--mount-point|\
	--ishare_key|--xattr-inode-digest)
		return ;;
	--tar) _erofs_reply "f"; return ;;
	--ovlfs-strip) _erofs_reply "0 1"; return ;;
	--clean) _erofs_reply "data"; return ;;
	--sort) _erofs_reply "path none"; return ;;
	--file-contexts) _erofs_files -f; return ;;
	esac
	case $prev in
	-z) _erofs_zalg ""; return ;;
	-E) _erofs_features ""; return ;;
	-b) _erofs_reply "512 1024 2048 4096"; return ;;
	-C) _erofs_reply "4096 16384 65536 131072 262144 1048576"; return ;;
	-U) _erofs_reply "clear random"; return ;;
	-d) _erofs_reply "0 1 2"; return ;;
	-L|-T|-x) return ;;
	:) # -z lzma:zstd, split at ':' by bash
		[ "${COMP_WORDS[COMP_CWORD-3]}" = -z ] && _erofs_zalg ""
		return ;;
	esac
	case $cur in
	-z?*) cur=${cur#-z}; _erofs_zalg -z; return ;;
	-E?*) cur=${cur#-E}; _erofs_features -E; return ;;
	--*) _erofs_options "$longs"; return ;;
	-*) _erofs_reply "-b -L -T -U -E -d -h -V -z -C -x"; return ;;
	esac
	# DESTINATION is a file; SOURCE a directory, or a tar archive
	if [ "$(_erofs_nargs)" -eq 0 ] ||
	   [[ " ${COMP_WORDS[*]} " == *" --tar "* ||
	      " ${COMP_WORDS[*]} " == *" --tar="* ]]; then
		_erofs_files -f
	else
		_erofs_files -d
	fi
}

_fsck_erofs()
{
	local cur prev opt prefix
	local longs="--offset= --nid= --path= --no-sbcrc --workers= --help
		--version --xattr-inode-digest --no-ishare-verify --extract
		--extract= --force --overwrite --preserve --no-preserve
		--preserve-owner --no-preserve-owner --preserve-perms
		--no-preserve-perms --xattrs --no-xattrs --device="
	_erofs_words
	case $opt in
	--extract) _erofs_files -d; return ;;
	--device) _erofs_files -f; return ;;
	--offset|--nid|--path|--workers) return ;;
	esac
	case $prev in
	-d) _erofs_reply "$(echo {0..9})"; return ;;
	esac
	case $cur in
	--*) _erofs_options "$longs"; return ;;
	-*) _erofs_reply "-d -p -a -A -y -n -h -V"; return ;;
	esac
	_erofs_files -f
}

_dump_erofs()
{
	local cur prev opt prefix
	local longs="--offset= --blkid-udev --device= --nid= --path= --ls
		--cat --ishare-report --stack= --json --top= --help --version"
	_erofs_words
	case $opt in
	--device) _erofs_files -f; return ;;
	--offset|--nid|--path|--top|--stack) return ;;
	esac
	case $cur in
	--*) _erofs_options "$longs"; return ;;
	-*) _erofs_reply "-s -S -e -h -V"; return ;;
	esac
	_erofs_files -f
}

complete -F _mkfs_erofs mkfs.erofs
complete -F _fsck_erofs fsck.erofs
complete -F _dump_erofs dump.erofs
