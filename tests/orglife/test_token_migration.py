"""The migrations that hash the calendar feed tokens: a plain token written before them keeps working
(looked up by hash) and the plain column is gone (orglife and venues)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from grassroots.core.feedtokens import digest


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("app", "before", "after"),
    [
        ("orglife", "0002_branch_life", "0004_calendartoken_drop_plain"),
        ("venues", "0003_booking_activity", "0005_calendartoken_drop_plain"),
    ],
)
def test_plain_tokens_of_an_old_database_are_hashed(app, before, after, django_user_model):
    executor = MigrationExecutor(connection)
    executor.migrate([(app, before)])
    old = executor.loader.project_state([(app, before)]).apps.get_model(app, "CalendarToken")
    user = django_user_model.objects.create(username=f"{app}-subscriber")
    old.objects.create(user_id=user.pk, token="plain-token-issued-before")
    executor = MigrationExecutor(connection)
    executor.migrate([(app, after)])

    from django.apps import apps

    model = apps.get_model(app, "CalendarToken")
    row = model.objects.get(user=user)
    assert row.token_hash == digest("plain-token-issued-before")
    assert model.user_for("plain-token-issued-before") == user  # the URL handed out still works
    assert model.user_for(row.token_hash) is None  # the stored digest is not a token
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, model._meta.db_table)
    columns = [c.name for c in table]
    assert "token" not in columns and "token_hash" in columns
