from tests.search.corpus import (  # noqa: F401 (the fixture corpus of the search tests)
    answer,
    corpus,
    people,
    post_notice,
    publish,
)
