from tests.cmdb.fixtures import inventory  # noqa: F401 (fixture)
