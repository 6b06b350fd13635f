#!/usr/bin/env bash
# make fresh-check: the README's two commands on a blank Debian 12, as a newcomer runs them.
#
# A minbase Debian 12 (bookworm) root with only python3, make, git and ca-certificates is built
# once with debootstrap and kept as a tarball outside the clone (the cache below). Every run
# unpacks it into a fresh work root, so each check starts from blank; it clones the current
# commit (HEAD, not the working tree) to /root/anju there and runs, as root:
#   make demo ONCE=1   then   make test
# It fails when either fails, naming the step, its exit status and the last lines of its log.
# /proc, /sys, /dev, /dev/pts and /dev/shm are mounted into the root for the run and unmounted
# on every exit; services started by package installs are kept from starting (policy-rc.d);
# the machine's apt mirror, certificate authorities and pip settings are passed in.
#
# Environment: ANJU_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/anju), ANJU_DEBIAN_MIRROR
# (default: the Debian mirror in this machine's apt sources, else http://deb.debian.org/debian).
set -euo pipefail

SUITE=bookworm
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAIL_LINES=40
STEP_TIMEOUT=${ANJU_FRESH_STEP_TIMEOUT:-3600}

say() { echo "fresh-check: $*"; }
die() {
	echo "fresh-check: $*" >&2
	exit 1
}
took() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts): run 'sudo make fresh-check'"
command -v dpkg >/dev/null || die "needs a Debian-family machine (dpkg, apt-get)"
ARCH=$(dpkg --print-architecture)
CACHE=${ANJU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/anju}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P) # as /proc/*/root and /proc/self/mountinfo spell it
NAME=fresh-$SUITE-$ARCH
PRISTINE=$CACHE/$NAME.tar
WORK=$CACHE/$NAME
ROOT=$WORK/root
LOGS=$CACHE/$NAME-logs

# --- mounts and processes: nothing of the run is left behind, even on failure -------------

MOUNTED=()

mounts_under() { # mount points at or below $1, deepest first
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

kill_root_processes() { # every process whose root directory is the work root
	local sig pid pids
	for sig in TERM KILL; do
		pids=()
		for pid in /proc/[0-9]*; do
			if [ "$(readlink "$pid/root" 2>/dev/null)" = "$ROOT" ]; then pids+=("${pid#/proc/}"); fi
		done
		[ ${#pids[@]} -eq 0 ] && return 0
		kill -s "$sig" "${pids[@]}" 2>/dev/null || true
		sleep 2
	done
}

unmount_all() {
	local m i
	if [ -d "$ROOT" ]; then kill_root_processes; fi
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
	done
	MOUNTED=()
	for m in $(mounts_under "$WORK"); do # left by an earlier run that was killed outright
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
}

remove_tree() { # rm -rf, only when nothing is mounted below (it would reach into the host)
	[ -e "$1" ] || return 0
	[ -z "$(mounts_under "$1")" ] || die "still mounted below $1: $(mounts_under "$1" | xargs)"
	rm -rf --one-file-system "$1"
}

mount_into_root() { # TYPE SOURCE TARGET [options]
	local target=$ROOT$3
	mkdir -p "$target"
	if [ "$1" = bind ]; then mount --bind "$2" "$target"; else mount -t "$1" ${4:+-o "$4"} "$2" "$target"; fi
	MOUNTED+=("$target")
}

exec 9>"$CACHE/$NAME.lock"
flock -n 9 || {
	say "another fresh-check uses $WORK; waiting for it"
	flock 9
}
# Only the holder of the lock cleans up: the work root may be another run's until then.
trap unmount_all EXIT
trap 'exit 130' INT TERM

# --- the Debian mirror this machine uses ---------------------------------------------------

host_uri() { # the first apt source URI whose last path part is $1 (debian, debian-security)
	local f files=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		if [ -f "$f" ]; then files+=("$f"); fi
	done
	[ ${#files[@]} -gt 0 ] || return 0
	awk -v want="$1" '
		/^URIs:/ { for (i = 2; i <= NF; i++) uri($i) }
		/^deb[ \t]/ { sub(/^deb[ \t]+(\[[^]]*\][ \t]+)?/, ""); uri($1) }
		function uri(u, n, parts) {
			sub(/\/+$/, "", u); n = split(u, parts, "/")
			if (parts[n] == want && !found) { found = 1; print u }
		}' "${files[@]}"
}
MIRROR=${ANJU_DEBIAN_MIRROR:-$(host_uri debian)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=$(host_uri debian-security)
SECURITY=${SECURITY:-${MIRROR%/debian}/debian-security}

# --- the pristine root, built once (and again when a month old) ----------------------------

if [ ! -s "$PRISTINE" ] || [ -n "$(find "$PRISTINE" -mtime +30 2>/dev/null)" ]; then
	started=$SECONDS
	if ! command -v debootstrap >/dev/null; then
		say "installing Debian's debootstrap"
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			debootstrap debian-archive-keyring) >/dev/null
	fi
	say "building a minbase Debian 12 ($SUITE, $ARCH) from $MIRROR into $PRISTINE"
	build=$CACHE/$NAME.build
	remove_tree "$build"
	if ! debootstrap --variant=minbase --include=python3,make,git,ca-certificates \
		"$SUITE" "$build" "$MIRROR" >"$CACHE/$NAME-debootstrap.log" 2>&1; then
		say "debootstrap failed; last $TAIL_LINES lines of $CACHE/$NAME-debootstrap.log:"
		tail -n "$TAIL_LINES" "$CACHE/$NAME-debootstrap.log" | sed 's/^/  | /'
		exit 1
	fi
	chroot "$build" apt-get clean
	tar --numeric-owner -C "$build" -cf "$PRISTINE.part" .
	mv "$PRISTINE.part" "$PRISTINE"
	remove_tree "$build"
	say "pristine root ready in $(took $((SECONDS - started)))"
fi

# --- a fresh work root from the pristine copy ----------------------------------------------

started_all=$SECONDS
unmount_all
remove_tree "$WORK"
remove_tree "$LOGS"
mkdir -p "$ROOT" "$LOGS"
tar --numeric-owner -C "$ROOT" -xpf "$PRISTINE"

# apt: this machine's Debian mirror (and any apt proxy setting), the suites a Debian 12 has.
rm -f "$ROOT/etc/apt/sources.list"
cat >"$ROOT/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
	if [ -f "$f" ] && grep -qi 'Acquire::.*proxy' "$f"; then cp "$f" "$ROOT/etc/apt/apt.conf.d/"; fi
done
cp /etc/resolv.conf /etc/hosts "$ROOT/etc/"

# Package installs start no services (the Makefile's own policy-rc.d stays out of the way).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"

# Certificate authorities this machine trusts beyond Debian's (a proxy's own CA, say) are added
# the way an administrator adds them: /usr/local/share/ca-certificates + update-ca-certificates.
host_bundles=(/etc/ssl/certs/ca-certificates.crt)
for v in SSL_CERT_FILE REQUESTS_CA_BUNDLE PIP_CERT NODE_EXTRA_CA_CERTS CURL_CA_BUNDLE; do
	if [ -f "${!v:-}" ]; then host_bundles+=("${!v}"); fi
done
awk -v out="$ROOT/usr/local/share/ca-certificates/host-" '
	FNR == 1 { file++ }
	/^-----BEGIN CERTIFICATE-----/ { c = ""; inside = 1 }
	inside { c = c $0 "\n" }
	/^-----END CERTIFICATE-----/ && inside {
		inside = 0
		if (file == 1) known[c] = 1
		else if (!(c in known)) { known[c] = 1; f = out (++n) ".crt"; printf "%s", c > f; close(f) }
	}
	END { print n + 0 " certificate authorities of this machine added" }' \
	"$ROOT/etc/ssl/certs/ca-certificates.crt" "${host_bundles[@]}" >"$LOGS/certificates.log"
chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the root"

# pip: this machine's pip configuration files, and files its PIP_* settings name (a local
# find-links folder is not copied: pip skips a missing one).
for f in /etc/pip.conf /etc/xdg/pip "${PIP_CONFIG_FILE:-}"; do
	if [ -n "$f" ] && [ -e "$f" ]; then
		mkdir -p "$ROOT$(dirname "$f")" && cp -a "$f" "$ROOT$(dirname "$f")/"
	fi
done
for f in "${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf" "$HOME/.pip/pip.conf"; do
	if [ -f "$f" ]; then
		mkdir -p "$ROOT/root/.config/pip" && cp "$f" "$ROOT/root/.config/pip/pip.conf" && break
	fi
done
ENVIRONMENT=(HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
while read -r v; do
	case $v in
	PIP_* | SSL_CERT_FILE | SSL_CERT_DIR | REQUESTS_CA_BUNDLE | NODE_EXTRA_CA_CERTS | CURL_CA_BUNDLE | \
		http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY)
		ENVIRONMENT+=("$v=${!v}")
		if [[ ${!v} == /* && -f ${!v} && ! -e $ROOT${!v} ]]; then
			mkdir -p "$ROOT$(dirname "${!v}")" && cp "${!v}" "$ROOT${!v}"
		fi
		;;
	esac
done < <(compgen -e)

# The current commit, cloned as a newcomer clones it (uncommitted changes are not part of it).
SHA=$(git -c safe.directory="$REPO" -C "$REPO" rev-parse HEAD)
[ -z "$(git -c safe.directory="$REPO" -C "$REPO" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $REPO are not part of the check (it checks ${SHA:0:12})"
git -c safe.directory="$REPO" clone -q --no-checkout "$REPO" "$ROOT/root/anju"
git -c safe.directory="$REPO" -C "$ROOT/root/anju" fetch -q "$REPO" HEAD
git -C "$ROOT/root/anju" checkout -q -B fresh-check FETCH_HEAD

mount_into_root proc proc /proc
mount_into_root bind /sys /sys
mount_into_root bind /dev /dev
mount_into_root bind /dev/pts /dev/pts
mount_into_root tmpfs shm /dev/shm mode=1777,nosuid,nodev
say "checking ${SHA:0:12} in a blank Debian 12 ($ARCH) at $ROOT (ready in $(took $((SECONDS - started_all))))"

# --- the newcomer's commands ---------------------------------------------------------------

FAILED=()
PASSED=()
run_step() { # LOGNAME COMMAND
	local log=$LOGS/$1.log started=$SECONDS rc=0
	say "running '$2' (log: $log)"
	# In the background so that an interrupt is handled at once (wait returns, the EXIT trap
	# ends the root's processes and unmounts).
	timeout --kill-after=30 "$STEP_TIMEOUT" chroot "$ROOT" /usr/bin/env -i "${ENVIRONMENT[@]}" \
		/bin/bash -c "cd /root/anju && $2" </dev/null >"$log" 2>&1 &
	wait $! || rc=$?
	kill_root_processes
	if [ "$rc" = 0 ]; then
		PASSED+=("'$2' ($(took $((SECONDS - started))))")
		say "'$2' passed in $(took $((SECONDS - started)))"
	else
		FAILED+=("'$2'")
		if [ "$rc" = 124 ]; then say "'$2' timed out after $(took "$STEP_TIMEOUT")"; fi
		say "'$2' FAILED (exit $rc) after $(took $((SECONDS - started))); last $TAIL_LINES lines of $log:"
		tail -n "$TAIL_LINES" "$log" | sed 's/^/  | /'
	fi
}

run_step make-demo "make demo ONCE=1"
run_step make-test "make test"
unmount_all

total=$(took $((SECONDS - started_all)))
if [ ${#FAILED[@]} -gt 0 ]; then
	say "FAILED: ${FAILED[*]} on a blank Debian 12 (${SHA:0:12}, $total); logs in $LOGS," \
		"the root is kept at $ROOT until the next run"
	exit 1
fi
remove_tree "$WORK"
say "passed: ${PASSED[*]} on a blank Debian 12 (${SHA:0:12}, $total); logs in $LOGS"
