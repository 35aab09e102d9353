"""One JSON object per log line on stdout, so that log shippers need no parsing rules."""

import json
import logging
import os
from datetime import UTC, datetime

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# supervisord names each of its programs in their environment; `make run` prints every
# program's lines to one terminal, where this tells them apart.
PROGRAM = os.environ.get("SUPERVISOR_PROCESS_NAME", "")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if PROGRAM:
            entry["program"] = PROGRAM
        # Fields passed with `extra=` become top-level keys.
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
