"""Loading the YAML file, with errors that name the exact key path and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from anju_edge.config.model import EdgeConfig
from anju_edge.config.sources import mask_url


class ConfigError(ValueError):
    """Every problem in the file, one per line: ``cameras[0].zones[1].polygon: ...``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid configuration\n  " + "\n  ".join(problems))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _problem(err: dict[str, Any]) -> str:
    kind = err["type"]
    path = _path(err["loc"])
    if kind == "extra_forbidden":
        return f"{path}: unknown key (check the spelling; see docs/configuration.md)"
    if kind == "missing":
        return f"{path}: required key is missing"
    got = err.get("input")
    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    # A camera URL may carry a password: never echo it.
    return f"{path}: {err['msg']} (got {mask_url(shown)[:60]})"


def parse_config(data: object, source: str = "<config>") -> EdgeConfig:
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping of keys to values"])
    try:
        return EdgeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            source, [_problem(dict(e)) for e in exc.errors(include_url=False)]
        ) from None


def load_config(path: Path | str) -> EdgeConfig:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            str(path), [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from None
    config = parse_config(data, str(path))
    if not config.data_dir.is_absolute():
        config = config.model_copy(update={"data_dir": (path.parent / config.data_dir).resolve()})
    return config
