"""`hub validate`: findings per document as text or JSON, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.document.build import build_document
from hub.gen import GenSettings, generate
from hub.gen.results import derive_secondary
from hub.model import SchoolLevel, SecondaryResults

CASES = Path(__file__).parents[1] / "cases" / "documents"
VALID = (CASES / "lower-secondary-grade-7" / "document.xml").read_bytes()
SCHEMA_INVALID = VALID.replace(b"<CapHoc>03</CapHoc>", b"<CapHoc>07</CapHoc>")
RULE_INVALID = VALID.replace(b"<DTB>2.9</DTB>", b"<DTB>3.9</DTB>")
DAY = ["--today", "2026-09-01"]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Every golden document, one of them in a subfolder, and a file that is not XML."""
    for case in CASES.iterdir():
        if (case / "document.xml").is_file():
            shutil.copy(case / "document.xml", tmp_path / f"{case.name}.xml")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "again.xml").write_bytes(VALID)
    (tmp_path / "notes.txt").write_text("not a document")
    return tmp_path


def test_valid_folder_exits_0_and_lists_every_document(folder: Path) -> None:
    code, out, err = _run(str(folder), *DAY)
    assert code == 0, out + err
    listed = [line.split(": ")[0] for line in out.splitlines() if not line.startswith(" ")]
    expected = sorted(str(p) for p in folder.rglob("*.xml"))
    assert listed == expected  # recursive, *.xml only, stable order
    assert "notes.txt" not in out
    assert err == ""


def test_document_with_an_error_exits_1_and_prints_the_finding(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(SCHEMA_INVALID)
    good = tmp_path / "good.xml"
    good.write_bytes(VALID)
    code, out, _ = _run(str(good), str(bad), *DAY)
    assert code == 1
    assert f"{good}: OK" in out
    assert f"{bad}: CÓ LỖI / HAS ERRORS" in out
    assert "  HB002 error /HocBaSo/DLHocBa/TTChung/CapHoc" in out
    assert "Giá trị '07' không hợp lệ" in out  # Vietnamese
    assert "Found '07'; expected one of" in out  # and English


def test_json_format_lists_files_and_findings(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(RULE_INVALID)
    (tmp_path / "b.xml").write_bytes(VALID)
    code, out, _ = _run("--format", "json", str(tmp_path), *DAY)
    assert code == 1
    documents = json.loads(out)
    assert [d["file"] for d in documents] == [str(tmp_path / "a.xml"), str(tmp_path / "b.xml")]
    assert documents[1]["findings"] == []
    finding = next(
        f
        for f in documents[0]["findings"]
        if f["xpath"] == "/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB"
    )
    assert set(finding) == {"code", "severity", "xpath", "message_vi", "message_en"}
    assert finding["code"] == "HB201"
    assert finding["severity"] == "error"


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    # A learner under 18 with no parent or guardian is a warning, not an error.
    document = re.sub(rb"\s*<Me>.*?</Me>", b"", VALID, flags=re.S)
    assert b"<Me>" not in document
    path = tmp_path / "orphan.xml"
    path.write_bytes(document)
    code, out, _ = _run("--format", "json", str(path), *DAY)
    findings = json.loads(out)[0]["findings"]
    assert findings, "expected a warning"
    assert {f["severity"] for f in findings} == {"warning"}
    assert code == 0


def test_missing_path_exits_2_with_a_bilingual_message(tmp_path: Path) -> None:
    (tmp_path / "good.xml").write_bytes(VALID)
    code, out, err = _run(str(tmp_path / "good.xml"), str(tmp_path / "missing.xml"), *DAY)
    assert code == 2
    assert "missing.xml: không tìm thấy tệp hay thư mục / no such file or folder" in err
    assert "good.xml: OK" in out  # the other documents are still checked


def test_unreadable_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.xml"
    locked.write_bytes(VALID)
    real_open = Path.open

    def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.xml":  # permissions cannot stop root, so refuse here
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    code, _, err = _run(str(locked), *DAY)
    assert code == 2
    assert "locked.xml: không đọc được tệp (Permission denied)" in err
    assert "cannot read the file (Permission denied)" in err


def test_folder_without_documents_exits_2(tmp_path: Path) -> None:
    (tmp_path / "looks-like.xml").mkdir()  # a folder, not a document
    (tmp_path / "notes.txt").write_text("x")
    code, out, err = _run(str(tmp_path), *DAY)
    assert code == 2
    assert out == ""
    assert "thư mục không có tài liệu .xml nào / the folder holds no .xml document" in err


def test_usage_errors_exit_2() -> None:
    code, _, err = _run()
    assert code == 2
    assert "PATHS" in err
    code, _, _ = _run("--format", "yaml", "x.xml")
    assert code == 2
    code, _, _ = _run("--today", "22/11/2026", "x.xml")
    assert code == 2


def test_oversized_file_is_hb001_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(VALID + b"<!--" + b"x" * (3 * 1024 * 1024) + b"-->")
    code, out, _ = _run("--format", "json", str(big), *DAY)
    assert code == 1
    (finding,) = json.loads(out)[0]["findings"]
    assert finding["code"] == "HB001"
    assert "2 MB" in finding["message_en"]


def test_a_grade_7_document_without_tin_hoc_is_hb202_not_ok(tmp_path: Path) -> None:
    """Issue 14: a grade-7 class file without its "Tin học" sheet gave 12 subjects, and
    `hub validate` said OK; version 1.0.1 wants every compulsory subject of the grade."""
    settings = GenSettings(seed=11, levels=(SchoolLevel.LOWER_SECONDARY,), learners_per_class=1)
    transcript = next(
        g.transcript
        for g in generate(settings)
        if g.transcript.header.grade == 7 and g.transcript.results is not None
    )
    results = transcript.results
    assert isinstance(results, SecondaryResults)
    kept = tuple(s for s in results.subjects if s.code != "TIN")
    assert len(kept) == 12
    derived = derive_secondary(
        kept,
        (results.training.semester1, results.training.semester2),
        results.absences,
        results.training.after_summer,
        results.homeroom_comment,
    )
    path = tmp_path / "7A1-without-tin.xml"
    path.write_bytes(build_document(replace(transcript, results=derived)))
    day = ["--today", settings.today.isoformat()]
    code, out, _ = _run(str(path), *day)
    assert code == 1, out
    assert f"{path}: CÓ LỖI / HAS ERRORS" in out
    assert "  HB202 error /HocBa/DLHocBa/KetQuaHocTap" in out
    assert "Tin học (TIN)" in out
    code, out, _ = _run("--format", "json", str(path), *day)
    (entry,) = json.loads(out)
    assert [(f["code"], f["severity"], f["xpath"]) for f in entry["findings"]] == [
        ("HB202", "error", "/HocBa/DLHocBa/KetQuaHocTap")
    ]
