"""TLS to the gateway: the pinned CA of the edge config (`gateway.ca_file`) and, for gateways
that ask for it, the box's client certificate (mTLS). One context for every HTTPS client the
edge opens to the gateway: uplink, heartbeat, gate console actions, sync and enrolment."""

from __future__ import annotations

import ssl

from anju_edge.config import GatewayLink


class TlsConfigError(ValueError):
    """A CA file or client certificate named in the config cannot be loaded."""


def tls_context(link: GatewayLink) -> ssl.SSLContext | None:
    """A verifying context for the gateway, or None for the defaults (no pinned CA, no client
    certificate: the system's CAs, as httpx and http.client use them)."""
    if link.ca_file is None and link.client_cert is None:
        return None
    for name in ("ca_file", "client_cert", "client_key"):
        path = getattr(link, name)
        if path is not None and not path.is_file():
            raise TlsConfigError(f"gateway TLS files: gateway.{name} {path} is not a readable file")
    try:
        # With cafile, only that file's CAs are trusted (create_default_context loads no others).
        ctx = ssl.create_default_context(cafile=str(link.ca_file) if link.ca_file else None)
        if link.client_cert is not None:
            ctx.load_cert_chain(
                str(link.client_cert), str(link.client_key) if link.client_key else None
            )
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigError(f"gateway TLS files: {exc}") from None
    return ctx
