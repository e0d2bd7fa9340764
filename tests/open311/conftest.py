import pytest

from portal.auth.system import SYSTEM
from portal.open311 import keys
from tests.search.corpus import (  # noqa: F401 (the fixture corpus of the search tests)
    answer,
    corpus,
    people,
    post_notice,
    publish,
)


@pytest.fixture
def api_key(orgs):
    """A key issued from the command line's actor: (row, key)."""
    return keys.issue_key(SYSTEM, "县12345热线")
