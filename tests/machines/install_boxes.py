"""Blank Debian 12 boxes for the installer's check, booted with systemd-nspawn on a private bridge.

One pristine root is built with debootstrap and cached OUTSIDE the clone (CI checks out a fresh
clone on the same machine): `$ANJU_INSTALL_CHECK_CACHE`, else
`${XDG_CACHE_HOME:-~/.cache}/anju/install-check`. It holds what a freshly flashed box has and
nothing the installer installs: systemd, python3, openssh-server, sudo and the user `pi` with
password-less sudo (as Raspberry Pi Imager sets it up). Every run starts each box from an overlay
of that root with an empty upper layer, so the boxes are blank every time; the pristine root is
never written. Downloaded .deb files are kept across runs in the cache's `apt-archives/`,
bind-mounted where apt keeps its downloads; the dependency wheels in `wheels/` (see wheelhouse()).

Network: a bridge on the host (10.219.19.1/24 by default) and, per box, a network namespace with
one end of a veth pair and a static address. The boxes reach each other and the host, nothing
else (no route off the bridge; the host forwards nothing): apt and pip go through the host's
allowlisting proxy (install_proxy.py). Their Mosquitto, nginx and gateway never meet the host's.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUITE = "bookworm"
PACKAGES = ("systemd", "systemd-sysv", "dbus", "python3", "openssh-server", "sudo")
# Bump when the pristine recipe changes without the package list changing.
RECIPE_VERSION = "1"
BRIDGE = "anjuic0"


def cache_dir() -> Path:
    explicit = os.environ.get("ANJU_INSTALL_CHECK_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "anju" / "install-check"


def run(*cmd: str | Path, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], check=check, text=True, capture_output=True, **kw)  # type: ignore[call-overload, no-any-return]


def host_mirror() -> str:
    """The Debian mirror of the host's own apt sources (deb.debian.org when none is found)."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    return "http://deb.debian.org/debian"


def pristine_root(cache: Path) -> Path:
    """The cached blank root, built with debootstrap (about a minute) when missing or stale."""
    mirror = host_mirror()
    key = hashlib.sha256(f"{RECIPE_VERSION}:{SUITE}:{PACKAGES}:{mirror}".encode()).hexdigest()
    root = cache / f"pristine-{key[:12]}"
    if (root / ".anju-pristine").exists():
        return root
    for stale in cache.glob("pristine-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = cache / f"building-{key[:12]}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.monotonic()
    log.info("building the pristine %s root with debootstrap from %s", SUITE, mirror)
    run(
        "debootstrap",
        "--variant=minbase",
        "--include=" + ",".join(PACKAGES),
        SUITE,
        tmp,
        mirror,
    )
    # The user a freshly imaged Raspberry Pi has: pi, password-less sudo, no password login.
    run("chroot", tmp, "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", "pi")
    sudoers = tmp / "etc/sudoers.d/010_pi-nopasswd"
    sudoers.write_text("pi ALL=(ALL) NOPASSWD: ALL\n", "utf-8")
    sudoers.chmod(0o440)
    run("chroot", tmp, "apt-get", "clean")
    for lists in (tmp / "var/lib/apt/lists").glob("*_*"):
        lists.unlink()
    # Each box gets its own machine id at boot and its own SSH host keys per run.
    (tmp / "etc/machine-id").write_text("", "utf-8")
    (tmp / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    for hostkey in (tmp / "etc/ssh").glob("ssh_host_*"):
        hostkey.unlink()
    (tmp / ".anju-pristine").write_text(f"{SUITE} {' '.join(PACKAGES)} {mirror}\n", "utf-8")
    tmp.rename(root)
    log.info("pristine root ready in %.0f s", time.monotonic() - started)
    return root


WHEELHOUSE_IN_BOX = "/var/cache/anju-check-wheels"


def wheelhouse(cache: Path, wheel: Path, constraints: Path) -> Path:
    """The project's dependency wheels, downloaded once per set of pinned versions.

    PyPI's files come here without cache headers, so pip's own cache keeps nothing between runs;
    instead the boxes' pip gets this folder as `find-links` (as the host's pip has /opt/wheels),
    bind-mounted read-only. pip still asks PyPI's index; files found here are not downloaded.
    """
    key = hashlib.sha256(constraints.read_bytes()).hexdigest()[:12]
    house = cache / "wheels"
    stamp = house / f".complete-{key}"
    if stamp.exists():
        return house
    house.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    pip = Path(__file__).resolve().parents[2] / ".venv/bin/pip"
    run(pip, "download", "--quiet", "--dest", house, "--constraint", constraints, wheel)
    for own in house.glob("anju-*.whl"):
        own.unlink()
    for old in house.glob(".complete-*"):
        old.unlink()
    stamp.write_text("", "utf-8")
    log.info("wheelhouse filled in %.0f s", time.monotonic() - started)
    return house


@dataclass
class Box:
    name: str  # the inventory host name, also the box's hostname
    short: str  # names the namespace and veth: anjuic-<short>
    ip: str
    run_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    mounted: bool = False
    extra_hosts: list[str] = field(default_factory=list)

    @property
    def netns(self) -> str:
        return f"anjuic-{self.short}"

    @property
    def root(self) -> Path:
        return self.run_dir / "root"


def prepare_root(box: Box, pristine: Path, pubkey: str, proxy_url: str) -> str:
    """Overlay the pristine root and give the box what its site provides; return its known_hosts
    lines. Only the network's side is written: name, addresses, SSH key, proxy, apt sources, CAs."""
    for sub in ("upper", "work", "root"):
        (box.run_dir / sub).mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={pristine},upperdir={box.run_dir / 'upper'},workdir={box.run_dir / 'work'}"
    run("mount", "-t", "overlay", "overlay", "-o", opts, box.root)
    box.mounted = True
    r = box.root
    (r / "etc/hostname").write_text(box.name + "\n", "utf-8")
    hosts = ["127.0.0.1 localhost", f"127.0.1.1 {box.name}", *box.extra_hosts]
    (r / "etc/hosts").write_text("\n".join(hosts) + "\n", "utf-8")
    run("ssh-keygen", "-A", "-f", r)
    known = []
    for pub in sorted((r / "etc/ssh").glob("ssh_host_*_key.pub")):
        kind, key = pub.read_text("utf-8").split()[:2]
        known.append(f"{box.ip} {kind} {key}")
    uid, gid = _ids(r, "pi")
    ssh = r / "home/pi/.ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text(pubkey, "utf-8")
    (ssh / "authorized_keys").chmod(0o600)
    for p in (ssh, ssh / "authorized_keys"):
        os.chown(p, uid, gid)
    _site_config(r, proxy_url)
    return "\n".join(known) + "\n"


def _ids(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text("utf-8").splitlines():
        parts = line.split(":")
        if parts[0] == user:
            return int(parts[2]), int(parts[3])
    raise LookupError(f"no user {user} in {root}")


def _site_config(r: Path, proxy_url: str) -> None:
    """The host's apt sources, pip settings and CA certificates, with the proxy as the way out."""
    apt = r / "etc/apt"
    (apt / "sources.list").write_text("", "utf-8")
    for src in Path("/etc/apt/sources.list.d").glob("*.sources"):
        shutil.copy(src, apt / "sources.list.d" / src.name)
    if Path("/etc/apt/sources.list").exists():
        shutil.copy("/etc/apt/sources.list", apt / "sources.list")
    (apt / "apt.conf.d/80anju-check-proxy").write_text(
        f'Acquire::http::Proxy "{proxy_url}";\nAcquire::https::Proxy "{proxy_url}";\n'
        'Acquire::http::Pipeline-Depth "0";\n',
        "utf-8",
    )
    pip = configparser.ConfigParser()
    pip.read("/etc/pip.conf")
    if not pip.has_section("global"):
        pip.add_section("global")
    pip.set("global", "proxy", proxy_url)
    pip.set("global", "find-links", WHEELHOUSE_IN_BOX)
    with (r / "etc/pip.conf").open("w", encoding="utf-8") as f:
        pip.write(f)
    if Path("/etc/xdg/pip").is_dir():
        shutil.copytree("/etc/xdg/pip", r / "etc/xdg/pip", dirs_exist_ok=True)
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if bundle.exists():
        (r / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle, r / "etc/ssl/certs/ca-certificates.crt")
    local = Path("/usr/local/share/ca-certificates")
    if local.is_dir():
        shutil.copytree(local, r / "usr/local/share/ca-certificates", dirs_exist_ok=True)


def bridge_up(host_ip: str) -> None:
    bridge_down()
    run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "add", f"{host_ip}/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")


def bridge_down() -> None:
    run("ip", "link", "del", BRIDGE, check=False)


def netns_up(box: Box) -> None:
    netns_down(box)
    ns = box.netns
    run("ip", "netns", "add", ns)
    run("ip", "link", "add", ns, "type", "veth", "peer", "name", "host0", "netns", ns)
    run("ip", "link", "set", ns, "master", BRIDGE, "up")
    run("ip", "-n", ns, "addr", "add", f"{box.ip}/24", "dev", "host0")
    run("ip", "-n", ns, "link", "set", "host0", "up")
    run("ip", "-n", ns, "link", "set", "lo", "up")


def netns_down(box: Box) -> None:
    run("ip", "link", "del", box.netns, check=False)
    run("ip", "netns", "del", box.netns, check=False)


def boot(box: Box, cache: Path) -> None:
    for sub in ("apt-archives/partial", "wheels"):
        (cache / sub).mkdir(parents=True, exist_ok=True)
    console = (box.run_dir / "console.log").open("wb")
    box.proc = subprocess.Popen(
        [
            "systemd-nspawn",
            "--directory",
            str(box.root),
            "--boot",
            "--register=no",
            "--keep-unit",
            f"--machine={box.name}",
            f"--network-namespace-path=/run/netns/{box.netns}",
            f"--bind={cache / 'apt-archives'}:/var/cache/apt/archives",
            f"--bind-ro={cache / 'wheels'}:{WHEELHOUSE_IN_BOX}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=console,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(box: Box, timeout: float = 40) -> None:
    """Power the box off (nspawn turns SIGTERM into an orderly shutdown), then kill if stuck."""
    proc = box.proc
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not power off in %.0f s: killing it", box.name, timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    box.proc = None
    if box.mounted:
        for _ in range(10):
            if run("umount", box.root, check=False).returncode == 0:
                break
            time.sleep(1)
        else:
            run("umount", "--lazy", box.root, check=False)
        box.mounted = False
    netns_down(box)
