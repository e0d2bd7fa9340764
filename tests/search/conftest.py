from tests.search.corpus import (  # noqa: F401 (fixtures shared with the feed, API and Open311 tests)
    answer,
    corpus,
    people,
    post_notice,
    publish,
)
