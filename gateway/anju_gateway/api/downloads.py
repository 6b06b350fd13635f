"""The CSV download the report and analytics exports answer: the one in
:mod:`anju_common.downloads`, shared with the gate console's pass-log export."""

from __future__ import annotations

from anju_common.downloads import FORMULA_START, csv_download, safe_cell

__all__ = ["FORMULA_START", "csv_download", "safe_cell"]
