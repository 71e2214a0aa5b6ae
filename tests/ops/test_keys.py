"""Item 7: a data key of its own (never the secret key), old keys, rotation, unreadable values, backup."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from grassroots.core import crypto
from grassroots.party.models import Member

SHOW_KEYS = (
    "import json, grassroots.settings as s; print(json.dumps({'data': s.DATA_KEY, 'old': s.DATA_KEYS_OLD,"
    " 'lookup': s.DATA_LOOKUP_KEY, 'secret': s.SECRET_KEY, 'notices': s.KEY_NOTICES}))"
)


def _settings_in(var: Path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_")}
    out = subprocess.run(
        [sys.executable, "-c", SHOW_KEYS],
        env={**clean, "GRASSROOTS_VAR": str(var), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_install_generates_a_data_key_of_its_own(tmp_path):
    first = _settings_in(tmp_path)
    assert first["data"] and first["data"] != first["secret"] and first["secret"] not in first["data"]
    assert first["old"] == [] and first["notices"] == []
    assert first["lookup"] not in (first["secret"], first["data"])
    for name in ("data_key", "lookup_key", "secret_key"):
        assert _mode(tmp_path / name) == 0o600
    assert _settings_in(tmp_path) == first  # stable across restarts
    # Rotating the secret key leaves the data key alone.
    assert _settings_in(tmp_path, GRASSROOTS_SECRET_KEY="another")["data"] == first["data"]


def test_existing_install_keeps_the_secret_derived_key_as_an_old_key(tmp_path):
    (tmp_path / "secret_key").write_text("the-old-secret")
    got = _settings_in(tmp_path)
    assert got["data"] != "the-old-secret"
    assert got["old"] == ["the-old-secret"]  # data encrypted before stays readable
    assert got["lookup"] == "the-old-secret"  # stored lookup hashes stay valid
    assert any("rotate_data_key" in n for n in got["notices"])
    assert _mode(tmp_path / "data_keys_old") == 0o600
    again = _settings_in(tmp_path)
    assert again["old"] == ["the-old-secret"] and again["notices"] == []  # only once


def test_environment_keys(tmp_path):
    got = _settings_in(
        tmp_path, GRASSROOTS_DATA_KEY="k-new", GRASSROOTS_DATA_KEYS_OLD="k-a, k-b", GRASSROOTS_LOOKUP_KEY="lk"
    )
    assert (got["data"], got["old"], got["lookup"]) == ("k-new", ["k-a", "k-b"], "lk")
    assert not (tmp_path / "data_key").exists()


def _raw(member, column="id_number") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM party_member WHERE id = %s", [member.pk])
        return cursor.fetchone()[0]


def _set_raw(member, token: str, column="id_number"):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE party_member SET {column} = %s WHERE id = %s", [token, member.pk])


@pytest.mark.django_db
def test_unreadable_value_is_shown_logged_and_never_saved_back(city, settings, caplog):
    member = city.members[0]
    foreign = crypto.fernet_for("a-key-nobody-has").encrypt(b"370202199001011234").decode()
    _set_raw(member, foreign)
    hash_before = Member.objects.get(pk=member.pk).id_number_hash
    with caplog.at_level(logging.ERROR, logger="grassroots.crypto"):
        m = Member.objects.get(pk=member.pk)
    assert m.id_number == "〔无法解密〕"
    assert any("cannot decrypt" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "无法解密" in str(exc.value)
    m.name = "改名"
    m.save()  # an unrelated edit keeps the stored ciphertext and hash
    assert _raw(member) == foreign
    assert Member.objects.get(pk=member.pk).id_number_hash == hash_before
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(foreign, strict=True)


@pytest.mark.django_db
def test_rotate_data_key_re_encrypts_everything_and_lookups_still_work(city, settings):
    members = list(Member.objects.order_by("pk"))
    settings.DATA_KEY, settings.DATA_KEYS_OLD = "old-key", []
    for m in members:
        m.phone = "13800000000"
        m.save()
    plain = {m.pk: Member.objects.get(pk=m.pk).id_number for m in members}
    hashes = dict(Member.objects.values_list("pk", "id_number_hash"))
    settings.DATA_KEY, settings.DATA_KEYS_OLD = "new-key", ["old-key"]
    assert Member.objects.get(pk=members[0].pk).id_number == plain[members[0].pk]  # old key still reads
    out = io.StringIO()
    call_command("rotate_data_key", "--batch", "2", stdout=out)
    assert f"重新加密 {2 * len(members)} 项" in out.getvalue()
    new = crypto.fernet_for("new-key")
    for m in members:
        assert new.decrypt(_raw(m).encode()).decode() == plain[m.pk]
        assert new.decrypt(_raw(m, "phone").encode()).decode() == "13800000000"
    settings.DATA_KEYS_OLD = []  # the old key is no longer needed
    assert {m.pk: m.id_number for m in Member.objects.all()} == plain
    assert dict(Member.objects.values_list("pk", "id_number_hash")) == hashes
    some = members[0]
    assert Member.objects.filter(id_number_hash=crypto.lookup_hash(plain[some.pk])).get().pk == some.pk
    again = io.StringIO()
    call_command("rotate_data_key", stdout=again)
    assert "重新加密 0 项" in again.getvalue()


@pytest.mark.django_db
def test_rotate_new_key_in_var(city, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("GRASSROOTS_DATA_KEY", raising=False)
    settings.VAR_DIR = tmp_path
    member = Member.objects.get(pk=city.members[0].pk)
    settings.DATA_KEY, settings.DATA_KEYS_OLD = "var-key-1", [settings.DATA_KEY]
    member.save()
    plain = Member.objects.get(pk=member.pk).id_number
    call_command("rotate_data_key", "--new", stdout=io.StringIO())
    key = (tmp_path / "data_key").read_text().strip()
    assert key not in ("var-key-1", "") and key == settings.DATA_KEY
    assert _mode(tmp_path / "data_key") == 0o600 and _mode(tmp_path / "data_keys_old") == 0o600
    assert "var-key-1" in (tmp_path / "data_keys_old").read_text().splitlines()
    assert crypto.fernet_for(key).decrypt(_raw(member).encode()).decode() == plain


@pytest.mark.django_db(transaction=True)  # SQLite's online backup waits for an open write transaction
def test_backup_writes_key_fingerprints_and_private_files(tmp_path, settings):
    if connection.vendor == "postgresql":
        import shutil

        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump is not installed")
    settings.DATA_KEY, settings.DATA_KEYS_OLD, settings.DATA_LOOKUP_KEY = "dk-secret", ["ok-secret"], "lk"
    path = tmp_path / "b.db"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    keys = tmp_path / "b.db.keys.txt"
    assert _mode(path) == 0o600 and _mode(keys) == 0o600
    text = keys.read_text()
    assert crypto.fingerprint("dk-secret") in text and crypto.fingerprint("ok-secret") in text
    assert "dk-secret" not in text and "ok-secret" not in text
    said = out.getvalue()
    assert "请务必另行妥善保存" in said and "数据密钥" in said and "旧数据密钥" in said
