from hub_smas.sample import sample_case

from hub.testing import source_test_class

TestSmas = source_test_class("smas", sample_case)
