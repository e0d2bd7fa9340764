"""The OpenAPI 3.1 document of `/api/v1/`, built from the same enums the models use.

Schemas are JSON Schema 2020-12 (OpenAPI 3.1 dialect); every object lists all its
properties as required and forbids others, so a test that validates real responses
against this document notices any drift between the serializers and the description.
"""

from __future__ import annotations

from portal.disclosures.models import Category, Mode, Status, Validity
from portal.inquiries.models import ANSWERED_STATUSES, InquiryType
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


PARAMETERS = {
    "limit": _parameter("limit", "每页条数，1–100，默认 20",
                        {"type": "integer", "minimum": 1, "maximum": 100}),
    "cursor": _parameter("cursor", "上一页响应中的 next_cursor，原样传回"),
    "since": _parameter("since", "只返回此时间（含）之后发布的，日期或 RFC 3339 时间"),
    "organization": _parameter("organization", "机构代码（slug），含其下属机构"),
    "village": _parameter("village", "村代码（slug）"),
}
ERRORS = {
    "304": {"description": "未修改（If-None-Match 与 ETag 相同）"},
    "400": {"description": "参数有误", "content": {
        "application/json": {"schema": ref("Error")}}},
    "404": {"description": "不存在", "content": {"application/json": {"schema": ref("Error")}}},
}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "headers": {"ETag": {"schema": STRING}},
            "content": {"application/json": {"schema": ref(schema)}}}


def _list_path(schema: str, summary: str, filters: list[dict]) -> dict:
    params = [PARAMETERS["limit"], PARAMETERS["cursor"], *filters]
    return {"get": {"summary": summary, "parameters": params,
                    "responses": {"200": _ok(f"{schema}List", summary), **ERRORS}}}


def _item_path(schema: str, summary: str, name: str, id_schema: dict) -> dict:
    param = {"name": name, "in": "path", "required": True, "schema": id_schema}
    return {"get": {"summary": summary, "parameters": [param],
                    "responses": {"200": _ok(schema, summary), **ERRORS}}}


def _paths(optional: dict[str, bool]) -> dict:
    since, org, village = PARAMETERS["since"], PARAMETERS["organization"], PARAMETERS["village"]
    paths = {
        "/": {"get": {"summary": "接口目录", "responses": {"200": _ok("Index", "接口目录")}}},
        "/disclosures": _list_path("Disclosure", "政府信息公开文件列表（新发布在前）", [
            _parameter("category", "五公开类别", enum(Category)), org, since]),
        "/disclosures/{disclosure_id}": _item_path("Disclosure", "一份公开文件",
                                                   "disclosure_id", INTEGER),
        "/village-notices": _list_path("VillageNotice", "村务公开事项列表", [
            _parameter("category", "公开类别", enum(NoticeCategory)), village, org, since]),
        "/village-notices/{notice_id}": _item_path("VillageNotice", "一项村务公开",
                                                   "notice_id", INTEGER),
        "/replies": _list_path("Reply", "公开的留言答复（新答复在前）", [
            _parameter("type", "留言类型", enum(t for t in InquiryType if t.is_public)),
            org, village, since]),
        "/replies/{reply_number}": _item_path("Reply", "一条公开答复（按受理编号）",
                                              "reply_number", STRING),
    }
    if optional.get("consultations"):
        paths["/consultations"] = _list_path("Consultation", "征求意见列表", [org, since])
        paths["/consultations/{consultation_id}"] = _item_path(
            "Consultation", "一项征求意见", "consultation_id", INTEGER)
    if optional.get("catalogue"):
        paths["/catalogue"] = _list_path("CatalogueEntry", "政务公开标准目录（目录顺序）", [])
        paths["/catalogue/{entry_id}"] = _item_path("CatalogueEntry", "一个目录事项",
                                                     "entry_id", INTEGER)
    return paths


def document(server_url: str, optional: dict[str, bool]) -> dict:
    """The OpenAPI 3.1 document; `optional` tells which issue-6 lists this site has."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "政务公开门户开放接口", "version": "1.0.0",
                 "description": "只读接口：政府信息公开、村务公开、留言答复等公开内容。"
                                "列表用游标分页；响应带 ETag，可用 If-None-Match 条件请求。"},
        "servers": [{"url": server_url}],
        "paths": _paths(optional),
        "components": {"schemas": _schemas()},
    }
