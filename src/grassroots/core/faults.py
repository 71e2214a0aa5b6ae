"""Faults of the machine rather than of the request: a full or read-only disk, a busy database.

`classify(exc)` recognises them anywhere in an exception's chain; the 500 handler
(core/error_views.server_error) then answers 503 with a Chinese message (and Retry-After when
waiting helps) instead of a bare 500, and logs one error line naming the cause. Nothing is changed
by such a request: the service's transaction rolls back, and file writers clean up
(`write_file_atomic`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("grassroots.faults")

STORAGE_FULL = "服务器存储空间不足，本次操作没有保存。请联系管理员。"
STORAGE_READONLY = "服务器存储目前为只读状态，本次操作没有保存。请联系管理员。"
DATABASE_BUSY = "系统正忙，本次操作没有保存，请稍后重试。"
DATABASE_DOWN = "数据库暂时无法连接，本次操作没有保存，请稍后重试。"

# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available, lock/statement timeout.
_PG_BUSY = {"40001", "40P01", "55P03", "57014"}
_PG_FULL = {"53100"}  # disk_full
_PG_READONLY = {"25006"}  # read_only_sql_transaction (a standby, or default_transaction_read_only)


@dataclass(frozen=True)
class Fault:
    status: int
    title: str
    detail: str
    cause: str
    retry_after: int | None = None

    @property
    def headers(self) -> dict:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(exc: BaseException | None) -> Fault | None:
    from django.db import InterfaceError, OperationalError

    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return Fault(503, "存储空间不足", STORAGE_FULL, f"{errno.errorcode[e.errno]}: {e}")
        if isinstance(e, OSError) and e.errno == errno.EROFS:
            return Fault(503, "存储只读", STORAGE_READONLY, f"EROFS: {e}")
        sqlstate = getattr(e, "sqlstate", None)
        if sqlstate in _PG_FULL:
            return Fault(503, "存储空间不足", STORAGE_FULL, f"PostgreSQL {sqlstate}: {e}")
        if sqlstate in _PG_READONLY:
            return Fault(503, "存储只读", STORAGE_READONLY, f"PostgreSQL {sqlstate}: {e}")
        if sqlstate in _PG_BUSY:
            return Fault(503, "系统繁忙", DATABASE_BUSY, f"PostgreSQL {sqlstate}: {e}", retry_after=5)
        if sqlstate and sqlstate.startswith("08"):
            return Fault(503, "服务暂时不可用", DATABASE_DOWN, f"PostgreSQL {sqlstate}: {e}", retry_after=10)
        if isinstance(e, OperationalError | InterfaceError) or type(e).__module__.startswith("sqlite3"):
            text = str(e).lower()
            if "database or disk is full" in text:
                return Fault(503, "存储空间不足", STORAGE_FULL, f"SQLite: {e}")
            if "readonly database" in text or "read-only" in text:
                return Fault(503, "存储只读", STORAGE_READONLY, f"SQLite: {e}")
            if "database is locked" in text or "database table is locked" in text or "is busy" in text:
                return Fault(503, "系统繁忙", DATABASE_BUSY, f"SQLite: {e}", retry_after=5)
            if "connection" in text and ("refused" in text or "closed" in text or "failed" in text):
                return Fault(
                    503, "服务暂时不可用", DATABASE_DOWN, f"database connection: {e}", retry_after=10
                )
    return None


def log_fault(fault: Fault, where: str) -> None:
    logger.error("%s refused with %s: %s", where, fault.status, fault.cause)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename, so a full or
    read-only disk never leaves a truncated or 0-byte file under the final name (nor a temp file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_quietly(paths) -> None:
    for p in paths:
        try:
            Path(p).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # cleanup must not hide the original error
            logger.warning("could not remove %s: %s", p, exc)


@contextlib.contextmanager
def storage_guard(where: str):
    """Turn a full or read-only disk inside the block into a ServiceError (status 503) with the Chinese
    message, after logging the cause; other errors pass through unchanged."""
    from .errors import ServiceError

    try:
        yield
    except OSError as exc:
        fault = classify(exc)
        if fault is None:
            raise
        log_fault(fault, where)
        raise ServiceError(fault.detail, status=fault.status) from exc


def user_message(exc: BaseException | None, default: str) -> str:
    """The Chinese message for a background job that failed with `exc` (storage/database faults named)."""
    fault = classify(exc)
    return fault.detail if fault else default
