"""The conformance kit: the tests every source adapter passes, in a two-line test file.

    from hub.testing import source_test_class
    from hub_my_vendor.sample import sample_case

    TestMyVendor = source_test_class("my_vendor", sample_case)

This is the hub's second public face (the first is `hub.api`): what a plugin's tests import.
`sample_case(folder)` builds a small input for the adapter in a temporary folder (files, or a
simulator it starts) and returns a `SampleCase` — or yields one and stops the simulator after
the yield. The class sets the sample up once (a class-scoped `resource` fixture, as meltano's
`get_tap_test_class` does), reads the source once, and checks, as Airbyte's acceptance tests
do: the kind is registered with a valid config schema; no secret reaches `repr()`, the logs
or a problem; the same input maps to the same canonical JSON; two sequential incremental reads
(the second finds nothing new); a cursor from the future reads nothing and a garbled one raises
CursorError; every record and problem carries its provenance (file, sheet, cells, or URL and
vendor key) and both languages; and rows in = records out + learners with problems.
`skip={"name": "reason"}` leaves a check out; a subclass adds tests (the `kit` fixture). Each
check is also a plain function of a `Kit` in `hub.testing.checks`; `sample_transcripts` gives
valid learners to build a sample from, `GenSettings` and `generate` a whole generated
province (a vendor simulator's seed); pytest fixtures: `hub.testing.plugin`.

For a vendor that signs its own documents (vnEdu): `province_schools` gives a generated
province school by school, `school_pki` a test PKI naming a school's people, and `VendorKeys`
signs as the vendor would (`sign`), or wrongly (`bad_signature`, `wrong_content`:
hub.testing.documents). A plugin's simulator uses these at run time (`hub vnedu-sim`, `hub
demo`), where pytest need not be installed: the kit's class (`source_test_class`,
`SampleBuilder`, which need pytest) is therefore imported on first use, not with the package.
A simulator serves from a thread on a loopback port as the ministry sandbox does
(`bind_socket`, `uvicorn_server`, `serve_in_thread` → `ThreadedServer`: hub.serving), and
`demo_entry(key, plugin)` finds what `hub demo` left for a simulator's `serve --demo`.
"""

from typing import TYPE_CHECKING, Any

from hub.demo_state import demo_entry
from hub.serving import ThreadedServer, base_url_of, bind_socket, serve_in_thread, uvicorn_server
from hub.testing.checks import CANARY, CHECKS, Kit, ReadResult, SampleCase, read_all
from hub.testing.documents import (
    VendorKeys,
    altered_score,
    people_to_sign,
    school_pki,
    set_homeroom_comment,
    unsigned_document,
)
from hub.testing.province import (
    PROVINCE_LEVELS,
    Generated,
    GenSettings,
    generate,
    province_schools,
    roster_row,
)
from hub.testing.samples import sample_transcripts

if TYPE_CHECKING:
    from hub.testing.suite import SampleBuilder, source_test_class

_NEED_PYTEST = frozenset({"SampleBuilder", "source_test_class"})

__all__ = [
    "CANARY",
    "CHECKS",
    "PROVINCE_LEVELS",
    "GenSettings",
    "Generated",
    "Kit",
    "ReadResult",
    "SampleBuilder",
    "SampleCase",
    "ThreadedServer",
    "VendorKeys",
    "altered_score",
    "base_url_of",
    "bind_socket",
    "demo_entry",
    "generate",
    "people_to_sign",
    "province_schools",
    "read_all",
    "roster_row",
    "sample_transcripts",
    "school_pki",
    "serve_in_thread",
    "set_homeroom_comment",
    "source_test_class",
    "unsigned_document",
    "uvicorn_server",
]


def __getattr__(name: str) -> Any:
    """The kit's pytest-bound names, imported when first asked for (see the docstring)."""
    if name in _NEED_PYTEST:
        from hub.testing import suite

        return getattr(suite, name)
    raise AttributeError(f"module 'hub.testing' has no attribute {name!r}")
