"""The conformance kit: the tests every source adapter passes, in a two-line test file.

    from hub.testing import source_test_class
    from hub_my_vendor.sample import sample_case

    TestMyVendor = source_test_class("my_vendor", sample_case)

`sample_case(folder)` builds a small input for the adapter in a temporary folder (files, or a
simulator's URL) and returns a `SampleCase`: the config, how many learner rows the input has,
and a cursor from the future. The class then checks, as Airbyte's acceptance tests and
meltano's `get_tap_test_class` do: the kind is registered with a valid config schema; no secret
reaches `repr()` or the logs; the same input maps to the same canonical JSON; two sequential
incremental reads (the second finds nothing new); a cursor from the future reads nothing and a
garbled one raises CursorError; every problem carries its provenance and both languages; and
rows in = records out + learners with problems. Each check is also a plain function in
`hub.testing.checks`, for a plugin's own tests. Fixtures: `hub.testing.plugin`.
"""

from hub.testing.checks import SampleCase, read_all
from hub.testing.suite import source_test_class

__all__ = ["SampleCase", "read_all", "source_test_class"]
