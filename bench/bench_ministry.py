"""Documents per second accepted end to end through the client and the sandbox, on loopback.

    .venv/bin/python bench/bench_ministry.py [--documents N] [--batch 500]

Prepares N signed primary documents of one school first (not timed: generated, built, signed
with a test PKI by GVCN, HT and DV, each personal signature by the person the document names),
then starts the real sandbox
(uvicorn on 127.0.0.1, SQLite state, the full document checks: parse, schema, signatures,
trust, roles, rules, identity against the roster, duplicates) and sends the documents with
the real client in submissions of `--batch` (≤ 500), polling each receipt to DA_XU_LY. Prints
documents/s accepted from the first NopHocBa to the last result, and the split between
sending and checking. Client and sandbox share this process (and its GIL).

Primary documents, because 500 per submission must fit in 20 MB: a signed secondary document
carries a GVBM signature per subject, each with its certificate chain, ≈ 75 KB, so at most
≈ 270 of them fit in one submission (`--level 03` measures those, in submissions of 250).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from lxml import etree

from hub.cli.demo_province import people_of
from hub.document.build import build_document
from hub.gen import GenSettings, generate
from hub.ministry.client import Credentials, MinistryClient, PollPolicy
from hub.ministry.messages import Document, Submission
from hub.model import GRADES, SchoolLevel
from hub.sandbox import Account, Accounts, Roster, SandboxConfig, running
from hub.sandbox.roster import Enrolment
from hub.signing.named import named_person
from hub.signing.pki import TestPki, make_test_pki
from hub.signing.profile import Role
from hub.signing.providers import PeopleKeys
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import sign_document

DOC = "urn:moet:hocbaso:1"


def _sign(data: bytes, people: PeopleKeys, seal: MemoryProvider) -> bytes:
    """Every role, each personal one by the person the document names (version 1.0.1)."""
    tree = etree.ElementTree(etree.fromstring(data))
    data_root = tree.getroot()[0]
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for subject in data_root.iterfind(f"{{{DOC}}}KetQuaTrungHoc/{{{DOC}}}MonHoc"):
        teacher = people.signer_for(named_person(subject, Role.GVBM))  # type: ignore[arg-type]
        code = subject.get("MaMon")
        sign_document(tree, Role.GVBM, teacher, subject_code=code, signing_time=when)
    for role in (Role.GVCN, Role.HT, Role.DV):
        when += dt.timedelta(minutes=1)
        person = named_person(data_root, role) if role is not Role.DV else None
        key = people.signer_for(person) if person is not None else seal
        sign_document(tree, role, key, signing_time=when)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def prepare(
    count: int, level: SchoolLevel, folder: Path
) -> tuple[TestPki, list[Document], list[Enrolment], str, str]:
    classes = -(-count // (len(GRADES[level]) * 40))  # classes of 40 in every grade
    settings = GenSettings(
        seed=99,
        levels=(level,),
        classes_per_grade=classes,
        learners_per_class=40,
        today=dt.date(2025, 6, 30),
        foreign_rate=0.0,
        exempt_rate=0.0,
    )
    items = [i for i in generate(settings) if i.transcript.results is not None][:count]
    school, year = items[0].transcript.header.school_code, items[0].transcript.header.school_year
    with_results = [i.transcript for i in items]
    pki = make_test_pki(folder / "pki", school_code=school, people=people_of(with_results))
    people, seal = pki.people_keys(), MemoryProvider(pki["school"].key, pki["school"].chain)
    documents = [
        Document(i.transcript.header.record_id, _sign(build_document(i.transcript), people, seal))
        for i in items
    ]
    roster = [Enrolment.model_validate(i.roster.as_json()) for i in items if i.roster is not None]
    return pki, documents, roster, school, year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=None, help="default: 500 (03: 250)")
    parser.add_argument("--level", default="02", choices=["02", "03"], help="CapHoc")
    args = parser.parse_args()
    level = SchoolLevel(args.level)
    args.batch = args.batch or (500 if level.is_primary else 250)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        pki, documents, roster, school, year = prepare(args.documents, level, folder)
        size = sum(len(d.content) for d in documents) / len(documents) / 1024
        took = time.perf_counter() - started
        print(f"prepared {len(documents)} signed documents (≈ {size:.0f} KB each) in {took:.1f} s")
        config = SandboxConfig(
            state=folder / "sandbox.db",
            roster=Roster(roster),
            trust=pki.trust_dir,
            accounts=Accounts([Account.with_password("so36", "bench", ["SO36"])]),
        )
        poll = PollPolicy(first=0.2, factor=1.3, longest=2.0, timeout=3600)
        with (
            running(config) as sandbox,
            MinistryClient(sandbox.endpoint, Credentials("so36", "bench"), poll=poll) as client,
        ):
            started = time.perf_counter()
            receipts = []
            for n, first in enumerate(range(0, len(documents), args.batch)):
                batch = tuple(documents[first : first + args.batch])
                receipts.append(
                    client.submit(Submission("SO36", f"bench-{n}", year, school, batch))
                )
            sent = time.perf_counter() - started
            results = [client.wait_for_result(r.receipt) for r in receipts]
            elapsed = time.perf_counter() - started
    outcomes = [d for r in results for d in r.documents]
    accepted = sum(d.accepted for d in outcomes)
    rejected = [e.code for d in outcomes if not d.accepted for e in d.errors]
    print(f"submissions: {len(receipts)} of ≤ {args.batch}; sending took {sent:.2f} s")
    print(f"accepted {accepted}/{len(outcomes)} (rejections: {sorted(set(rejected)) or 'none'})")
    print(f"end to end: {accepted / elapsed:.0f} documents/s accepted ({elapsed:.1f} s)")
    print(
        f"client: {dict(client.metrics.requests)} requests, {client.metrics.total_retries} retries"
    )


if __name__ == "__main__":
    main()
