"""/api/v1/: real responses validated against the OpenAPI document, cursor pagination,
filters, ETag and JSON errors."""

import time
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from portal.disclosures import services as disclosures
from portal.disclosures.models import PUBLIC_STATUSES, Category, Disclosure
from portal.extensions import db
from portal.timeutil import local_today
from tests.search.corpus import MOBILE_IN_R1


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _validator(openapi: dict, schema: dict) -> Draft202012Validator:
    """A validator for `schema` that resolves #/components/... against the document."""
    return Draft202012Validator({**schema, "components": openapi["components"]})


def conforms(openapi: dict, path: str, response, status: int = 200) -> None:
    """Check `response` against the schema the document gives for `path` and `status`."""
    assert response.status_code == status, response.get_data(as_text=True)
    operation = openapi["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    errors = sorted(_validator(openapi, schema).iter_errors(response.get_json()),
                    key=lambda e: e.path)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_document_passes_the_openapi_validator(openapi):
    from openapi_spec_validator import validate

    validate(openapi)  # raises, naming the first violation of the OpenAPI 3.1 schema


def test_every_operation_is_named_and_lists_its_statuses(openapi):
    assert openapi["security"] == []
    names = []
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            names.append(operation["operationId"])
            statuses = set(operation["responses"])
            assert {"200", "304", "413", "414", "429", "503"} <= statuses, (method, path)
            if operation.get("parameters", []) and "{" not in path:
                assert "400" in statuses, path
            if "{" in path:
                assert "404" in statuses, path
    assert len(names) == len(set(names))


def test_the_document_is_openapi_31_and_self_contained(openapi):
    assert openapi["openapi"] == "3.1.0"
    assert openapi["info"]["title"] and openapi["servers"][0]["url"].endswith("/api/v1")
    for ref in set(_refs(openapi)):
        name = ref.removeprefix("#/components/schemas/")
        assert name in openapi["components"]["schemas"], ref
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, item in openapi["paths"].items():
        assert path.startswith("/")
        for operation in item.values():
            assert "200" in operation["responses"]


@pytest.fixture
def consultation(app, corpus, orgs):
    """A published consultation, when this site has consultations."""
    if "consultations.detail" not in app.view_functions:
        return None
    from portal.consultations import services

    draft = services.create_draft(corpus.people["editor"], services.ConsultationInput(
        organization=orgs["town"], title="关于农村人居环境整治方案公开征求意见的公告",
        draft_html="<p>第一条</p>", opens_on=local_today(),
        closes_on=local_today() + timedelta(days=30), summary="说明"))
    return services.publish(corpus.people["reviewer"], draft.id)


def test_every_path_answers_as_documented(client, openapi, corpus, consultation):
    items = {
        "/disclosures/{disclosure_id}": f"/disclosures/{corpus.ids['D5']}",
        "/village-notices/{notice_id}": f"/village-notices/{corpus.ids['N4']}",
        "/replies/{reply_number}": None,
        "/consultations/{consultation_id}": None,
        "/catalogue/{entry_id}": None,
    }
    replies = client.get("/api/v1/replies").get_json()["data"]
    items["/replies/{reply_number}"] = f"/replies/{replies[0]['number']}"
    for path in openapi["paths"]:
        if "{" not in path:
            response = client.get("/api/v1" + path)
            conforms(openapi, path, response)
            data = response.get_json().get("data")
            if data and path + "/{" in " ".join(openapi["paths"]):
                item_path = next(p for p in openapi["paths"] if p.startswith(path + "/{"))
                items[item_path] = items[item_path] or f"{path}/{data[0]['id']}"
    checked = [path for path, url in items.items() if url and path in openapi["paths"]]
    for path in checked:
        conforms(openapi, path, client.get("/api/v1" + items[path]))
    assert len(checked) == len([p for p in openapi["paths"] if "{" in p])


def test_errors_are_documented_json(client, openapi, corpus):
    conforms(openapi, "/disclosures", client.get("/api/v1/disclosures?cursor=@@@"), 400)
    conforms(openapi, "/disclosures", client.get("/api/v1/disclosures?colour=red"), 400)
    conforms(openapi, "/disclosures/{disclosure_id}", client.get("/api/v1/disclosures/99999"),
             404)
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


def test_cursor_walk_visits_every_item_once_in_order(client, corpus):
    seen, url = [], "/api/v1/disclosures?limit=3"
    while url:
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["data"]]
        assert len(body["data"]) <= 3
        url = body["links"]["next"]
        if url:
            url = url.removeprefix("http://localhost")
            assert body["next_cursor"] in url
    public = db.session.scalars(db.select(Disclosure).where(
        Disclosure.status.in_(PUBLIC_STATUSES)).order_by(
        Disclosure.published_at.desc(), Disclosure.id.desc())).all()
    assert seen == [d.id for d in public]


def test_items_published_during_a_walk_do_not_shift_pages(client, corpus, publish):
    first = client.get("/api/v1/disclosures?limit=2").get_json()
    publish("town", "新发布的公告", "<p>正文</p>", Category.RESULT)
    second = client.get(f"/api/v1/disclosures?limit=2&cursor={first['next_cursor']}").get_json()
    assert not {i["id"] for i in first["data"]} & {i["id"] for i in second["data"]}


def test_filters(client, corpus):
    def ids(url):
        return {item["id"] for item in client.get(url).get_json()["data"]}

    assert ids("/api/v1/disclosures?category=decision") == {corpus.ids["D3"], corpus.ids["D6"]}
    assert ids("/api/v1/disclosures?organization=huayuan") == {corpus.ids["D6"]}
    assert ids("/api/v1/disclosures?organization=shuangta-finance") == {corpus.ids["D5"]}
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert ids(f"/api/v1/disclosures?since={tomorrow}") == set()
    assert len(ids(f"/api/v1/disclosures?since={local_today().isoformat()}")) == 8
    assert ids("/api/v1/village-notices?village=wangtang") == {corpus.ids["N3"],
                                                               corpus.ids["N4"]}
    assert ids("/api/v1/village-notices?category=relief") == {corpus.ids["N1"]}
    assert len(ids("/api/v1/village-notices?organization=shuangta")) == 4


@pytest.mark.parametrize("query", [
    "category=weather", "organization=%00", "since=yesterday",
    "limit=0", "limit=1000", "cursor=bm90LWpzb24", "cursor=WyJ4IiwxXQ", "foo=bar",
    "since=", "cursor=", "limit=", "category=",
])
def test_bad_parameters_are_400_json(client, orgs, query):
    response = client.get(f"/api/v1/disclosures?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["message"]


@pytest.mark.parametrize("query", ["organization=nowhere", "village=shuangta"])
def test_an_organization_that_is_not_there_is_404(client, orgs, query):
    response = client.get(f"/api/v1/village-notices?{query}")
    assert response.status_code == 404
    assert response.is_json and "代码" in response.get_json()["message"]


def test_ids_beyond_the_database_integer_are_404(client, orgs):
    assert client.get(f"/api/v1/disclosures/{2**63}").status_code == 404
    assert client.get("/api/v1/village-notices/0").status_code == 404


def test_since_at_the_ends_of_the_calendar(client, corpus):
    assert client.get("/api/v1/disclosures?since=0001-01-01T00:00:00%2B01:00").status_code == 200
    early = client.get("/api/v1/disclosures?since=0001-01-01").get_json()["data"]
    assert len(early) == 8
    late = client.get("/api/v1/disclosures?since=9999-12-31T23:59:59-05:00")
    assert late.status_code == 200 and late.get_json()["data"] == []


def test_an_unsupported_method_names_the_allowed_ones(client):
    response = client.delete("/api/v1/disclosures")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_etag_and_if_none_match(client, corpus):
    response = client.get("/api/v1/disclosures")
    etag = response.headers["ETag"]
    assert etag
    again = client.get("/api/v1/disclosures", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    disclosures.withdraw(corpus.people["reviewer"], corpus.ids["D1"], "内容有误")
    changed = client.get("/api/v1/disclosures", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_no_cache_may_reuse_an_answer_without_asking(client, corpus):
    """A document withdrawn after a client or proxy fetched it must not be served again
    from their copy: they may keep it, but revalidate before each reuse (nginx too)."""
    for path in ("/api/v1/disclosures", f"/api/v1/disclosures/{corpus.ids['D1']}"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "public, no-cache"
        # nginx: for less than a second (PROXY_CACHE_SECONDS), then it revalidates too
        assert 0 <= time.time() - int(response.headers["X-Accel-Expires"][1:]) < 2
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers["Cache-Control"] == "public, no-cache"


def test_withdrawn_and_unpublished_content_is_absent(client, corpus):
    disclosures.withdraw(corpus.people["reviewer"], corpus.ids["D1"], "内容有误")
    assert client.get(f"/api/v1/disclosures/{corpus.ids['D1']}").status_code == 404
    listed = {i["id"] for i in client.get("/api/v1/disclosures?limit=100").get_json()["data"]}
    assert corpus.ids["D1"] not in listed


def test_replies_are_masked_and_only_the_published_ones(client, corpus):
    body = client.get("/api/v1/replies").get_json()
    assert [r["title"] for r in body["data"]] == ["低保申请需要哪些材料？"]
    assert MOBILE_IN_R1 not in str(body) and "138****5678" in body["data"][0]["question"]
    assert "13900001111" not in str(body)  # the contact phone is never shown


def test_finance_tables_are_decimal_strings(client, corpus):
    notice = client.get(f"/api/v1/village-notices/{corpus.ids['N4']}").get_json()
    assert notice["finance"]["total_income"] == "50000.00"
    assert notice["finance"]["rows"][1]["item"] == "购置垃圾清运车"


def test_index_lists_the_resources(client, corpus):
    body = client.get("/api/v1/").get_json()
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert {"disclosures", "village-notices", "replies"} <= set(body["resources"])
