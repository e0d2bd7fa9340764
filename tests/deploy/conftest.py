from tests.disclosures.conftest import draft_input, published, staff  # noqa: F401
