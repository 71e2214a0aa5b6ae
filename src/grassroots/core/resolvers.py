"""One-line resolvers for the API's output schemas (django-ninja `resolve_<field>` static methods).

Output schemas repeated the same three-line resolvers: the code or name of a related object (None
where the relation is empty), the label of a choice, a masked personal field. Each is now one line:

    class MemberOut(Schema):
        party_org_code: str
        room: str
        resolve_party_org_code = from_attr("party_org.code")
        resolve_room = masked("room")

django-ninja calls static resolvers only, so each factory returns a staticmethod.
"""

from __future__ import annotations

from typing import Any


def from_attr(path: str) -> Any:
    """The value at a dotted attribute path ("party_org.code", "committee.community.name"); None as soon
    as a step is empty (a nullable relation not set)."""
    steps = path.split(".")

    def resolve(obj):
        for step in steps:
            obj = getattr(obj, step)
            if obj is None:
                return None
        return obj

    return staticmethod(resolve)


def display(field: str) -> Any:
    """The label of a choice field (`get_<field>_display()`)."""
    return staticmethod(lambda obj: getattr(obj, f"get_{field}_display")())


def masked(field: str) -> Any:
    """A personal field, masked (core.personal.masked_value; unmask: /api/v1/personal/unmask)."""
    from .personal import masked_value

    return staticmethod(lambda obj: masked_value(obj, field))
