"""A test CA with Debian's openssl, and Debian's nginx serving the gateway's TLS site as the
installer renders it (deploy/ansible/roles/anju_gateway/templates/nginx-site.conf.j2)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from anju.netutil import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]
SITE_TEMPLATE = REPO / "deploy/ansible/roles/anju_gateway/templates/nginx-site.conf.j2"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


def make_ca(folder: Path, name: str = "ca") -> Pair:
    folder.mkdir(parents=True, exist_ok=True)
    ca = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN=Anju test CA {name}", "-keyout", str(ca.key), "-out", str(ca.cert),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return ca


def issue(ca: Pair, folder: Path, name: str, cn: str, client: bool = False) -> Pair:
    """A certificate for ``cn`` (a server name, or a box's name with client=True)."""
    pair = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    csr = folder / f"{name}.csr"
    ext = folder / f"{name}.ext"
    usage = "clientAuth" if client else "serverAuth"
    ext.write_text(
        f"basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\n"
        + ("" if client else f"subjectAltName=DNS:{cn},IP:127.0.0.1\n")
    )
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
             "-keyout", str(pair.key), "-out", str(csr))  # fmt: skip
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
             "-CAcreateserial", "-days", "2", "-extfile", str(ext),
             "-out", str(pair.cert))  # fmt: skip
    return pair


def rendered_site(
    server: Pair, upstream_port: int | list[int], port: int, client_ca: Path | None
) -> str:
    """The installer's nginx site for the gateway, on test ports (the port-80 redirect off),
    rendered with Jinja as Ansible renders it (trim_blocks), in front of one or more replicas."""
    import jinja2

    ports = upstream_port if isinstance(upstream_port, list) else [upstream_port]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True)
    text = env.from_string(SITE_TEMPLATE.read_text("utf-8")).render(
        ansible_managed="rendered by tests/support/tls.py",
        anju_gateway_server_name="localhost",
        anju_gateway_tls_certificate=str(server.cert),
        anju_gateway_tls_certificate_key=str(server.key),
        anju_gateway_ports=[str(p) for p in ports],
        anju_gateway_nginx_max_fails=2,
        anju_gateway_nginx_fail_timeout="10s",
    )
    text = text.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    if client_ca is not None:  # mTLS, as docs/delivery.md shows it
        mtls = f"    ssl_client_certificate {client_ca};\n    ssl_verify_client on;\n"
        text = text.replace("    ssl_protocols", mtls + "    ssl_protocols")
    return text


class Nginx:
    """Debian's nginx in the foreground with its own prefix, pid and temp folders."""

    def __init__(self, folder: Path, site: str) -> None:
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(exe).exists():
            pytest.fail("Debian's nginx is missing: run 'make test' as root (it installs it)")
        self.exe = exe
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        temps = "\n".join(
            f"    {k}_temp_path {folder}/{k};"
            for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log;
{temps}
{site}
}}
"""
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, port: int) -> Nginx:
        self.proc = subprocess.Popen(
            [self.exe, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port("127.0.0.1", port, timeout=15)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
