"""[[schedules]] and [serve] in config.toml: checked when the file is read, errors exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_config
from hub.config_schedules import JOB_NAMES
from hub.errors import UsageError
from hub.jobs.operations import JobKind

BASE = """
[ministry]
unit = "SO01"
username = "SO01"

[[sources]]
name = "vnedu"
plugin = "vnedu"

[[sources]]
name = "smas"
plugin = "smas"
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_config(path)


def _refused(tmp_path: Path, text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        _load(tmp_path, text)
    return caught.value


def test_a_schedule_loads_with_its_defaults(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[[schedules]]\nname = "nightly"\ncron = "0 1 * * *"\njob = "sync"\n'
        'sources = ["vnedu", "smas"]\nyears = ["2024-2025"]\n',
    )
    (nightly,) = config.schedules
    assert (nightly.name, nightly.cron, nightly.job) == ("nightly", "0 1 * * *", "sync")
    assert nightly.timezone == "Asia/Ho_Chi_Minh"
    assert nightly.sources == ["vnedu", "smas"]
    assert nightly.schools is None
    assert config.serve.host == "127.0.0.1"
    assert config.serve.concurrency == 1


def test_the_job_names_are_the_job_kinds() -> None:
    assert set(JOB_NAMES) == {kind.value for kind in JobKind}


@pytest.mark.parametrize(
    ("cron", "english", "vietnamese"),
    [
        ("0 25 * * *", "hour: 25 — accepts 0–23, *, lists, ranges, steps", "giờ: 25 — nhận 0–23"),
        ("61 1 * * *", "minute: 61 — accepts 0–59", "phút: 61 — nhận 0–59"),
        ("0 1 0 * *", "day of month: 0 — accepts 1–31", "ngày trong tháng: 0"),
        ("0 1 * 13 *", "month: 13 — accepts 1–12, jan–dec", "tháng: 13"),
        ("0 1 * * 8", "day of week: 8 — accepts 0–7 (0 and 7: Sunday), sun–sat", "thứ trong tuần"),
        ("0 5-1 * * *", "hour: 5-1 — accepts", "giờ: 5-1"),
        ("*/0 * * * *", "minute: */0 — accepts", "phút: */0"),
        ("*/2 * * * * *", "expected exactly 5 fields", "cần đúng 5 trường"),
        ("0 1 * *", "found 4", "gặp 4"),
    ],
)
def test_a_bad_cron_is_refused_naming_its_field(
    tmp_path: Path, cron: str, english: str, vietnamese: str
) -> None:
    error = _refused(tmp_path, f'[[schedules]]\nname = "n"\ncron = "{cron}"\njob = "sync"\n')
    assert "schedules.0.cron" in error.message_en
    assert "config.toml" in error.message_en
    assert english in error.message_en
    assert vietnamese in error.message_vi
    assert "accepts" not in error.message_vi  # the Vietnamese line is Vietnamese


@pytest.mark.parametrize(
    ("entry", "key", "english"),
    [
        ('timezone = "Asia/Hanoi_City"', "schedules.0.timezone", "not an IANA time zone"),
        ('job = "backup"', "schedules.0.job", "expected one of sync, retry-rejected, signing"),
        ('sources = ["moet"]', "schedules", "no source 'moet' in [[sources]] (known: smas, vnedu)"),
        ('schools = ["123"]', "schedules.0.schools", "must have 8 digits"),
        ('years = ["2024-2026"]', "schedules.0.years", "YYYY-YYYY"),
        ('every = "day"', "schedules.0.every", "not a key of the hub's configuration"),
    ],
)
def test_a_bad_schedule_key_is_refused_with_its_key(
    tmp_path: Path, entry: str, key: str, english: str
) -> None:
    job = "" if entry.startswith("job") else 'job = "sync"\n'
    error = _refused(tmp_path, f'[[schedules]]\nname = "n"\ncron = "0 1 * * *"\n{job}{entry}\n')
    assert f"`{key}`" in error.message_en
    assert english in error.message_en


def test_two_schedules_of_one_name_are_refused(tmp_path: Path) -> None:
    entry = '[[schedules]]\nname = "nightly"\ncron = "0 1 * * *"\njob = "sync"\n'
    error = _refused(tmp_path, entry + entry)
    assert "schedules.1.name = 'nightly' is schedules.0's already" in error.message_en
    assert "mỗi lịch một tên" in error.message_vi


def test_serve_refuses_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[serve]\nhots = "0.0.0.0"\n')
    assert "`serve.hots`" in error.message_en
    assert "concurrency, host" in error.message_en
    error = _refused(tmp_path, "[serve]\nconcurrency = 0\n")
    assert "`serve.concurrency`" in error.message_en
