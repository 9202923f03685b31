"""Signing and verification throughput, beside the raw primitives measured in the same run.

    .venv/bin/python bench/bench_signing.py [--documents N]

Goals (one core): sign ≥ 1,500 documents/s (one DV signature: parse, canonicalise, sign,
serialise); full verification of a secondary transcript (one GVBM per subject + GVCN + HT +
DV) ≥ 1,000 documents/s. The primitives bound what is possible: RSA-2048 sign/s, verify/s and
the exclusive C14N of one document per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from hub.signing.pki import make_test_pki
from hub.signing.profile import Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import sign_document
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

FIXTURE = Path(__file__).parent.parent / "tests" / "signing" / "fixtures" / "secondary.xml"


def rate(label: str, work: Callable[[int], None], count: int, unit: str = "/s") -> float:
    """Run `work(i)` for i in range(count) and print the rate."""
    work(0)  # warm caches (parsers, trust paths) the way a long batch would
    started = time.perf_counter()
    for i in range(count):
        work(i)
    elapsed = time.perf_counter() - started
    per_second = count / elapsed
    print(f"  {label:<52} {per_second:>10,.0f} {unit}")
    return per_second


def secondary_documents(count: int) -> list[bytes]:
    """Generated lower- and upper-secondary documents of one school (or the fixture)."""
    try:
        from hub.document.build import build_document
        from hub.gen import GenSettings, generate
        from hub.model import SchoolLevel

        settings = GenSettings(
            seed=1,
            levels=(SchoolLevel.LOWER_SECONDARY,),
            classes_per_grade=1,
            learners_per_class=max(1, count // 4 + 1),
        )
        documents = [
            build_document(item.transcript)
            for item in generate(settings)
            if item.transcript.results is not None
        ]
        print(f"documents: {len(documents[:count])} generated (hub.gen, lower secondary)")
        return documents[:count]
    except Exception as exc:
        print(f"documents: the fixture, repeated (hub.gen unavailable: {exc})")
        return [FIXTURE.read_bytes()] * count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=400)
    args = parser.parse_args()
    documents = secondary_documents(args.documents)
    n = len(documents)
    code = re.search(rb"<MaTruong>(\d{8})</MaTruong>", documents[0])
    assert code is not None
    sizes = sorted(len(d) for d in documents)
    subjects = documents[0].count(b"<MonHoc ")
    print(f"  median size {sizes[n // 2]:,} bytes, {subjects} subjects in the first")

    with tempfile.TemporaryDirectory() as folder:
        pki = make_test_pki(Path(folder) / "pki", school_code=code.group(1).decode())
        trust = TrustStore.from_folder(pki.trust_dir)

    def provider(name: str) -> MemoryProvider:
        return MemoryProvider(pki[name].key, pki[name].chain, name)

    school, teachers = provider("school"), [provider("teacher-1"), provider("teacher-2")]
    homeroom, principal = provider("homeroom"), provider("principal")
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)

    print("primitives (this run):")
    key = pki["school"].key
    assert isinstance(key, rsa.RSAPrivateKey)
    message = b"x" * 600
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    sign_rate = rate(
        "RSA-2048 sign", lambda _: key.sign(message, padding.PKCS1v15(), hashes.SHA256()), 2000
    )
    rate(
        "RSA-2048 verify",
        lambda _: public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256()),
        20000,
    )
    data_roots = [etree.fromstring(d)[0] for d in documents]
    rate(
        "exclusive C14N of DLHocBa",
        lambda i: etree.tostring(data_roots[i % n], method="c14n", exclusive=True),
        5000,
    )
    rate("parse a document (lxml)", lambda i: etree.fromstring(documents[i % n]), 5000)

    print("hub.signing:")
    signed_dv = rate(
        "sign: one DV signature per document (bytes → bytes)",
        lambda i: sign_document(documents[i % n], Role.DV, school, signing_time=when),
        2000,
    )

    def sign_all(data: bytes) -> bytes:
        tree = etree.fromstring(data).getroottree()
        for i, code in enumerate(re.findall(rb'<MonHoc Id="Mon-([A-Z0-9_]+)"', data)):
            sign_document(tree, Role.GVBM, teachers[i % 2], subject_code=code.decode(),
                          signing_time=when)  # fmt: skip
        for offset, (role, who) in enumerate(
            ((Role.GVCN, homeroom), (Role.HT, principal), (Role.DV, school)), start=1
        ):
            sign_document(tree, role, who, signing_time=when + dt.timedelta(minutes=offset))
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    signed = [sign_all(d) for d in documents]
    signatures = signed[0].count(b"<ds:Signature ")
    report = verify_document(signed[0], trust)
    assert report.ok, report.findings
    print(f"  (a fully signed document: {signatures} signatures, {len(signed[0]):,} bytes)")
    verified = rate(
        f"verify: every signature of a secondary document ({signatures})",
        lambda i: verify_document(signed[i % n], trust),
        2000,
    )
    print(
        f"goals: sign ≥ 1,500/s: {'met' if signed_dv >= 1500 else 'NOT met'} ({signed_dv:,.0f}); "
        f"full verify ≥ 1,000/s: {'met' if verified >= 1000 else 'NOT met'} ({verified:,.0f}); "
        f"RSA sign bound {sign_rate:,.0f}/s"
    )


if __name__ == "__main__":
    main()
