"""What the public sees of a decision, and the 双公示 CSV for the credit platform.

Masking (个人信息保护法; 国办发〔2018〕118号 requires 事后公示 to protect personal privacy):
a natural person's name is shown as surname + 某 (`张某`) and the ID number keeps its first
six and last four characters (`410421********1234`); the decision's free text has the
party's name and any ID, mobile or bank number masked the same way (`portal.privacy`).
Organisations (法人及非法人组织) and 个体工商户 are shown by name and 统一社会信用代码, as the
credit platform publishes them.

The CSV follows the column layout of the national credit platform's 双公示 templates
(信用中国 “行政许可信息” and “行政处罚信息” data standards, 2021 version, as reproduced by
the provinces' 双公示 reporting guides). Assumptions, since the templates are published as
spreadsheets and revised by province: the columns and their order are those below; codes
we do not hold (工商注册号, 组织机构代码, 税务登记号, 事业单位证书号, 社会组织登记证号, 法定代表人
证件) are left empty, as the templates allow when the 统一社会信用代码 is given; 证件类型 is
身份证; 当前状态 is 1 (有效) or 2 (无效: revoked); 罚款金额 is in 万元; 公示截止期 is left to
the platform (it applies its own 修复 rules). A county pastes the rows into its
province's template; check the column order against the current template before the first
upload.

Two files, one layout: the public one masks natural persons like the pages do; the staff
one (editors and reviewers, audited) carries the whole ID number the platform requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal import privacy, spreadsheet
from portal.enforcement.models import (
    DecisionKind,
    DecisionStatus,
    EnforcementDecision,
    PartyKind,
)
from portal.privacy import PersonalDataKind

LICENSING_COLUMNS = (
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)",
    "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政许可决定文书名称",
    "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
    "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码",
    "当前状态", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
)
PENALTY_COLUMNS = (
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)",
    "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型",
    "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额(万元)",
    "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
)
COLUMNS = {DecisionKind.LICENSING: LICENSING_COLUMNS, DecisionKind.PENALTY: PENALTY_COLUMNS}
ID_CARD = "身份证"


@dataclass(frozen=True)
class PublicParty:
    name: str
    code: str  # 统一社会信用代码, or the masked ID number


def party(d: EnforcementDecision, *, masked: bool = True) -> PublicParty:
    """The party as shown: a natural person masked unless `masked` is False."""
    if d.party_kind is PartyKind.NATURAL and masked:
        return PublicParty(privacy.masked_name(d.party_name),
                           privacy.mask_value(PersonalDataKind.ID_NUMBER, d.party_code)
                           if d.party_code else "")
    return PublicParty(d.party_name, d.party_code)


def public_text(d: EnforcementDecision, text: str) -> str:
    """Free text of a decision as the public reads it: personal numbers masked, and a
    natural person's name (and address detail) too."""
    if d.party_kind is PartyKind.NATURAL:
        return privacy.mask_reply(text, [d.party_name])
    return privacy.mask(text)


def _codes(d: EnforcementDecision, shown: PublicParty) -> list[str]:
    """行政相对人代码_1…6, 法定代表人 and its 证件, 证件类型, 证件号码."""
    natural = d.party_kind is PartyKind.NATURAL
    credit = "" if natural else shown.code
    return [credit, "", "", "", "", "", "" if natural else d.legal_representative, "", "",
            ID_CARD if natural else "", shown.code if natural else ""]


def _text(d: EnforcementDecision, text: str, masked: bool) -> str:
    return public_text(d, text) if masked else text


def _status(d: EnforcementDecision) -> str:
    return "2" if d.status is DecisionStatus.REVOKED else "1"


def row(d: EnforcementDecision, *, masked: bool) -> list[str]:
    """One decision in its kind's 双公示 layout."""
    shown = party(d, masked=masked)
    head = [shown.name, d.party_kind.label, *_codes(d, shown)]
    org = d.organization.administrative_body
    organ, organ_code = org.formal_name or org.full_name, org.index_code
    remark = f"已撤销：{d.revoke_reason}" if d.status is DecisionStatus.REVOKED else ""
    if d.kind is DecisionKind.LICENSING:
        return [*head, d.title, d.document_number, "普通", "", "",
                       _text(d, d.content, masked), d.decided_on.isoformat(),
                       d.valid_from.isoformat() if d.valid_from else "",
                       d.valid_until.isoformat() if d.valid_until else "",
                       organ, organ_code, _status(d), organ, organ_code, remark]
    fine = format(d.fine_amount.normalize(), "f") if d.fine_amount is not None else ""
    return [*head, d.document_number, "", _text(d, d.facts, masked),
                   _text(d, d.basis, masked), "罚款" if fine else "其他",
                   _text(d, d.content, masked), fine, "", "", d.decided_on.isoformat(),
                   "", "", organ, organ_code, organ, organ_code, remark]


def to_csv(decisions: list[EnforcementDecision], kind: DecisionKind, *, masked: bool) -> bytes:
    """The decisions of `kind` as CSV, written by `portal.spreadsheet` (UTF-8 with BOM, no
    cell a spreadsheet would run as a formula)."""
    return spreadsheet.csv_bytes([COLUMNS[kind], *(row(d, masked=masked) for d in decisions
                                                  if d.kind is kind)])
