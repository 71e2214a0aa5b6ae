"""Schemathesis over /api/v1/openapi.json, through the WSGI app, as a city administrator and as a
community administrator, each with a Bearer token (issue 14.10: 0 responses ≥ 500 for either).

Checks: no 5xx and every response conforms to the documented schema. Examples are bounded (a few per
operation, derandomized, each sent with both tokens: as many requests as 4 examples with one token
before) so the run stays within a few minutes.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from grassroots.wsgi import application
from tests.examples import examples

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Schemathesis calls the WSGI app directly, whose request signals would close the test database
    connection after every request; Django's own test client disconnects them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


ROLES = ("city_admin", "community_admin")


@pytest.fixture
def tokens(w):
    return [w.tokens[role] for role in ROLES]


@schema.parametrize()
@settings(
    max_examples=examples(2),
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_fails(case, tokens):
    for token in tokens:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
