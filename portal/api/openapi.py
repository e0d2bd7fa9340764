"""The OpenAPI 3.1 document of `/api/v1/`, built from the same enums and limits the models
and the views use (spec.openapis.org/oas/v3.1.0).

Schemas are JSON Schema 2020-12 (OpenAPI 3.1 dialect); every object lists all its
properties as required and forbids others, so a test that validates real responses
against this document notices any drift between the serializers and the description.

So that a client generator can trust it: every operation has an `operationId` and lists
every status the server may send for it (304 on If-None-Match, 400 for a parameter the
view refuses, 404, 413, 414, 429, 503); each parameter's schema is what the view checks
(`limit` 1–MAX_LIMIT, ids up to the database's integer, the slug pattern, the enums); the
API is public, so `security` is empty. Schemathesis runs against it in the tests.
"""

from __future__ import annotations

from portal.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from portal.disclosures.models import Category, Mode, Status, Validity
from portal.inquiries.models import ANSWERED_STATUSES, InquiryType
from portal.validation import DATABASE_INT_MAX
from portal.villages.models import NoticeCategory

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
URL = {"type": "string", "format": "uri"}
INTEGER = {"type": "integer"}
AMOUNT = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
NULLABLE_AMOUNT = {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"}


def ref(name: str) -> dict:
    """A reference to a schema of the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, description: str = "") -> dict:
    """A closed object schema: every property required, no others allowed."""
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def enum(values, nullable: bool = False) -> dict:
    """A string schema limited to the values of enum members."""
    return {"type": ["string", "null"] if nullable else "string",
            "enum": [v.value for v in values] + ([None] if nullable else [])}


def _list(item: str) -> dict:
    return obj({"data": {"type": "array", "items": ref(item)},
                "next_cursor": NULLABLE_STRING,
                "links": obj({"self": URL, "next": {"type": ["string", "null"],
                                                    "format": "uri"}})},
               "一页结果；next_cursor 为 null 表示已是最后一页。")


def _document_schemas() -> dict:
    return {
        "Error": obj({"error": STRING, "message": STRING}),
        "Organization": obj({"slug": STRING, "name": STRING, "publisher_name": STRING}),
        "Attachment": obj({"name": STRING, "kind": STRING, "size": INTEGER,
                           "sha256": STRING, "url": URL}),
        "Disclosure": obj({
            "id": INTEGER, "index_number": NULLABLE_STRING, "title": STRING,
            "category": enum(Category), "category_label": STRING,
            "organization": ref("Organization"), "doc_number": STRING,
            "written_on": NULLABLE_DATE, "topic": STRING, "keywords": STRING,
            "mode": enum(Mode), "validity": enum(Validity), "repealed_on": NULLABLE_DATE,
            "source": STRING, "status": enum((Status.PUBLISHED, Status.SUPERSEDED)),
            "published_at": DATE_TIME, "updated_at": DATE_TIME, "body_html": STRING,
            "attachments": {"type": "array", "items": ref("Attachment")},
            "corrections": {"type": "array", "items": ref("Correction")}, "url": URL,
        }, "政府信息公开（五公开）文件"),
        "Correction": obj({"date": DATE, "note": STRING},
                          "更正说明：实质性修订经审核生效的日期和说明，按时间先后排列"),
        "Index": obj({"name": STRING, "version": STRING, "openapi": URL,
                      "resources": {"type": "object", "additionalProperties": URL}}),
    }


def _village_and_reply_schemas() -> dict:
    return {
        "FinanceRow": obj({"date": DATE, "item": STRING, "income": NULLABLE_AMOUNT,
                           "expense": NULLABLE_AMOUNT, "note": STRING}),
        "Finance": obj({"files": obj({"xlsx": URL, "csv": URL},
                                     "按打码后的收支表重新生成的文件（不提供原始上传文件）"),
                        "total_income": AMOUNT, "total_expense": AMOUNT,
                        "rows": {"type": "array", "items": ref("FinanceRow")}}),
        "VillageNotice": obj({
            "id": INTEGER, "title": STRING, "category": enum(NoticeCategory),
            "category_label": STRING, "village": ref("Organization"),
            "town": {"oneOf": [ref("Organization"), {"type": "null"}]},
            "period_start": DATE, "period_end": DATE, "is_major": {"type": "boolean"},
            "window_start": NULLABLE_DATE, "window_end": NULLABLE_DATE,
            "published_at": DATE_TIME, "updated_at": DATE_TIME, "body_html": STRING,
            "finance": {"oneOf": [ref("Finance"), {"type": "null"}]},
            "attachments": {"type": "array", "items": ref("Attachment")}, "url": URL,
        }, "村务公开事项"),
        "Reply": obj({
            "number": STRING, "type": enum(t for t in InquiryType if t.is_public),
            "type_label": STRING, "title": STRING, "question": STRING, "reply": STRING,
            "status": enum(ANSWERED_STATUSES), "received_at": DATE_TIME,
            "replied_at": DATE_TIME, "organization": ref("Organization"), "url": URL,
        }, "经留言人同意公开的留言及答复，个人信息已遮盖"),
    }


def _civic_schemas() -> dict:
    """The consultations and catalogue (served only where they exist)."""
    return {
        "Consultation": obj({
            "id": INTEGER, "title": STRING, "organization": ref("Organization"),
            "status": {"type": "string", "enum": ["published", "concluded"]},
            "phase": {"type": "string", "enum": ["upcoming", "open", "closed"]},
            "phase_label": STRING, "summary": STRING, "draft_html": STRING,
            "opens_on": DATE, "closes_on": DATE, "published_at": DATE_TIME,
            "updated_at": DATE_TIME, "adoption_summary": NULLABLE_STRING, "url": URL,
        }, "重大行政决策征求意见"),
        "CatalogueEntry": obj({
            "id": INTEGER, "position": INTEGER, "level1": STRING, "level2": STRING,
            "content": STRING, "basis": STRING, "time_limit": STRING, "subject": STRING,
            "channels": STRING, "audience": STRING, "manner": STRING, "tier": STRING,
            "updated_at": DATE_TIME, "url": URL,
        }, "政务公开标准目录事项"),
    }


def _schemas() -> dict:
    schemas = {**_document_schemas(), **_village_and_reply_schemas(), **_civic_schemas()}
    for name in ("Disclosure", "VillageNotice", "Reply", "Consultation", "CatalogueEntry"):
        schemas[f"{name}List"] = _list(name)
    return schemas


def _parameter(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or STRING}


SLUG = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,60}$"}
ID = {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX}
PARAMETERS = {
    "limit": _parameter("limit", f"每页条数，1–{MAX_LIMIT}，默认 {DEFAULT_LIMIT}",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    "cursor": _parameter("cursor", "上一页响应中的 next_cursor，原样传回（服务器生成的不透明值，"
                         "自行编造的会得到 400）",
                         {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$"}),
    "since": _parameter("since", "只返回此时间（含）之后发布的：日期（北京时间零点）"
                        "或 RFC 3339 时间",
                        {"type": "string", "anyOf": [{"format": "date"},
                                                     {"format": "date-time"}]}),
    "organization": _parameter("organization", "机构代码（slug），含其下属机构；"
                               "格式不对为 400，没有该机构为 404", SLUG),
    "village": _parameter("village", "村代码（slug）；格式不对为 400，没有该村为 404", SLUG),
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


# What every GET may be answered with besides its 200 (and 400/404 where it has them).
NOT_MODIFIED = {"description": "未修改（If-None-Match 与 ETag 相同），无正文",
                "headers": {"ETag": {"schema": STRING}}}
COMMON = {
    "304": NOT_MODIFIED,
    "413": _error("请求正文过大（GET 不应带正文）"),
    "414": {"description": "网址过长（由 Web 服务器直接答复，不是 JSON）"},
    "429": {**_error("请求过于频繁（按客户端地址限频，RATELIMIT_API_READ）"),
            "headers": {"Retry-After": {"schema": {"type": "integer"},
                                        "description": "多少秒后可以再试"}}},
    "503": {**_error("数据库暂时不可用"),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
}
BAD_REQUEST = _error("参数有误：不认识的参数、没有值的参数或值不合要求")
NOT_FOUND = _error("不存在（或未公开、已撤回）")


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "headers": {"ETag": {"schema": STRING}},
            "content": {"application/json": {"schema": ref(schema)}}}


def _operation(operation_id: str, summary: str, responses: dict,
               parameters: list[dict] | None = None) -> dict:
    operation = {"operationId": operation_id, "summary": summary,
                 "responses": {**responses, **COMMON}}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


# How an item of each list is fetched on its own: (operationId, path parameter, field).
ITEM_LINKS = {
    "Disclosure": ("getDisclosure", "disclosure_id", "id"),
    "VillageNotice": ("getVillageNotice", "notice_id", "id"),
    "Reply": ("getReply", "reply_number", "number"),
    "Consultation": ("getConsultation", "consultation_id", "id"),
    "CatalogueEntry": ("getCatalogueEntry", "entry_id", "id"),
}


def _list_path(operation_id: str, schema: str, summary: str, filters: list[dict],
               *, lookups: bool = False) -> dict:
    """A list; `lookups` when a filter names an organization (404 when there is none)."""
    params = [PARAMETERS["limit"], PARAMETERS["cursor"], *filters]
    item_operation, name, field = ITEM_LINKS[schema]
    listed = {**_ok(f"{schema}List", summary), "links": {f"{item_operation}FromList": {
        "operationId": item_operation,
        "parameters": {name: f"$response.body#/data/0/{field}"},
        "description": "列表中一项的详情"}}}
    responses = {"200": listed, "400": BAD_REQUEST}
    if lookups:
        responses["404"] = NOT_FOUND
    return _operation(operation_id, summary, responses, params)


def _item_path(operation_id: str, schema: str, summary: str, name: str,
               id_schema: dict) -> dict:
    param = {"name": name, "in": "path", "required": True, "schema": id_schema}
    return _operation(operation_id, summary, {"200": _ok(schema, summary), "404": NOT_FOUND},
                      [param])


def _paths(optional: dict[str, bool]) -> dict:
    since, org, village = PARAMETERS["since"], PARAMETERS["organization"], PARAMETERS["village"]
    paths = {
        "/": _operation("getIndex", "接口目录", {"200": _ok("Index", "接口目录")}),
        "/openapi.json": _operation("getOpenApiDocument", "本文档（OpenAPI 3.1）", {
            "200": {"description": "本文档", "headers": {"ETag": {"schema": STRING}},
                    "content": {"application/json": {"schema": {"type": "object"}}}}}),
        "/disclosures": _list_path("listDisclosures", "Disclosure",
                                   "政府信息公开文件列表（新发布在前）",
                                   [_parameter("category", "五公开类别", enum(Category)), org,
                                    since], lookups=True),
        "/disclosures/{disclosure_id}": _item_path("getDisclosure", "Disclosure", "一份公开文件",
                                                   "disclosure_id", ID),
        "/village-notices": _list_path("listVillageNotices", "VillageNotice", "村务公开事项列表",
                                       [_parameter("category", "公开类别", enum(NoticeCategory)),
                                        village, org, since], lookups=True),
        "/village-notices/{notice_id}": _item_path("getVillageNotice", "VillageNotice",
                                                   "一项村务公开", "notice_id", ID),
        "/replies": _list_path("listReplies", "Reply", "公开的留言答复（新答复在前）", [
            _parameter("type", "留言类型", enum(InquiryType)), org, village, since],
            lookups=True),
        "/replies/{reply_number}": _item_path("getReply", "Reply", "一条公开答复（按受理编号）",
                                              "reply_number", {"type": "string",
                                                               "pattern": r"^\d{4}-\d{6}$"}),
    }
    if optional.get("consultations"):
        paths["/consultations"] = _list_path("listConsultations", "Consultation", "征求意见列表",
                                             [org, since], lookups=True)
        paths["/consultations/{consultation_id}"] = _item_path(
            "getConsultation", "Consultation", "一项征求意见", "consultation_id", ID)
    if optional.get("catalogue"):
        paths["/catalogue"] = _list_path("listCatalogue", "CatalogueEntry",
                                         "政务公开标准目录（目录顺序）", [])
        paths["/catalogue/{entry_id}"] = _item_path("getCatalogueEntry", "CatalogueEntry",
                                                     "一个目录事项", "entry_id", ID)
    return paths


def document(server_url: str, optional: dict[str, bool]) -> dict:
    """The OpenAPI 3.1 document; `optional` tells which of the optional lists (consultations,
    catalogue) this site has."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "政务公开门户开放接口", "version": "1.0.0",
                 "description": "只读接口：政府信息公开、村务公开、留言答复等公开内容。"
                                "列表用游标分页；响应带 ETag，可用 If-None-Match 条件请求。",
                 # The portal's own licence (the API and this description are part of it).
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": server_url}],
        "security": [],  # public: no credentials on any operation
        "paths": _paths(optional),
        "components": {"schemas": _schemas()},
    }
