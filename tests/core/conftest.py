from __future__ import annotations


def register_unit_export() -> None:
    """An export kind over units for the lifecycle tests (also registered in the worker processes of
    test_processes.py by tests/core/opsapp.py)."""
    from grassroots.core import exports
    from grassroots.core.excel import Column
    from grassroots.units.models import Unit

    exports.register(
        "ops.units",
        "单位",
        "units.unit",
        lambda user, params: (Unit.objects.order_by("pk"), [Column("名称", "name")]),
        lambda user: True,
    )
