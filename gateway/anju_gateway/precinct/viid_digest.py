"""HTTP Digest (RFC 7616, MD5, ``qop=auth``) for what a precinct's upper system sends *to* us
(dispositions): it signs in with the user name and password of that precinct's link.

Nonces are stateless (issue time + HMAC with a key made at start), valid NONCE_TTL_S; an
older one is answered ``stale=true``. Each nonce's count must rise (a replay is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable

NONCE_TTL_S = 300.0
REALM = "anju"
_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestVerifier:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self, stale: bool = False) -> str:
        stamp = f"{time.time():.3f}"
        nonce = f"{stamp}:{self._sign(stamp)}"
        extra = ", stale=true" if stale else ""
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5{extra}'

    def verify(
        self, method: str, header: str, password_of: Callable[[str], str | None]
    ) -> tuple[str | None, bool]:
        """(the user name, False) when the header is right; (None, stale) otherwise."""
        if not header.lower().startswith("digest "):
            return None, False
        f = {k: a or b for k, a, b in _FIELD.findall(header)}
        nonce, user = f.get("nonce", ""), f.get("username", "")
        stamp, _, sig = nonce.partition(":")
        if not hmac.compare_digest(sig, self._sign(stamp)):
            return None, False
        try:
            if time.time() - float(stamp) > NONCE_TTL_S:
                return None, True
            nc = int(f.get("nc", "0"), 16)
        except ValueError:
            return None, False
        password = password_of(user)
        if password is None or f.get("qop") != "auth":
            return None, False
        ha1 = _md5(f"{user}:{REALM}:{password}")
        ha2 = _md5(f"{method}:{f.get('uri')}")
        want = _md5(f"{ha1}:{nonce}:{f.get('nc')}:{f.get('cnonce')}:auth:{ha2}")
        if not hmac.compare_digest(want, f.get("response", "")):
            return None, False
        with self._lock:
            if nc <= self._counts.get(nonce, 0):
                return None, False
            self._counts[nonce] = nc
            if len(self._counts) > 10_000:  # forget the oldest (their nonces are stale anyway)
                for old in sorted(self._counts)[:5_000]:
                    del self._counts[old]
        return user, False
