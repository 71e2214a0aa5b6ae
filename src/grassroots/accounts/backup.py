"""Backup and restore of the database (SECURITY.md: local backup and restore, tested by a round trip).

SQLite uses the online backup API, which copies a consistent snapshot while the server keeps running.
PostgreSQL uses pg_dump / pg_restore (custom format) when they are installed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

__all__ = ["BackupError", "backup", "restore"]


class BackupError(Exception):
    pass


def _sqlite_path() -> str:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite":
        raise BackupError("当前数据库不是 SQLite")
    return name


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = ["--host", s.get("HOST") or "localhost", "--port", str(s.get("PORT") or 5432)]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"未找到 {name}，请先安装 PostgreSQL 客户端工具（如 apt-get install postgresql-client）"
        )
    return path


def _create_private(path: Path) -> None:
    """An empty file only the owner can read: the backup holds personal data (encrypted) and more."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def keys_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".keys.txt")


def write_key_report(path: Path) -> list[dict]:
    """Beside the backup: which keys it needs (fingerprints only, never the keys), mode 0600."""
    from grassroots.core.keys import key_report

    rows = key_report()
    lines = [
        "本备份需要以下密钥才能完整恢复（此处只记录指纹，不含密钥本身）。",
        "请把这些密钥文件（或环境变量的值）与备份分开、妥善保存；缺少数据密钥，身份证号、手机号等个人信息将无法读取。",
        "",
        *[f"{r['name']}\t指纹 {r['fingerprint']}\t{r['where']}" for r in rows],
        "",
    ]
    target = keys_path(path)
    _create_private(target)
    target.write_text("\n".join(lines), encoding="utf-8")
    return rows


def backup(path: Path) -> int:
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise BackupError(f"目录不存在：{path.parent}")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        tmp = path.with_suffix(path.suffix + ".part")
        _create_private(tmp)
        try:
            dest = sqlite3.connect(tmp)
            try:
                connection.connection.backup(dest)
            finally:
                dest.close()
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    elif connection.vendor == "postgresql":
        _create_private(path)
        args, env = _pg_env()
        cmd = [
            _tool("pg_dump"),
            *args,
            "--format=custom",
            "--file",
            str(path),
            connection.settings_dict["NAME"],
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()[:500]}")
    else:
        raise BackupError(f"不支持的数据库类型：{connection.vendor}")
    return path.stat().st_size


def restore(path: Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    if connection.vendor == "sqlite":
        try:
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            ok = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            src.execute("SELECT count(*) FROM django_migrations").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"不是有效的备份文件：{exc}") from exc
        if not ok:
            src.close()
            raise BackupError("备份文件已损坏（完整性检查未通过）")
        connection.ensure_connection()
        try:
            src.backup(connection.connection)
        finally:
            src.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        cmd = [
            _tool("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--dbname",
            connection.settings_dict["NAME"],
            str(path),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败：{result.stderr.strip()[:500]}")
    else:
        raise BackupError(f"不支持的数据库类型：{connection.vendor}")
