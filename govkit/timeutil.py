"""UTC timestamps as govkit writes them: RFC 3339 with a Z, millisecond precision."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def rfc3339(moment: dt.datetime | None = None) -> str:
    """'2026-11-21T04:45:00.123Z'."""
    moment = (moment or utc_now()).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def midnight(day: str | dt.date) -> str:
    """'2026-11-21' (or a date or a longer stamp) -> '2026-11-21T00:00:00.000Z'."""
    text = day.isoformat() if isinstance(day, dt.date) else day
    return f"{text[:10]}T00:00:00.000Z"


def compact_stamp(stamp: str) -> str:
    """'2026-11-21T04:45:00.123Z' -> '20261121T044500Z': sortable and safe in file names."""
    return stamp[:19].replace("-", "").replace(":", "") + "Z"


def parse_rfc3339(text: str) -> dt.datetime:
    """Parse what rfc3339() writes (and any ISO 8601 form with an offset or Z)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def iso_week(moment: dt.datetime | dt.date) -> str:
    """'2026-W47'."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
