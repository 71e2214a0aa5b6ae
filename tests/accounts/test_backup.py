import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from grassroots.accounts.models import User


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("round trip runs on SQLite; PostgreSQL uses pg_dump/pg_restore")
    User.objects.create_user("kept", password=None)
    path = tmp_path / "db.sqlite3"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "已备份" in out.getvalue() and path.stat().st_size > 0
    User.objects.create_user("after_backup", password=None)
    User.objects.filter(username="kept").delete()
    call_command("restore", str(path), "--yes", stdout=io.StringIO())
    names = set(User.objects.values_list("username", flat=True))
    assert "kept" in names and "after_backup" not in names


@pytest.mark.django_db
def test_restore_refuses_missing_or_bad_files(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("restore", str(tmp_path / "none.sqlite3"), "--yes")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="不是有效的备份文件|损坏"):
            call_command("restore", str(bad), "--yes")


@pytest.mark.django_db
def test_backup_refuses_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("backup", str(tmp_path / "no" / "such" / "x.db"))
