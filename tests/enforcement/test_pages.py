"""The public pages under 五公开, the 双公示 CSVs, and the staff forms' refusals."""

import csv
import io
from datetime import date

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.enforcement import publication, services
from portal.enforcement.models import EnforcementDecision
from portal.extensions import db
from tests.enforcement.conftest import ID_NUMBER


def _rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_prior_disclosure_lists_bodies_officers_and_matters(client, body, staff):
    from portal.enforcement import registry

    registry.add_matter(staff["editor"], body.id, registry.MatterInput(
        kind="penalty", name="对非法占用土地的处罚", basis="《土地管理法》第七十七条"))

    html = client.get("/enforcement/").get_data(as_text=True)

    assert "刘执法" in html and "41142100123" in html
    assert "对非法占用土地的处罚" in html and "《土地管理法》第七十七条" in html
    assert "管理公开" in html  # under the 五公开 structure
    assert "行政执法公示" in client.get("/disclosures/?category=management").get_data(
        as_text=True)


def test_a_natural_person_is_masked_on_every_public_byte(client, record):
    decision = record(publish=True)

    pages = [client.get("/enforcement/decisions").get_data(as_text=True),
             client.get(f"/enforcement/decisions/{decision.id}").get_data(as_text=True),
             client.get("/enforcement/decisions/penalty.csv").get_data().decode("utf-8-sig")]

    for page in pages:
        assert "张三丰" not in page and ID_NUMBER not in page
    assert "张某" in pages[1] and "110105********002X" in pages[1]


def test_unpublished_and_revoked_decisions_are_not_public(client, record, staff):
    decision = record()
    assert client.get(f"/enforcement/decisions/{decision.id}").status_code == 404

    services.publish_decision(staff["reviewer"], decision.id)
    assert client.get(f"/enforcement/decisions/{decision.id}").status_code == 200

    services.revoke_decision(staff["reviewer"], decision.id, "经行政复议决定撤销")
    assert client.get(f"/enforcement/decisions/{decision.id}").status_code == 404
    assert "双塔综执罚" not in client.get("/enforcement/decisions").get_data(as_text=True)
    assert len(_rows(client.get("/enforcement/decisions/penalty.csv"))) == 1  # header only


def test_the_public_csv_follows_the_penalty_template(client, record):
    record(publish=True)

    header, row = _rows(client.get("/enforcement/decisions/penalty.csv"))

    assert tuple(header) == publication.PENALTY_COLUMNS
    cell = dict(zip(header, row, strict=True))
    assert cell["行政相对人名称"] == "张某" and cell["行政相对人类别"] == "自然人"
    assert cell["证件类型"] == "身份证" and cell["证件号码"] == "110105********002X"
    assert cell["行政处罚决定书文号"] == "双塔综执罚〔2026〕1号"
    assert cell["罚款金额(万元)"] == "0.2" and cell["处罚决定日期"] == "2026-03-02"
    assert cell["处罚机关统一社会信用代码"] == "114114210053411237"
    assert ID_NUMBER not in cell["违法事实"] and "张三丰" not in cell["违法事实"]


def test_the_staff_export_carries_the_whole_id_and_is_audited(client, login, record, staff):
    record(publish=True)
    record(document_number="双塔许〔2026〕1号", kind="licensing", title="许可决定书",
           fine_amount="", publish=True)
    login(staff["editor"])

    response = client.get("/staff/enforcement/export/penalty.csv")

    assert response.status_code == 200
    header, row = _rows(response)
    assert dict(zip(header, row, strict=True))["证件号码"] == ID_NUMBER
    licensing = _rows(client.get("/staff/enforcement/export/licensing.csv"))
    assert tuple(licensing[0]) == publication.LICENSING_COLUMNS and len(licensing) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "enforcement.export")) == 2


def test_a_revoked_decision_is_marked_invalid_in_the_staff_export(client, login, record, staff):
    decision = record(publish=True)
    services.revoke_decision(staff["reviewer"], decision.id, "经行政复议决定撤销")
    login(staff["reviewer"])

    header, row = _rows(client.get("/staff/enforcement/export/penalty.csv"))

    assert dict(zip(header, row, strict=True))["备注"] == "已撤销：经行政复议决定撤销"


def test_the_form_refuses_a_future_date_keeps_the_input_and_saves_nothing(client, login,
                                                                         body, staff):
    login(staff["editor"])
    response = client.post("/staff/enforcement/decisions/new", data={
        "body": body.id, "kind": "penalty", "document_number": "双塔综执罚〔2026〕9号",
        "title": "行政处罚决定书", "party_kind": "legal", "party_name": "某某砖厂",
        "party_code": "91411421MA45ABCD1X", "basis": "依据", "content": "罚款",
        "decided_on": "2026-04-01"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "决定日期 2026-04-01 晚于今天" in page and "某某砖厂" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnforcementDecision)) == 0


def test_the_form_refuses_a_duplicate_certificate_number(client, login, body, staff):
    login(staff["editor"])
    response = client.post(f"/staff/enforcement/bodies/{body.id}/officers/new", data={
        "name": "王五", "certificate_number": "41142100123"})

    assert response.status_code == 400
    assert "同一证号不能重复登记" in response.get_data(as_text=True)


def test_reviewer_publishes_from_the_staff_page(client, login, record, staff):
    decision = record()
    login(staff["reviewer"])

    page = client.get(f"/staff/enforcement/decisions/{decision.id}").get_data(as_text=True)
    assert "审核并公示" in page and "修改" not in page.split("操作")[1]
    response = client.post(f"/staff/enforcement/decisions/{decision.id}/publish")

    assert response.status_code == 303
    assert decision.is_public and decision.published_at is not None
    assert date(2026, 3, 10) == decision.published_on


def test_forms_that_would_be_refused_are_not_offered(client, login, record, staff, body):
    decision = record(publish=True)
    login(staff["other_editor"])
    assert client.get(f"/staff/enforcement/bodies/{body.id}/officers/new").status_code == 403
    client.post("/logout")
    login(staff["editor"])
    assert client.get(f"/staff/enforcement/decisions/{decision.id}/edit").status_code == 409


def test_a_unit_or_body_number_past_any_id_is_refused_with_a_message(client, login, body,
                                                                    staff):
    login(staff["editor"])
    for url, field in (("/staff/enforcement/decisions/new", "body"),
                       ("/staff/enforcement/bodies/new", "organization")):
        response = client.post(url, data={field: "9" * 30, "kind": "penalty", "name": "某"})
        assert response.status_code == 400
        assert "请选择" in response.get_data(as_text=True)
