"""The /search page: results, snippets, filters, help for empty queries and misses, and
input no visitor should be able to turn into an error."""

import re
from html import unescape

import pytest

from portal.disclosures.models import Category


def test_results_are_highlighted_and_linked(client, corpus):
    page = client.get("/search?q=低保").get_data(as_text=True)
    assert "找到 3 条" in page
    assert "<mark>低保</mark>" in page
    assert f'href="/disclosures/{corpus.ids["D2"]}"' in page
    assert f'href="/villages/shuangta-cun/notices/{corpus.ids["N1"]}"' in page
    assert 'name="robots" content="noindex"' in page


def test_a_reply_hit_opens_the_reply_list_at_that_reply(client, corpus):
    page = client.get("/search?q=低保").get_data(as_text=True)
    link = re.search(r'href="(/inquiries/replies\?after=[^"]+)"', page).group(1)
    replies = client.get(unescape(link).split("#")[0]).get_data(as_text=True)
    reply_id = re.search(r"#reply-(\d+)", link).group(1)
    first = re.search(r'<article class="card qa" id="reply-(\d+)"', replies).group(1)
    assert first == reply_id


def test_attachment_matches_show_the_attachment_text(client, corpus):
    page = client.get("/search?q=猕猴桃").get_data(as_text=True)
    assert "附件：" in page and "<mark>猕猴桃</mark>" in page


def test_markup_in_documents_is_escaped_before_marking(client, corpus, publish):
    publish("town", "关于<script>alert(1)</script>低保的通知", "<p>低保 &amp; 救助</p>",
            Category.SERVICE)
    page = client.get("/search?q=低保").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>低保</mark>" in page


def test_filters_narrow_the_results(client, corpus):
    page = client.get("/search?q=低保&type=notice").get_data(as_text=True)
    assert "找到 1 条" in page
    page = client.get("/search?q=法治政府&org=huayuan").get_data(as_text=True)
    assert "找到 1 条" in page and "花园乡" in page
    page = client.get("/search?q=工程项目&village=wangtang&type=&category=").get_data(
        as_text=True)
    assert "找到 1 条" in page


def test_empty_query_gets_a_helpful_page(client, corpus):
    response = client.get("/search")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入要查找的内容" in page
    assert 'href="/search?q=%E4%BD%8E%E4%BF%9D"' in page  # a suggestion: 低保
    assert 'href="/disclosures/?category=decision"' in page


def test_a_miss_suggests_what_to_try(client, corpus):
    response = client.get("/search?q=量子计算 低保&type=disclosure&category=result")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "没有找到" in page
    assert "去掉筛选条件" in page
    assert "只搜其中一个词" in page


NASTY_QUERIES = [
    '低保" OR *', '"', "NEAR(低保 宅基地)", "低保 AND -宅基地", "title:低保", "^低保",
    "'; DROP TABLE search_documents; --", "*", "低保)", "(((", "\\", "%", "\x00低保",
    "低保\u202e", "<b>低保</b>", "低保 OR 宅基地", "低保 NOT 宅基地", "{低保}", "低保*",
]


def test_operators_and_quotes_are_plain_text(client, corpus):
    for query in NASTY_QUERIES:
        response = client.get("/search", query_string={"q": query})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, query
        assert "系统繁忙" not in page, query
    # Operators are words like any other: all of them must occur, so nothing matches.
    page = client.get("/search", query_string={"q": "低保 OR 宅基地"}).get_data(as_text=True)
    assert "没有找到" in page
    page = client.get("/search", query_string={"q": '"低保"'}).get_data(as_text=True)
    assert "找到 3 条" in page


def test_a_ten_thousand_character_query_is_cut_with_a_note(client, corpus):
    response = client.get("/search", query_string={"q": "低保" * 5000})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "搜索词过长" in page
    assert "找到" in page or "没有找到" in page


def test_invalid_utf8_is_dropped_with_a_note(client, corpus):
    response = client.get("/search?q=%E4%BD%8E%E4%BF%9D%FF%FE")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "无法识别的字符" in page
    assert "找到 3 条" in page


def test_only_punctuation_explains_itself(client, corpus):
    page = client.get("/search?q=！？。。").get_data(as_text=True)
    assert "搜索词中没有可以检索的文字" in page


@pytest.mark.parametrize(("query_string", "message"), [
    ("q=低保&foo=1", "不支持的查询参数“foo”"),
    ("q=低保&type=blog", "类型“blog”不存在"),
    ("q=低保&category=weather", "栏目“weather”不存在"),
    ("q=低保&type=notice&category=decision", "栏目“decision”不存在"),
    ("q=低保&org=nowhere", "找不到发布机构“nowhere”"),
    ("q=低保&org=shuangta-cun", "找不到发布机构"),
    ("q=低保&village=shuangta", "找不到村“shuangta”"),
    ("q=低保&org=%00", "找不到发布机构"),
    ("q=低保&year=二〇二六", "年份"),
    ("q=低保&year=1800", "年份“1800”无效"),
    ("q=低保&page=0", "页码“0”无效"),
    ("q=低保&page=99999999999", "页码"),
])
def test_unknown_filters_are_a_clear_400(client, orgs, query_string, message):
    response = client.get("/search?" + query_string)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'name="q"' in page  # the search form is still there


def test_header_search_box_works_without_javascript(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page


def test_pagination_links_keep_the_query(app, client, corpus):
    app.config["PAGE_SIZE"] = 3
    first = client.get("/search?q=双塔").get_data(as_text=True)
    assert "下一页" in first
    second = client.get("/search?q=双塔&page=2").get_data(as_text=True)
    assert "第 2 页" in second
