"""Property-based API testing: schemathesis generates requests from the OpenAPI schema; none may be a server error."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = 20


def test_api_has_no_server_errors(app) -> None:  # type: ignore[no-untyped-def]
    """Every operation, signed in with an API token of a sales manager scoped to one province and of an admin,
    and anonymously (401); each operation gets ``EXAMPLES`` generated requests."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    db = app.state.services.db
    tokens = [db.create_token("zj", "fuzz"), db.create_token("boss", "fuzz")]
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]
    checked: list[str] = []
    for op in operations:

        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=op.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            for token in tokens:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                assert response.status_code < 500, (
                    case.method,
                    case.formatted_path,
                    case.query,
                    response.text[:500],
                )
            anonymous = case.call()
            assert anonymous.status_code == 401, (case.method, case.formatted_path, anonymous.status_code)

        run()
        checked.append(op.label)
    assert any("/api/query" in label for label in checked) and any("analysis" in label for label in checked)
