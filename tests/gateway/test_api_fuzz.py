"""API fuzzing: schemathesis drives every route of the running gateway from its own OpenAPI,
with a valid officer session (and an edge token on the edge routes). No answer may be a 5xx,
and every answer must match the schema the gateway publishes.

`make test` runs a bounded number of examples per route; `make fuzz` runs many more
(ANJU_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error, response_schema_conformance

from anju_contracts import utcnow
from anju_gateway.edges.enrolment import enrol
from tests.support.servers import GatewayServer

EXAMPLES = int(os.environ.get("ANJU_FUZZ_EXAMPLES", "12"))
# The live feed and the sync long-poll answer with streams that do not end; logout would end
# the very session the fuzzer works with.
NOT_FUZZED = r"^/api/v1/(live|edge/sync|auth/logout)$"


@pytest.fixture(scope="module")
def fuzzed_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    gw = GatewayServer(Path(tmp_path_factory.mktemp("fuzz"))).start()
    try:
        gw.add_compound("c1", "p1", name="安居示范小区")
        gw.add_user("officer", role="officer", precinct_id="p1")
        officer = gw.login("officer").headers["Authorization"]
        edge = enrol(gw.db, code=gw.enrol_code("c1"), hostname="fuzz", now=utcnow()).token
        yield {"url": gw.url, "officer": officer, "edge": f"Bearer {edge}"}
    finally:
        gw.stop()


def fuzzer(operation: APIOperation, url: str, token: str) -> Callable[[], None]:
    """Hypothesis test of one route: cases from its schema, checked as they come back."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=url,
            headers={"Authorization": token},
            checks=[not_a_server_error, response_schema_conformance],
            timeout=10,
        )

    return fuzz  # type: ignore[no-any-return]


def test_no_route_answers_5xx_or_outside_its_schema(fuzzed_gateway: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_gateway['url']}/openapi.json")
    schema = schema.exclude(path_regex=NOT_FUZZED)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        edge_route = operation.path.startswith("/api/v1/edge/")
        fuzz = fuzzer(
            operation, fuzzed_gateway["url"], fuzzed_gateway["edge" if edge_route else "officer"]
        )
        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # every route is tried; all reported
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert operations >= 30, f"only {operations} routes fuzzed"
    assert failures == [], "\n\n".join(failures)
