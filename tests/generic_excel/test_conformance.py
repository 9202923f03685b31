from hub_generic_excel.sample import sample_case

from hub.testing import source_test_class

TestGenericExcel = source_test_class("generic_excel", sample_case)
