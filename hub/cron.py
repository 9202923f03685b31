"""Five-field cron expressions, as config.toml's [[schedules]] write them: checked and translated.

    minute  hour  day-of-month  month  day-of-week
    0–59    0–23  1–31          1–12   0–7 (0 and 7: Sunday) or jan–dec / sun–sat

Each field takes `*`, a number or a name, a range `a-b`, a step `*/n` or `a-b/n`, and lists
of those (`1,15,30`). A field that breaks these rules is refused naming the field, the value
found and what the field accepts, in Vietnamese and English, so a typo in config.toml stops
the hub when the file is read rather than at 1 a.m.

Why not hand the text to APScheduler as written: APScheduler 3 numbers the days of the week
from Monday = 0 (its issue 286), cron from Sunday = 0, so `0 1 * * 0` would run on Mondays.
`apscheduler_crontab` gives APScheduler the same expression with the day of the week spelled
as names (`sun,wed`), which both read alike. When day of month and day of week are both
restricted, APScheduler fires on days matching both (classic cron: either); docs/operations.md
says so.

A leaf: it imports nothing of the hub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True, slots=True)
class _Field:
    name_en: str
    name_vi: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for low, low + 1, ...

    def accepts(self) -> tuple[str, str]:
        vi = en = f"{self.low}–{self.high}"
        if self.name_en == "day of week":
            vi, en = f"{vi} (0 và 7: Chủ nhật), sun–sat", f"{en} (0 and 7: Sunday), sun–sat"
        elif self.names:
            vi, en = (
                f"{vi}, {self.names[0]}–{self.names[-1]}",
                f"{en}, {self.names[0]}–{self.names[-1]}",
            )
        return (
            f"nhận {vi}, *, danh sách, khoảng, bước",
            f"accepts {en}, *, lists, ranges, steps",
        )


FIELDS = (
    _Field("minute", "phút", 0, 59),
    _Field("hour", "giờ", 0, 23),
    _Field("day of month", "ngày trong tháng", 1, 31),
    _Field("month", "tháng", 1, 12, _MONTHS),
    _Field("day of week", "thứ trong tuần", 0, 7, (*_DAYS, "sun")),
)

_PART = re.compile(r"^(?P<range>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>\d+))?$")


class CronError(ValueError):
    """A cron expression config.toml cannot use, said in both languages."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


def _value(field: _Field, text: str) -> int | None:
    if text.isdigit():
        number = int(text)
        return number if field.low <= number <= field.high else None
    if text in field.names:
        return field.low + field.names.index(text)
    return None


def _expand(field: _Field, text: str) -> set[int]:
    """The values one field selects; raises CronError naming the field."""
    values: set[int] = set()
    for part in text.lower().split(","):
        match = _PART.match(part)
        if match is None:
            raise _refused(field, text)
        span, step_text = match["range"], match["step"]
        if span == "*":
            first, last = field.low, field.high
        else:
            ends = [_value(field, end) for end in span.split("-")]
            if None in ends:
                raise _refused(field, text)
            first, last = ends[0] or 0, ends[-1] or 0
            if len(ends) == 1 and step_text:  # `5/15`: from 5 to the field's end, every 15
                last = field.high
            if first > last:
                raise _refused(field, text)
        step = int(step_text) if step_text else 1
        if step < 1:
            raise _refused(field, text)
        values.update(range(first, last + 1, step))
    return values


def _refused(field: _Field, found: str) -> CronError:
    vi, en = field.accepts()
    return CronError(f"{field.name_vi}: {found} — {vi}", f"{field.name_en}: {found} — {en}")


def check_cron(expression: str) -> list[set[int]]:
    """The values each of the five fields selects.

    Raises:
        CronError: not five fields, or a field out of its range or not of the forms above.
    """
    parts = expression.split()
    if len(parts) != len(FIELDS):
        return _wrong_count(len(parts))
    return [_expand(field, part) for field, part in zip(FIELDS, parts, strict=True)]


def _wrong_count(found: int) -> list[set[int]]:
    raise CronError(
        f"cần đúng 5 trường (phút giờ ngày-trong-tháng tháng thứ-trong-tuần), gặp {found}",
        f"expected exactly 5 fields (minute hour day-of-month month day-of-week), found {found}",
    )


def apscheduler_crontab(expression: str) -> str:
    """The same schedule for APScheduler 3's `CronTrigger.from_crontab`: day of week by name.

    Raises:
        CronError: as `check_cron`.
    """
    values = check_cron(expression)
    days = {d % 7 for d in values[4]}
    parts = expression.split()
    if len(days) < 7:
        parts[4] = ",".join(_DAYS[d] for d in sorted(days))
    else:
        parts[4] = "*"
    return " ".join(parts)
