"""Log records with the request id, and one JSON object per line when GRASSROOTS_LOG_JSON=1.

`RequestIdFilter` copies the current request id (core/context.py: the X-Request-ID of a web request,
"export-12" / "import-7" in a background job) onto every record; `JsonFormatter` writes
{"time", "level", "logger", "message", "request_id", "process", ...extra fields, "exc"} per line.
"""

from __future__ import annotations

import datetime
import json
import logging

from . import context

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = context.current().request_id
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or context.current().request_id,
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)
