"""The conformance kit against the vnEdu source.

With the plugin's simulator installed (hub_vnedu.sim), the sample is the plugin's own
(`hub_vnedu.sample.sample_case`). Without it, the in-test fake vnEdu (tests/vnedu/fake.py,
written from the spec) serves a small generated school over real HTTP on loopback instead.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

from hub_vnedu.sample import CLIENT_ID, SECRET_ENV, future_cursor

from hub.api import SchoolLevel
from hub.testing import SampleCase, sample_transcripts, source_test_class

from .fake import FakeVnedu, serve
from .items import item_of, school_of


def fake_sample(folder: Path) -> Iterator[SampleCase]:
    """Six learners of a generated school on the fake vnEdu; one has a birth date no calendar
    holds and one has no personal ID, so the kit sees problems pointing at their records."""
    transcripts = sample_transcripts(SchoolLevel.LOWER_SECONDARY, 6, seed=3, per_class=3)
    fake = FakeVnedu(client_id=CLIENT_ID, any_secret=True)
    school = school_of(transcripts[0])
    fake.schools.append(school)
    items = [item_of(t, f"VN{school['ma_truong']}-{n:06d}") for n, t in enumerate(transcripts)]
    items[1]["ngay_sinh"] = "31/02/2012"
    items[2]["so_dinh_danh"] = None
    fake.students[school["ma_truong"]] = items
    for item in items[:4]:
        fake.documents[item["vnedu_id"]] = b"<HocBaSo/>"
    with serve(fake) as url:
        yield SampleCase(
            config={
                "base_url": url,
                "client_id": CLIENT_ID,
                "client_secret_env": SECRET_ENV,
                "years": ["2024-2025"],
            },
            rows_in=len(items),
            future_cursor=future_cursor([school["ma_truong"]]),
        )


def _sample() -> object:
    if importlib.util.find_spec("hub_vnedu.sim") is not None:
        from hub_vnedu.sample import sample_case

        return sample_case
    return fake_sample


TestVnedu = source_test_class("vnedu", _sample())  # type: ignore[arg-type]
