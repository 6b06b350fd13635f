#!/usr/bin/env bash
# `make arm-check`: the edge box's software proven on 64-bit ARM (aarch64), under emulation.
#
# 1. A Debian 12 arm64 root (debootstrap + qemu-user-static, python3, python3-venv, mosquitto,
#    tzdata), built once and cached OUTSIDE the clone: CI starts from a fresh clone every time,
#    so a cache under var/ would never survive (docs/detection.md, "Proven on 64-bit ARM").
# 2. The project's wheel (built here) and its dependencies' aarch64 wheels from PyPI (downloaded
#    here with pip's --platform flags: native pip is much faster than pip under emulation,
#    and the versions are the installer's constraints.txt), installed with --no-index into a
#    venv inside the root. A dependency without an aarch64 wheel fails the check, by name.
# 3. Inside the root (chroot; /proc, /sys and /dev mounted and always unmounted on exit):
#    `anju models verify`, `anju edge check-config` on examples/edge*.yaml, and the end-to-end
#    of tests/machines/arm_e2e.py (Mosquitto and the edge on arm64, the gateway on this host).
#
# Emulated timings mean nothing: nothing here is a performance figure. Needs root.
# Environment: ANJU_ARM_CACHE (cache folder), ANJU_DEBIAN_MIRROR, HOST_VENV (default .venv),
# ANJU_ARM_CPU (cortex-a72, a Raspberry Pi 4, the default; or cortex-a76, a Pi 5).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST_VENV=${HOST_VENV:-$REPO/.venv}
CACHE=${ANJU_ARM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/anju/arm64}
MIRROR=${ANJU_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
ROOT_PACKAGES=python3,python3-venv,mosquitto,tzdata
# Change anything here and the cached root is rebuilt.
ROOT_SPEC="debian $SUITE arm64 minbase $ROOT_PACKAGES"
ROOT=$CACHE/root
WHEELS=$CACHE/wheels
LOGS=$CACHE/logs
CONSTRAINTS=$REPO/deploy/ansible/roles/anju_common/files/constraints.txt
VENV_IN_ROOT=/opt/anju/venv
RUN_IN_ROOT=/opt/arm-check # this run's files inside the root, removed on exit
ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ARM_CPU=${ANJU_ARM_CPU:-cortex-a72}
EMULATED=1

say() { printf '[arm-check +%ss] %s\n' "$SECONDS" "$*"; }
die() {
	printf 'arm-check: FAIL: %s\n' "$*" >&2
	exit 1
}

# A command inside the root, with a clean environment (no host pip settings, no host venv).
# QEMU_CPU makes the emulated instruction set (HWCAP) that of the board named by ARM_CPU.
in_root() {
	env -i PATH="$ROOT_PATH" HOME=/root LANG=C.UTF-8 TZ=UTC ${EMULATED:+QEMU_CPU=$ARM_CPU} \
		chroot "$ROOT" "$@"
}

# Mount points at or under $1, deepest first.
mounts_under() {
	findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r
}

unmount_under() {
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

# A long step runs in the background while the script waits for it, so that INT and TERM
# reach the trap at once (bash runs traps only between foreground commands).
CHILD=
interruptible() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

# Processes whose root directory is our arm64 root (or the one being built): only this check
# starts any there.
stop_root_processes() {
	local pids=() pid link target
	for link in /proc/[0-9]*/root; do
		target=$(readlink "$link" 2>/dev/null) || continue
		[ "$target" = "$ROOT" ] || [ "$target" = "$ROOT.new" ] || continue
		pid=${link#/proc/}
		pids+=("${pid%/root}")
	done
	((${#pids[@]})) || return 0
	say "stopping leftover processes in the root: ${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "${pids[@]}" 2>/dev/null || return 0
		sleep 1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Deletes a folder that may hold mount points: unmount first, never cross into another
# filesystem (a bind-mounted /dev must never be emptied).
remove_tree() {
	unmount_under "$1"
	[ -z "$(mounts_under "$1")" ] || die "$1 still has mounts: $(mounts_under "$1" | tr '\n' ' ')"
	rm -rf --one-file-system "$1"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	stop_root_processes
	unmount_under "$ROOT.new"
	unmount_under "$ROOT"
	if [ -d "$ROOT$RUN_IN_ROOT" ] && [ -z "$(mounts_under "$ROOT")" ]; then
		rm -rf --one-file-system "$ROOT$RUN_IN_ROOT"
	fi
	if [ "$rc" = 0 ]; then
		say "PASS: arm64 (emulated): models verify, check-config, end-to-end (logs: $LOGS)"
	else
		say "FAILED (exit $rc); logs of the run: $LOGS"
	fi
	exit "$rc"
}

host_tools() {
	[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts): run 'sudo make arm-check'"
	[ -x "$HOST_VENV/bin/python" ] || die "$HOST_VENV is missing: run 'make setup'"
	[ "$(uname -m)" != aarch64 ] || EMULATED= # a 64-bit ARM host runs the root natively
	case $ARM_CPU in
	cortex-a72 | cortex-a76) ;;
	*) die "ANJU_ARM_CPU=$ARM_CPU: use cortex-a72 (Raspberry Pi 4) or cortex-a76 (Pi 5)" ;;
	esac
	local missing=()
	command -v debootstrap >/dev/null || missing+=(debootstrap)
	if [ -n "$EMULATED" ]; then
		[ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
		command -v update-binfmts >/dev/null || missing+=(binfmt-support)
	fi
	if ((${#missing[@]})); then
		say "installing Debian's ${missing[*]}"
		(apt-get -o DPkg::Lock::Timeout=600 update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
				"${missing[@]}") >/dev/null
	fi
	[ -n "$EMULATED" ] || return 0
	# binfmt_misc is not mounted at boot on these machines; qemu-aarch64 must carry the F flag
	# (the kernel opens the interpreter at registration), so the root needs no copy of qemu.
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	fi
	if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
		update-binfmts --enable qemu-aarch64
	fi
	grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
		die "qemu-aarch64 is not registered with binfmt_misc"
	grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
		die "qemu-aarch64 is registered without the F (fix binary) flag"
}

build_root() {
	if [ "$(cat "$ROOT/.anju-root" 2>/dev/null)" = "$ROOT_SPEC" ]; then
		say "arm64 root: cached in $ROOT"
		return
	fi
	say "building the Debian 12 arm64 root in $ROOT (once; 6-10 minutes)"
	[ ! -e "$ROOT" ] || remove_tree "$ROOT"
	[ ! -e "$ROOT.new" ] || remove_tree "$ROOT.new"
	if ! interruptible debootstrap --arch=arm64 --variant=minbase --include="$ROOT_PACKAGES" \
		"$SUITE" "$ROOT.new" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1; then
		tail -n 30 "$LOGS/debootstrap.log" >&2
		unmount_under "$ROOT.new"
		die "debootstrap failed (log: $LOGS/debootstrap.log)"
	fi
	unmount_under "$ROOT.new"
	rm -f "$ROOT.new"/var/cache/apt/archives/*.deb
	printf '%s\n' "$ROOT_SPEC" >"$ROOT.new/.anju-root"
	mv "$ROOT.new" "$ROOT"
}

# The root's glibc version (2.36 on Debian 12): the newest manylinux tag its pip accepts.
root_glibc() {
	awk '/^Package: libc6$/ {p = 1} p && /^Version:/ {split($2, v, "-"); print v[1]; exit}' \
		"$ROOT/var/lib/dpkg/status"
}

# The manylinux tags pip on the box itself accepts: glibc 2.17 up to the root's own.
aarch64_platforms() {
	local minor
	minor=$(printf '%s' "$1" | sed -n 's/^2\.\([0-9]*\)$/\1/p')
	[ -n "$minor" ] || die "cannot read the root's glibc version (got '$1')"
	printf -- '--platform manylinux2014_aarch64'
	for ((m = minor; m >= 17; m--)); do
		printf -- ' --platform manylinux_2_%s_aarch64' "$m"
	done
}

build_wheel() {
	local dist=$1
	rm -rf "$dist" && mkdir -p "$dist"
	"$HOST_VENV/bin/python" -m pip wheel --quiet --no-deps -w "$dist" "$REPO" \
		>"$LOGS/wheel.log" 2>&1 || {
		tail -n 20 "$LOGS/wheel.log" >&2
		die "building the project's wheel failed"
	}
	ls "$dist"/anju-*.whl
}

# The dependencies' aarch64 wheels for the root's CPython, as the installer pins them.
download_wheels() {
	local wheel=$1 pyver=$2 log=$LOGS/pip-download.log glibc platforms missing
	glibc=$(root_glibc)
	platforms=$(aarch64_platforms "$glibc")
	mkdir -p "$WHEELS"
	# shellcheck disable=SC2086 # one word per flag
	if ! "$HOST_VENV/bin/python" -m pip download --dest "$WHEELS" --only-binary=:all: \
		$platforms --implementation cp --python-version "$pyver" \
		--constraint "$CONSTRAINTS" "$wheel" >"$log" 2>&1; then
		grep '^ERROR' "$log" >&2 || tail -n 15 "$log" >&2
		missing=$(sed -n 's/.*No matching distribution found for \([A-Za-z0-9._-]*\).*/\1/p' "$log" |
			head -n 1)
		if [ -n "$missing" ]; then
			die "no aarch64 wheel on PyPI for '$missing' (CPython $pyver, glibc $glibc):" \
				"the edge box cannot install it on 64-bit ARM"
		fi
		die "pip download of the aarch64 wheels failed (log: $log)"
	fi
	rm -f "$WHEELS"/anju-*.whl # the project's own wheel is installed from this run's build
}

# Dependencies are installed once per (Python, requirements, constraints); the project's wheel
# is reinstalled every run.
install_in_root() {
	local wheel=$1 pyver=$2 key name
	name=$(basename "$wheel")
	key=$("$HOST_VENV/bin/python" - "$wheel" "$CONSTRAINTS" "$pyver" <<-'EOF'
		import hashlib, sys, zipfile
		wheel, constraints, pyver = sys.argv[1:]
		with zipfile.ZipFile(wheel) as z:
		    meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
		    requires = [l for l in z.read(meta).decode().splitlines() if l.startswith("Requires-Dist")]
		text = "\n".join([pyver, *requires, open(constraints, encoding="utf-8").read()])
		print(hashlib.sha256(text.encode()).hexdigest()[:16])
	EOF
	)
	mkdir -p "$ROOT$RUN_IN_ROOT/dist"
	cp "$wheel" "$ROOT$RUN_IN_ROOT/dist/"
	if [ "$(cat "$ROOT$VENV_IN_ROOT/.anju-deps" 2>/dev/null)" = "$key" ]; then
		say "venv in the root: dependencies cached ($VENV_IN_ROOT); reinstalling $name"
		in_root "$VENV_IN_ROOT/bin/pip" install --quiet --disable-pip-version-check --no-index \
			--no-deps --force-reinstall "$RUN_IN_ROOT/dist/$name"
	else
		say "venv in the root: installing $name and the aarch64 wheels (emulated pip, minutes)"
		[ ! -e "$ROOT$VENV_IN_ROOT" ] || rm -rf --one-file-system "$ROOT$VENV_IN_ROOT"
		# Hard links when the cache and the root share a filesystem: no copy of ~150 MB.
		cp -al "$WHEELS" "$ROOT$RUN_IN_ROOT/wheels" 2>/dev/null ||
			cp -a "$WHEELS" "$ROOT$RUN_IN_ROOT/wheels"
		in_root python3 -m venv "$VENV_IN_ROOT"
		cp "$CONSTRAINTS" "$ROOT$RUN_IN_ROOT/constraints.txt"
		interruptible in_root "$VENV_IN_ROOT/bin/pip" install --quiet --disable-pip-version-check --no-index \
			--find-links "$RUN_IN_ROOT/wheels" --constraint "$RUN_IN_ROOT/constraints.txt" \
			"$RUN_IN_ROOT/dist/$name" >"$LOGS/pip-install.log" 2>&1 || {
			tail -n 20 "$LOGS/pip-install.log" >&2
			die "installing into the arm64 venv failed (log: $LOGS/pip-install.log)"
		}
		in_root "$VENV_IN_ROOT/bin/pip" check --disable-pip-version-check
		printf '%s\n' "$key" >"$ROOT$VENV_IN_ROOT/.anju-deps"
	fi
}

# /proc/cpuinfo of a Raspberry Pi 4 (Cortex-A72) or 5 (Cortex-A76) with this host's CPU count.
board_cpuinfo() {
	local part variant revision features i
	case $ARM_CPU in
	cortex-a72) part=0xd08 variant=0x0 revision=3 features="fp asimd evtstrm crc32 cpuid" ;;
	cortex-a76)
		part=0xd0b variant=0x4 revision=1
		features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid"
		features+=" asimdrdm lrcpc dcpop asimddp"
		;;
	esac
	for ((i = 0; i < $(nproc --all); i++)); do
		printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\n' \
			"$i" "$features"
		printf 'CPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n' \
			"$variant" "$part" "$revision"
	done
}

mount_root() {
	mount -t proc proc "$ROOT/proc"
	mount -t sysfs sysfs "$ROOT/sys"
	mount --bind /dev "$ROOT/dev"
	if [ -n "$EMULATED" ]; then
		# qemu-user 7.2 shows arm64 programs the host's x86 /proc/cpuinfo; onnxruntime's cpuinfo
		# library, finding /sys too, crashes on it (SIGSEGV at import). Show it the board's.
		board_cpuinfo >"$CACHE/cpuinfo"
		mount --bind "$CACHE/cpuinfo" "$ROOT/proc/cpuinfo"
	fi
}

main() {
	host_tools
	mkdir -p "$CACHE" "$LOGS"
	# One check at a time per cache: a second one waits rather than sharing the root.
	exec 9>"$CACHE/.lock"
	flock -w 3600 9 || die "another arm-check holds $CACHE/.lock"
	rm -f "$LOGS"/*
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	say "cache: $CACHE${EMULATED:+; emulated CPU: $ARM_CPU}"
	build_root
	unmount_under "$ROOT" # a killed run may have left its mounts
	stop_root_processes
	[ ! -e "$ROOT$RUN_IN_ROOT" ] || rm -rf --one-file-system "$ROOT$RUN_IN_ROOT"
	mkdir -p "$ROOT$RUN_IN_ROOT"

	local pybin pyver wheel
	pybin=$(readlink "$ROOT/usr/bin/python3")
	pyver=${pybin#python}
	[[ "$pyver" =~ ^3\.[0-9]+$ ]] || die "unexpected python3 in the root: $pybin"
	say "building the project's wheel"
	wheel=$(build_wheel "$CACHE/dist")
	say "downloading aarch64 wheels for CPython $pyver into $WHEELS"
	download_wheels "$wheel" "$pyver"
	install_in_root "$wheel" "$pyver"

	# The models folder as the installer lays it out, and the example configs.
	mkdir -p "$ROOT$RUN_IN_ROOT/models" "$ROOT$RUN_IN_ROOT/examples"
	cp -a "$REPO/models/manifest.yaml" "$REPO/models/nanodet" "$REPO/models/reference" \
		"$ROOT$RUN_IN_ROOT/models/"
	cp -a "$REPO"/examples/edge*.yaml "$ROOT$RUN_IN_ROOT/examples/"

	mount_root
	local anju=$VENV_IN_ROOT/bin/anju
	in_root "$VENV_IN_ROOT/bin/python" - <<-'EOF'
		import platform, sys
		import cv2, numpy, onnxruntime
		assert platform.machine() == "aarch64", platform.machine()
		print(f"[arm-check] in the root: {platform.machine()}, Python {platform.python_version()},"
		      f" numpy {numpy.__version__}, opencv {cv2.__version__},"
		      f" onnxruntime {onnxruntime.__version__} {onnxruntime.get_available_providers()}")
	EOF
	say "anju models verify (8 reference images; 20-40 s each under emulation)"
	interruptible in_root "$anju" models verify --models-dir "$RUN_IN_ROOT/models"
	local example
	for example in "$ROOT$RUN_IN_ROOT"/examples/*.yaml; do
		say "anju edge check-config examples/$(basename "$example")"
		in_root "$anju" edge check-config "$RUN_IN_ROOT/examples/$(basename "$example")"
	done
	say "end-to-end: Mosquitto and the edge on arm64, the gateway on this host"
	interruptible "$HOST_VENV/bin/python" "$REPO/tests/machines/arm_e2e.py" --root "$ROOT" \
		--venv "$VENV_IN_ROOT" --run-dir "$RUN_IN_ROOT" --logs "$LOGS" ${EMULATED:+--qemu-cpu "$ARM_CPU"}
}

# Sourcing the file (to try one function) runs nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
