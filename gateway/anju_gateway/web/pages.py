"""The frame of the server-rendered pages: Jinja2 templates (web/templates/) with autoescape.

Every value reaches the HTML through a template, escaped by Jinja2 unless a template marks it
``|safe`` (only the charts, which web/reports' SVG writer escapes itself). The pages carry no
inline script or style: they use the console's stylesheet plus ``pages.css`` and ``pages.js``
(the language toggle), all under /console, so the Content-Security-Policy stays strict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from anju_gateway.web.words import (
    HTML_LANG,
    ROLE,
    SEVERITY,
    STATE,
    TIME_ZONE,
    WORDS,
    Lang,
    kind_word,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, as the header shows them."""

    name: str
    role: str


def local_time(ts: str | None, tz: str, fmt: str = "%m-%d %H:%M") -> str:
    if not ts:
        return ""
    return datetime.fromisoformat(ts).astimezone(ZoneInfo(tz)).strftime(fmt)


def zone_word(tz: str, lang: Lang) -> str:
    """北京时间 for Asia/Shanghai; another zone as its UTC offset now (UTC+05:00)."""
    if tz in TIME_ZONE[lang]:
        return TIME_ZONE[lang][tz]
    offset = datetime.now(ZoneInfo(tz)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def query(params: dict[str, str], **extra: str) -> str:
    """A query string for a link: the page's filters, the empty ones left out."""
    return urlencode({k: v for k, v in {**params, **extra}.items() if v})


def render(
    template: str, *, lang: Lang, viewer: Viewer, path: str, here: dict[str, str], **context: Any
) -> str:
    """``here``: the page's own query (date, filters), for the language toggle to keep."""
    words = WORDS[lang]
    return ENV.get_template(template).render(
        lang=lang,
        html_lang=HTML_LANG[lang],
        w=words,
        kind=lambda k: kind_word(k, lang),
        severity=lambda s: SEVERITY[lang].get(s, s),
        state=lambda s: STATE[lang].get(s, s),
        viewer_name=viewer.name,
        viewer_role=ROLE[lang].get(viewer.role, viewer.role),
        # The console's tabs this role has (admin.js shows 布控 and 管理 the same way).
        sees_watch=viewer.role in ("admin", "supervisor", "officer"),
        sees_admin=viewer.role == "admin",
        path=path,
        here=here,
        keep={"lang": "en"} if lang == "en" else {},
        query=query,
        pct=pct,
        **context,
    )
