"""Masking of personal IDs in free text and in log records (hub.privacy).

The rule is "never a full personal ID", whatever shape a school typed it in; the keys the hub
must show (MaTruong, MaHoSo, MaHocSinh of other lengths, the ministry's codes) stay readable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.privacy import mask_id, mask_logs, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("SoDinhDanh 036212065227 sai", "SoDinhDanh *********227 sai"),
        ("(gặp '36212065227')", "(gặp '********227')"),  # a number cell lost its zero
        ("(gặp '0362 1206 5227')", "(gặp '**** **** *227')"),
        ("(gặp '036-212-065-227')", "(gặp '***-***-***-227')"),
        ("(gặp '036.212.065.227')", "(gặp '***.***.***.227')"),
        ("036 212 065 227", "*** *** *** 227"),
        ("CMND 123456789.", "CMND ******789."),
        ("CCCD:079123456789", "CCCD:*********789"),
    ],
)
def test_every_shape_of_a_personal_id_keeps_only_its_last_three_digits(
    text: str, masked: str
) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "MaTruong 01000001",
        "MaHoSo 01000001-2024-2025-0000000001",
        "MaHoSo 01000001-2024-2025-00000000001",  # an 11-digit MaHocSinh inside MaHoSo
        "mã học sinh 0123456789",  # 10 digits: the commonest MaHocSinh
        "mã học sinh 36300010601001",  # 14 digits
        "ngày 14-03-2012, năm học 2024-2025, lúc 2025-09-30 08:00",
        "MaDinhDanhHocBa HB2024360000010000001, MaTiepNhan TN202509300000000001",
        "MaLoGui HUB-3f2a123456789abcdef",  # hex touching the digits
        "điểm 8.5 7.0 9.0, dòng 12, 15",
    ],
)
def test_codes_the_hub_must_show_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_mask_id_hides_every_character_but_the_last_three_digits() -> None:
    assert mask_id("079123456789") == "*********789"
    assert mask_id("B1234567") == "*****567"  # a passport number: letters hidden too
    assert mask_id("12345") == "***45"  # never more than all but three
    assert mask_id("123") == "***"


@pytest.fixture
def masked_logs() -> Iterator[None]:
    before = logging.getLogRecordFactory()
    mask_logs()
    try:
        yield
    finally:
        logging.setLogRecordFactory(before)


@pytest.mark.usefixtures("masked_logs")
@pytest.mark.parametrize("typed", ["36212065227", "0362 1206 5227", "036-212-065-227"])
def test_log_records_are_masked_messages_and_tracebacks(
    caplog: pytest.LogCaptureFixture, typed: str
) -> None:
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("hub.pipeline.worker")
    log.warning("plugin said: %s / %s", f"gặp {typed!r}", f"found {typed!r}")
    try:
        raise ValueError(f"cannot read {typed}")
    except ValueError:
        log.exception("stage %s failed unexpectedly", "check")
    assert "2120652" not in caplog.text.replace(" ", "").replace("-", "")
    assert "227" in caplog.text
    for record in caplog.records:
        assert typed not in record.getMessage()


def test_the_hub_command_masks_its_log_records() -> None:
    before = logging.getLogRecordFactory()
    try:
        assert CliRunner().invoke(main, ["plugins"]).exit_code == 0
        assert getattr(logging.getLogRecordFactory(), "masks_personal_ids", False)
        mask_logs()  # again: still one wrapper
        record = logging.getLogRecordFactory()(
            "x", logging.INFO, "f", 1, "%s", ("079123456789",), None
        )
        assert record.getMessage() == "*********789"
    finally:
        logging.setLogRecordFactory(before)


def test_an_error_a_command_prints_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli.sync import run_guarded
    from hub.pipeline.extract import SourceFailed

    def read() -> None:
        raise SourceFailed(
            "Nguồn excel lỗi khi đọc: ValueError: '0362 1206 5227'.",
            "Source excel failed while reading: ValueError: '0362 1206 5227'.",
        )

    with pytest.raises(SystemExit) as stopped:
        run_guarded(read)
    assert stopped.value.code == 7
    printed = capsys.readouterr().err
    assert "'**** **** *227'" in printed
    assert "0362 1206" not in printed
