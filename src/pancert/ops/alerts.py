"""placeholder"""

from __future__ import annotations

import datetime as dt

from pancert.config import LoadedConfig
from pancert.ops.runlog import RunLog


def send_alerts(loaded: LoadedConfig, runlog: RunLog, now: dt.datetime) -> None:
    return None
