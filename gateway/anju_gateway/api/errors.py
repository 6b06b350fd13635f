"""The shape of a refusal, as the OpenAPI document publishes it.

FastAPI describes every 422 as ``HTTPValidationError`` whose ``detail`` is a list of field
problems. That is what a schema refusal answers; but a route that checks meaning after the
schema (a plate without its province, a date range over a year) answers 422 with one sentence
in ``detail``. The published schema says both, so clients and the API fuzzer can trust it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

_DETAIL = {
    "title": "Detail",
    "description": (
        "A list of field problems when the request does not match the schema; one sentence "
        "when it matches but its meaning is refused."
    ),
    "anyOf": [
        {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
        {"type": "string"},
    ],
}


def publish_error_shape(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare 422's ``detail`` as a list of problems or a sentence."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if error is not None:
            error["properties"]["detail"] = _DETAIL
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
