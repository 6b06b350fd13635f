"""The one CSV download: what the gateway's report and analytics exports and the gate
console's pass log export answer."""

from __future__ import annotations

import csv
import io

from starlette.responses import Response

# A text cell starting with one of these is a formula to a spreadsheet program (=HYPERLINK(...),
# +cmd|..., -, @SUM(...), and tab or CR ahead of them): CSV injection.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with a single quote (shown as
    text, the quote hidden); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_download(name: str, rows: list[list[object]]) -> Response:
    """CSV with CRLF lines and a BOM, so spreadsheet programs open the Chinese text as UTF-8;
    no text cell can start a formula (:func:`safe_cell`)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [[safe_cell(cell) for cell in row] for row in rows]
    )
    return Response(
        ("\ufeff" + buf.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
