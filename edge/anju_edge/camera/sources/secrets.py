"""Camera secrets, read from the files the config names; only ever shown masked."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit


class SecretError(ValueError):
    """A secrets file is missing or malformed (the message never holds the secret)."""


def _resolve(path: Path, data_dir: Path) -> Path:
    return path if path.is_absolute() else data_dir / path


def read_password(path: Path, data_dir: Path) -> str:
    """The first line of ``path`` (relative paths: under ``data_dir``)."""
    full = _resolve(path, data_dir)
    try:
        text = full.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read the password file {full}: {type(exc).__name__}") from None
    password = text.splitlines()[0].strip() if text.strip() else ""
    if not password:
        raise SecretError(f"the password file {full} is empty")
    return password


def read_credentials(path: Path, data_dir: Path) -> tuple[str, str]:
    """``user:password`` from the first line of ``path``; the password may hold colons."""
    full = _resolve(path, data_dir)
    line = read_password(path, data_dir)
    user, sep, password = line.partition(":")
    if not sep or not user:
        raise SecretError(f"the credentials file {full} must hold one line 'user:password'")
    return user, password


def with_credentials(url: str, user: str, password: str) -> str:
    """``url`` with percent-encoded userinfo, for FFmpeg. Never log the result."""
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
