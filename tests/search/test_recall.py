"""Recall and ranking on the fixture corpus, the same on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa

from portal.disclosures.models import Category
from portal.extensions import db
from portal.search import index
from portal.search.tokens import query_tokens
from tests.search.corpus import EXPECTED, MOBILE_IN_R1


def hits(corpus, query: str, **filters) -> list[str]:
    page = index.search(index.SearchQuery(tokens=query_tokens(query), size=50, **filters))
    return [corpus.name_of(hit.kind, hit.ref_id) for hit in page.items]


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_each_query_finds_exactly_its_documents(corpus, query):
    assert set(hits(corpus, query)) == EXPECTED[query]


def test_title_matches_rank_above_body_matches(corpus):
    assert hits(corpus, "法治政府") == ["D1", "D6"]
    found = hits(corpus, "低保")
    assert found[-1] == "D2"  # only its body says 低保; N1 and R1 have it in the title


def test_two_character_words_do_not_match_inside_other_words(corpus, publish):
    # 最低生活保障 holds the characters 低 and 保 side by side, but not the word 低保.
    doc = publish("town", "最低生活保障标准调整", "<p>城乡最低生活保障标准提高。</p>",
                  Category.RESULT)
    corpus.ids["D9"] = doc.id
    assert "D9" not in hits(corpus, "低保")
    assert "D9" in hits(corpus, "最低生活保障")


def test_every_query_word_must_occur(corpus):
    assert hits(corpus, "低保 公示") == ["N1"]
    assert hits(corpus, "低保 猕猴桃") == []


def test_published_replies_are_indexed_masked(corpus):
    assert hits(corpus, MOBILE_IN_R1) == []
    row = db.session.execute(db.text(
        "SELECT body FROM search_documents WHERE kind = 'reply'")).scalar_one()
    assert MOBILE_IN_R1 not in row and "138****5678" in row


def test_filters(corpus, orgs):
    assert hits(corpus, "低保", kind="notice") == ["N1"]
    assert hits(corpus, "低保", category="service") == ["D2"]
    assert hits(corpus, "法治政府", organization=orgs["other_town"]) == ["D6"]
    assert hits(corpus, "法治政府", organization=orgs["town"]) == ["D1"]
    assert hits(corpus, "猕猴桃", organization=orgs["finance"]) == ["D5"]
    assert hits(corpus, "猕猴桃", organization=orgs["office"]) == []
    assert hits(corpus, "工程项目", village=orgs["village_b"]) == ["N3"]
    year = index.indexed_years()[0]
    assert set(hits(corpus, "低保", year=year)) == EXPECTED["低保"]
    assert hits(corpus, "低保", year=2001) == []


def test_pages_cover_every_hit_once(corpus):
    first = index.search(index.SearchQuery(tokens=["双塔"], size=3))
    assert first.total > 3
    seen = []
    for number in range(1, first.pages + 1):
        page = index.search(index.SearchQuery(tokens=["双塔"], size=3, page=number))
        seen += [(hit.kind, hit.ref_id) for hit in page.items]
    assert len(seen) == len(set(seen)) == first.total


def test_a_common_word_ranks_the_newest_matches_then_lists_the_older(corpus, publish,
                                                                      monkeypatch):
    """Past RANK_WINDOW matches (both engines), the newest window is ranked by score and
    the older matches follow newest first; paging still shows every hit exactly once."""
    from portal.search import backends

    total = index.search(index.SearchQuery(tokens=["双塔"], size=50)).total
    newest = publish("town", "双塔镇双塔村双塔路双塔桥工程", "<p>双塔。</p>", Category.RESULT)
    monkeypatch.setattr(backends, "RANK_WINDOW", 2)
    seen = []
    for number in range(1, total + 2):
        page = index.search(index.SearchQuery(tokens=["双塔"], size=1, page=number))
        seen += [(hit.kind, hit.ref_id) for hit in page.items]
    assert len(seen) == len(set(seen)) == total + 1
    assert seen[0] == ("disclosure", newest.id)  # in the window and the best title match


def test_past_the_window_the_older_matches_follow_newest_first(corpus, publish, monkeypatch):
    """On both engines an unfiltered query ranks only the newest RANK_WINDOW matches by
    score: a common word's best match from long ago comes after them, not first (ranking
    every match of such a word took PostgreSQL over a second at 100,000 documents)."""
    from portal.search import backends

    strong = publish("town", "双塔双塔双塔双塔", "<p>双塔双塔双塔双塔双塔。</p>", Category.RESULT)
    weak = [publish("town", f"第{n}次通知", "<p>关于道路养护的通知。附：双塔。</p>",
                    Category.RESULT) for n in (1, 2)]
    assert index.search(index.SearchQuery(tokens=["双塔"], size=1)).items[0].ref_id \
        == strong.id  # ranked among all
    monkeypatch.setattr(backends, "RANK_WINDOW", 2)
    page = index.search(index.SearchQuery(tokens=["双塔"], size=50))
    ids = [hit.ref_id for hit in page.items if hit.kind == "disclosure"]
    assert set(ids[:2]) == {weak[0].id, weak[1].id}
    assert ids[2] == strong.id  # the newest of the older matches
    assert len({(hit.kind, hit.ref_id) for hit in page.items}) == page.total


def test_a_filtered_query_ranks_the_newest_matches_too(corpus, publish, monkeypatch):
    """With a filter (a category, a year, a unit) the same window holds: the newest
    RANK_WINDOW matches best first, the older ones after them newest first, every hit on
    exactly one page. Scoring every match of a common word in a year's documents took
    PostgreSQL over a second at 100,000 disclosures."""
    from portal.search import backends

    strong = publish("town", "双塔双塔双塔双塔", "<p>双塔双塔双塔双塔双塔。</p>", Category.RESULT)
    weak = [publish("town", f"第{n}次通知", "<p>关于道路养护的通知。附：双塔。</p>",
                    Category.RESULT) for n in (1, 2)]
    query = {"tokens": ["双塔"], "category": "result"}
    assert index.search(index.SearchQuery(size=1, **query)).items[0].ref_id == strong.id
    monkeypatch.setattr(backends, "RANK_WINDOW", 2)
    page = index.search(index.SearchQuery(size=50, **query))
    ids = [hit.ref_id for hit in page.items]
    assert set(ids[:2]) == {weak[0].id, weak[1].id}
    assert ids[2] == strong.id  # the newest of the older matches
    assert all(hit.category == "result" for hit in page.items)
    seen = []
    for number in range(1, page.total + 1):
        one = index.search(index.SearchQuery(size=1, page=number, **query))
        seen += [(hit.kind, hit.ref_id) for hit in one.items]
    assert len(seen) == len(set(seen)) == page.total == len(page.items)


def test_postgresql_matches_a_common_word_once_per_page(corpus, publish, monkeypatch):
    """Past the window, one pass over the matching rows counts them and lists the window's
    ids; the ranking then reads those rows by id. Each pass over the matches reads every
    matching row (tens of thousands for a common word in a county's documents), and given
    only a floor id the planner may walk the newest documents one by one instead."""
    from portal.database import is_postgresql
    from portal.search import backends

    if not is_postgresql():
        pytest.skip("FTS5 counts from its index alone; the passes are PostgreSQL's")
    publish("town", "双塔镇道路养护", "<p>双塔。</p>", Category.RESULT)
    monkeypatch.setattr(backends, "RANK_WINDOW", 2)
    passes = []

    def note(_conn, _cursor, statement, _parameters, _context, _many):
        if "search_vectors" in statement and "@@" in statement:
            passes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = index.search(index.SearchQuery(tokens=["双塔"], size=1))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert page.total > 2 and len(page.items) == 1
    assert len(passes) == 1, passes


def test_a_filter_follows_a_document_that_changes(corpus, publish):
    """A document moved to another category is found under that category only: the
    filter reads what the document says now, on either engine (PostgreSQL keeps a copy
    of the filter values beside each vector)."""
    moved = publish("town", "双塔镇道路养护公示", "<p>道路养护。</p>", Category.RESULT)
    query = {"tokens": query_tokens("道路养护")}
    found = index.search(index.SearchQuery(category="result", **query))
    assert moved.id in [hit.ref_id for hit in found.items]
    moved.category = Category.SERVICE
    db.session.commit()
    assert moved.id not in [hit.ref_id for hit in index.search(
        index.SearchQuery(category="result", **query)).items]
    found = index.search(index.SearchQuery(category="service", **query))
    assert [hit.ref_id for hit in found.items] == [moved.id] and found.total == 1


def test_postgresql_counts_a_filtered_query_from_the_vectors_alone(corpus, publish,
                                                                   monkeypatch):
    """A filtered query counts its matches (and lists the window's ids) from the vectors
    and their copy of the filter values, without joining each match to search_documents:
    for a common word in a year's documents that join took 0.1-0.3 s at 100,000
    disclosures. The ranking then reads the window's rows by id, matching the words once
    per page: given the words again, the planner (guessing a few hundred matches of a
    four-word query that had 45,000) joined every match to rank 3,000."""
    from portal.database import is_postgresql
    from portal.search import backends

    if not is_postgresql():
        pytest.skip("FTS5 reads the filters from search_documents")
    for n in (1, 2, 3):
        publish("town", f"第{n}次道路养护公示", "<p>双塔。</p>", Category.RESULT)
    monkeypatch.setattr(backends, "RANK_WINDOW", 2)
    counts = []

    def note(_conn, _cursor, statement, _parameters, _context, _many):
        if "@@" in statement:
            counts.append(" ".join(statement.split()))

    year = index.indexed_years()[0]
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = index.search(index.SearchQuery(tokens=["双塔"], size=1, category="result",
                                              year=year))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert page.total >= 3 and len(page.items) == 1
    assert len(counts) == 1, counts
    assert "count(" in counts[0] and "search_documents" not in counts[0], counts


def test_filter_choices_follow_a_publication(client, corpus, publish, orgs):
    """The organizations offered as filters are kept per content version, so the first
    document of an office shows up in the list at once."""
    from portal.organizations.models import OrgKind
    from portal.organizations.services import build_organization

    orgs["agri"] = build_organization(name="农业服务中心", slug="shuangta-agri",
                                      kind=OrgKind.DEPARTMENT, parent=orgs["town"])
    db.session.commit()
    before = client.get("/search?q=低保").get_data(as_text=True)
    assert 'value="shuangta-agri"' not in before
    publish("agri", "农业服务中心低保政策解读", "<p>低保政策。</p>", Category.RESULT)
    after = client.get("/search?q=低保").get_data(as_text=True)
    assert 'value="shuangta-agri"' in after
