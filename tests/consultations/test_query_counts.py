"""The public consultation list and the home page run no query per consultation."""

from datetime import date

import pytest

from tests.consultations.conftest import CLOSES
from tests.pagecache.querycount import queries_for


@pytest.mark.parametrize("url", ["/consultations/", "/"])
def test_consultation_pages_run_no_query_per_consultation(client, published_consultation,
                                                          travel, url):
    def publish(n: int, start: int):
        for i in range(start, start + n):
            published_consultation(title=f"征求意见{i}")

    publish(3, 0)
    travel.to(date(2026, 12, 5))  # the windows are open
    few = queries_for(client, url)
    travel.to(date(2026, 11, 20))
    publish(27, 3)
    travel.to(date(2026, 12, 5))
    assert queries_for(client, url) == few
    travel.to(CLOSES.replace(day=20))  # and closed
    closed_few = queries_for(client, url)
    assert closed_few <= 12 and few <= 12
