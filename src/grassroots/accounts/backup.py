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


def backup(path: Path) -> int:
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise BackupError(f"目录不存在：{path.parent}")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        tmp = path.with_suffix(path.suffix + ".part")
        dest = sqlite3.connect(tmp)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        tmp.replace(path)
    elif connection.vendor == "postgresql":
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
