from tests.disclosures.conftest import draft_input, published, staff  # noqa: F401
from tests.search.corpus import answer, people  # noqa: F401
from tests.villages.conftest import notice_input, published_notice, village_staff  # noqa: F401
