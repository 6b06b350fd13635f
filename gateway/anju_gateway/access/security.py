"""Secrets: random tokens stored hashed, passwords hashed with argon2."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_enrol_code() -> str:
    # Installers type it: 12 characters of an alphabet without look-alikes, in groups of 4.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def normalise_enrol_code(code: str) -> str:
    return code.strip().upper().replace(" ", "")


def token_hash(token: str) -> str:
    """Tokens are 256-bit random, so a plain SHA-256 is a safe lookup key (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A real hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)
