"""The analytics page (警情分析): filters, inline SVG charts, 环比/同比 tables, CSV links."""

from __future__ import annotations

from datetime import date

from anju_gateway.reports.analytics import Summary
from anju_gateway.web.pages import Viewer, render
from anju_gateway.web.words import KIND, WORDS, Lang, kind_word


def _inline(svg_text: str) -> str:
    return svg_text.split("?>", 1)[1] if svg_text.startswith("<?xml") else svg_text


def render_analytics(
    *,
    lang: Lang,
    viewer: Viewer,
    scope: str,
    start: date,
    last: date,
    by: str,
    compound_id: str | None,
    kind: str | None,
    names: dict[str, str],
    heatmap_svg: str,
    trend_svg: str,
    summary: Summary,
) -> str:
    w = WORDS[lang]
    filters = {"from": start.isoformat(), "to": last.isoformat(), "by": by}
    filters |= {"compound_id": compound_id or "", "kind": kind or ""}
    return render(
        "analytics.html",
        lang=lang,
        viewer=viewer,
        path="/analytics",
        here={**filters, "month": summary.month},
        active="analytics",
        scope=scope,
        start=start.isoformat(),
        last=last.isoformat(),
        by=by,
        compound_id=compound_id,
        kind_id=kind,
        filters=filters,
        compounds=[("", w["all_compounds"]), *sorted(names.items())],
        kinds=[("", w["all_kinds"]), *KIND[lang].items()],
        bys=[
            ("compound_kind", w["by_compound_kind"]),
            ("compound", w["by_compound_only"]),
            ("kind", w["by_kind_only"]),
        ],
        heatmap_svg=_inline(heatmap_svg),
        trend_svg=_inline(trend_svg),
        summary=summary,
        total_label=lambda c: w["all"],
        kind_label=lambda c: kind_word(c.key, lang),
        compound_label=lambda c: c.label,
    )
