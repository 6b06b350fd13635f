"""docs/protocol.md and the contract models must not drift apart."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path
from typing import get_args

import pytest

import anju_contracts
from anju_contracts.common import Versioned, WireModel
from anju_contracts.feed import FeedEvent, FeedHello
from anju_contracts.webhook import WebhookBody

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def wire_models() -> list[type[WireModel]]:
    found: dict[str, type[WireModel]] = {}
    for info in pkgutil.iter_modules(anju_contracts.__path__):
        module = importlib.import_module(f"anju_contracts.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, WireModel)
                and obj not in (WireModel, Versioned)
                and obj.__module__ == module.__name__
            ):
                found[obj.__name__] = obj
    return sorted(found.values(), key=lambda m: m.__name__)


def sections() -> dict[str, str]:
    text = DOC.read_text("utf-8")
    parts = re.split(r"^##+ (.+?)\s*$", text, flags=re.M)  # any heading ends a section
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def examples() -> list[tuple[str, str]]:
    text = DOC.read_text("utf-8")
    return re.findall(r"```json (\w+)\n(.*?)```", text, flags=re.S)


MODELS = wire_models()


def test_models_are_discovered() -> None:
    assert {"GateEvent", "Alert", "Heartbeat", "EdgeSync"} <= {m.__name__ for m in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_documented(model: type[WireModel]) -> None:
    body = sections().get(model.__name__)
    assert body is not None, f"docs/protocol.md has no '### {model.__name__}' section"
    documented = set(re.findall(r"^\| `(\w+)` \|", body, flags=re.M))
    assert documented == set(model.model_fields), (
        f"{model.__name__}: documented {sorted(documented)} but the model has "
        f"{sorted(model.model_fields)}"
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_an_example(model: type[WireModel]) -> None:
    assert any(name == model.__name__ for name, _ in examples()), (
        f"docs/protocol.md has no ```json {model.__name__} example"
    )


@pytest.mark.parametrize("name,block", examples(), ids=[n for n, _ in examples()])
def test_examples_validate(name: str, block: str) -> None:
    model = {m.__name__: m for m in MODELS}.get(name)
    assert model is not None, f"example names unknown model {name}"
    model.model_validate(json.loads(block))


FEED_MODELS = [FeedHello, *get_args(FeedEvent)]


@pytest.mark.parametrize("model", FEED_MODELS, ids=lambda m: m.__name__)
def test_every_feed_event_is_in_the_feed_table(model: type[WireModel]) -> None:
    text = DOC.read_text("utf-8")
    table = text.split("### Live feed", 1)[1].split("### FeedHello", 1)[0]
    row = re.search(rf"^\| `{re.escape(model.EVENT)}` \|.*\[{model.__name__}\]", table, re.M)
    assert row, f"the live-feed table has no row for {model.EVENT} -> {model.__name__}"
    assert f"Event `{model.EVENT}`" in sections()[model.__name__]


def test_webhook_example_is_sorted_as_sent() -> None:
    block = dict(examples())["WebhookBody"]
    body = WebhookBody.model_validate(json.loads(block))
    assert json.loads(body.to_json()) == json.loads(block)
    assert list(json.loads(body.to_json())) == sorted(json.loads(block))
