"""The one CSV download: what the report and analytics exports answer."""

from __future__ import annotations

import csv
import io

from starlette.responses import Response


def csv_download(name: str, rows: list[list[object]]) -> Response:
    """CSV with CRLF lines and a BOM, so spreadsheet programs open the Chinese text as UTF-8."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return Response(
        ("\ufeff" + buf.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
