"""Stage 3, check: the learner look-up (TraCuuHocSinh); the rules run in the workers.

The rules (hub.rules.check_transcript) run in the worker processes, next to build and sign,
because they are CPU work per document (hub.pipeline.worker). The look-up runs in the main
process before a chunk goes to the workers: one TraCuuHocSinh call answers up to 1,000
learners, and an identity mismatch (the main cause of rejections, ministry-service.md) then
becomes a problem at the source cell *before* anything is signed or sent, while the school can
still fix it.

Answers are cached for the run (a learner met twice is asked once), in a bounded LRU so that
a province-sized run keeps bounded memory. When the ministry cannot be reached the look-up is
skipped with a warning for the rest of the run: the ministry checks identity again on receipt.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence

from hub import xpath
from hub.findings import Finding, error, has_errors
from hub.ministry import MinistryService
from hub.ministry.errors import GaveUp, Retryable
from hub.ministry.messages import LearnerQuery, LearnerRecord
from hub.model import Transcript
from hub.pipeline.commit import InFlight
from hub.pipeline.intake import Work

log = logging.getLogger(__name__)

CACHE_SIZE = 10_000
"""Learners whose answer is kept; beyond it the oldest is asked again if met again."""


class LearnerLookup:
    """TraCuuHocSinh with a per-run cache; `findings()` compares learners with the answers.

    Args:
        service: the ministry; None switches the look-up off (a dry run, an offline run).
        cache_size: how many answers to keep.
    """

    def __init__(self, service: MinistryService | None, cache_size: int = CACHE_SIZE) -> None:
        self._service = service
        self._cache: OrderedDict[str, LearnerRecord | None] = OrderedDict()
        self._cache_size = cache_size
        self.calls = 0
        self.skipped_reason: str | None = None if service is not None else "off"

    def findings(self, transcripts: Sequence[Transcript]) -> list[list[Finding]]:
        """For each transcript, the identity findings of the sector database (HB103–HB105).

        Raises:
            Fatal: the ministry refused the credentials or answered outside the contract.
        """
        if self._service is None or self.skipped_reason is not None:
            return [[] for _ in transcripts]
        missing = sorted({t.learner.learner_code for t in transcripts} - set(self._cache))
        if missing:
            try:
                answers = self._service.look_up([LearnerQuery(learner_code=c) for c in missing])
            except (GaveUp, Retryable) as exc:
                self.skipped_reason = str(exc)
                log.warning(
                    "Bỏ qua tra cứu học sinh (Bộ không trả lời): %s / Learner look-up skipped "
                    "for this run (the ministry is unreachable)",
                    exc.code,
                )
                return [[] for _ in transcripts]
            self.calls += 1
            for code, answer in zip(missing, answers, strict=True):
                self._remember(code, answer)
        return [identity_findings(t, self._cache.get(t.learner.learner_code)) for t in transcripts]

    def _remember(self, code: str, answer: LearnerRecord | None) -> None:
        self._cache[code] = answer
        self._cache.move_to_end(code)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _same_name(a: str, b: str) -> bool:
    # The ministry compares names in NFC, whitespace collapsed, case-insensitively.
    def norm(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).split()).casefold()

    return norm(a) == norm(b)


def identity_findings(transcript: Transcript, found: LearnerRecord | None) -> list[Finding]:
    """What the ministry would reject for identity, judged from the look-up's answer."""
    learner, header = transcript.learner, transcript.header
    if found is None:
        return [
            error(
                "HB103",
                xpath.learner("MaHocSinh"),
                f"Mã học sinh {learner.learner_code} không có trong cơ sở dữ liệu ngành; kiểm "
                f"tra lại mã trong tệp nguồn.",
                f"MaHocSinh {learner.learner_code} is not in the sector database; check the code "
                f"in the source.",
            )
        ]
    checks = [
        (
            "SoDinhDanh",
            "Số định danh",
            (learner.personal_id or None) == (found.personal_id or None),
        ),
        ("HoVaTen", "Họ và tên", _same_name(learner.full_name, found.full_name)),
        ("NgaySinh", "Ngày sinh", learner.birth_date == found.birth_date),
        ("GioiTinh", "Giới tính", learner.sex.value == found.sex),
    ]
    findings = [
        error(
            "HB104",
            xpath.learner(name),
            f"{label} khác với cơ sở dữ liệu ngành (TraCuuHocSinh); sửa ở tệp nguồn hoặc nhờ "
            f"Sở sửa cơ sở dữ liệu.",
            f"{name} differs from the sector database (TraCuuHocSinh); fix the source, or have "
            f"the department fix the database.",
        )
        for name, label, same in checks
        if not same
    ]
    # The answer is the *current* enrolment: only a same-year answer can show another school.
    if found.school_year == header.school_year and found.school != header.school_code:
        findings.append(
            error(
                "HB105",
                xpath.header("MaTruong"),
                f"Theo cơ sở dữ liệu ngành, năm học {header.school_year} học sinh học ở trường "
                f"{found.school}, không phải {header.school_code}.",
                f"The sector database has the learner at school {found.school} in "
                f"{header.school_year}, not {header.school_code}.",
            )
        )
    return findings


def look_up(lookup: LearnerLookup, work: Sequence[Work]) -> tuple[list[InFlight], list[InFlight]]:
    """The check stage's parent half for a chunk: (learners to hand on, learners stopped).

    Each learner becomes an `InFlight` (what the parent remembers while the workers have it)
    carrying the look-up's findings; those whose identity disagrees with the sector database
    are stopped here, before anything is signed, with the cell to fix.
    """
    answers = lookup.findings([w.mapped.transcript for w in work])
    ahead: list[InFlight] = []
    stopped: list[InFlight] = []
    for item, found in zip(work, answers, strict=True):
        flight = InFlight(
            item.answer.record_id,
            item.answer.batch_id,
            item.answer.state,
            item.answer.ma_ho_so,
            item.mapped.school_code,
            item.mapped.school_year,
            item.mapped.record.source_ref,
            list(found),
            item.mapped.raw,
            item.mapped.mapping,
        )
        (stopped if has_errors(found) else ahead).append(flight)
    return ahead, stopped
