"""core.crud's route factories and the one-line helpers of the API modules (no database)."""

from types import SimpleNamespace

from grassroots.core.api import given, pick
from grassroots.core.crud import path_params
from grassroots.core.resolvers import display, from_attr, masked


def test_path_params_are_typed_as_django_ninja_reads_them():
    assert path_params("/orgs/{code}/seats/{int:seat_id}") == {"code": str, "seat_id": int}
    assert path_params("/needs/") == {}


def test_from_attr_follows_a_dotted_path_and_stops_at_an_empty_relation():
    resolve = from_attr("party_org.region.code").__func__
    obj = SimpleNamespace(party_org=SimpleNamespace(region=SimpleNamespace(code="110101")))
    assert resolve(obj) == "110101"
    assert resolve(SimpleNamespace(party_org=None)) is None


def test_display_and_masked_are_static_resolvers():
    assert isinstance(display("state"), staticmethod)
    assert isinstance(masked("phone"), staticmethod)
    obj = SimpleNamespace(get_state_display=lambda: "办理中")
    assert display("state").__func__(obj) == "办理中"


def test_pick_and_given():
    payload = SimpleNamespace(title="t", note="", on=None)
    assert pick(payload, "title", "on") == {"title": "t", "on": None}

    class Rows:
        def filter(self, **kw):
            return kw

    assert given(Rows(), kind="duty", status=None, year=0, street="") == {"kind": "duty"}
