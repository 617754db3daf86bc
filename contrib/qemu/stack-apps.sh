#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0+
# shellcheck shell=dash
# stack-apps start|stop APP ROOT_A ROOT_B: in the QEMU guest, start the
# application APP (a --stack-debian group: its packages joined by '+')
# from both merged views at once, chrooted into each as a container runs
# it, and check that it works; "stop" ends what "start" left running.
# Everything it runs (the program, its libraries, the dynamic loader)
# comes from the views, not from the guest's busybox.  Says "@@ APP ..."
# per version; exits 1 if one of them did not work.
set -u
# the views' programs are in their /usr/bin and /usr/sbin; the guest's
# busybox (chroot, ls) is in /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cmd=$1 app=$2 ra=$3 rb=$4
rc=0

say() { echo "@@ $*"; }

# CHECK WHAT ROOT CMD...: run CMD chrooted into ROOT, say how it went
check() {	# WHAT ROOT CMD...
	what=$1 root=$2
	shift 2
	if out=$(chroot "$root" "$@" 2>&1); then
		say APP "$app" "$what" ok
	else
		say APP "$app" "$what" FAIL
		echo "$out" | tail -5
		rc=1
	fi
}

# redis-server on PORT, in the background; then one PING must get PONG
redis_start() {	# ROOT PORT WHAT
	chroot "$1" redis-server --port "$2" --bind 127.0.0.1 --save '' \
		--appendonly no --daemonize yes --dir /tmp \
		--logfile /tmp/redis.log || { say APP "$app" "$3" FAIL; rc=1; return; }
	i=0
	while [ $i -lt 120 ]; do
		got=$(chroot "$1" redis-cli -p "$2" PING 2>/dev/null)
		[ "$got" = PONG ] && { say APP "$app" "$3" ok PONG; return; }
		sleep 1
		i=$((i + 1))
	done
	say APP "$app" "$3" FAIL "no PONG"
	tail -5 "$1/tmp/redis.log"
	rc=1
}

# initdb into the view's /tmp (its writable upper directory, on tmpfs) as
# the postgres user the package created.  By its full path: busybox's
# chroot runs its own applet of a name it has (setpriv) before PATH
initdb() {	# ROOT WHAT
	bin=$(ls -d "$1"/usr/lib/postgresql/*/bin | head -1)
	bin=${bin#"$1"}
	check "$2" "$1" /usr/bin/setpriv --reuid=postgres --regid=postgres \
		--init-groups "$bin/initdb" -D /tmp/pgdata -E UTF8 --locale=C \
		--auth=trust --no-sync
}

case $cmd:$app in
start:redis-server*)
	redis_start "$ra" 6379 a
	redis_start "$rb" 6380 b ;;
stop:redis-server*)
	chroot "$ra" redis-cli -p 6379 shutdown nosave > /dev/null 2>&1
	chroot "$rb" redis-cli -p 6380 shutdown nosave > /dev/null 2>&1 ;;
start:python3*)
	py=${app%%+*}
	check a "$ra" "$py" -c 'import json, ssl, sqlite3'
	check b "$rb" "$py" -c 'import json, ssl, sqlite3' ;;
start:postgresql*)
	initdb "$ra" a
	initdb "$rb" b ;;
start:openjdk*)
	check a "$ra" java -version
	check b "$rb" java -version ;;
start:nginx*)
	check a "$ra" nginx -t
	check b "$rb" nginx -t ;;
stop:*) ;;
start:*)
	say APP "$app" a FAIL "stack-apps knows no way to start $app"
	rc=1 ;;
*)
	echo "usage: stack-apps start|stop APP ROOT_A ROOT_B" >&2
	rc=2 ;;
esac
exit $rc
