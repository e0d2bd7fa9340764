"""Finding the published decision (决策公开) a consultation or an execution task links to."""

from __future__ import annotations

from sqlalchemy import select

from portal.disclosures.models import Category, Disclosure, Status
from portal.errors import ValidationError
from portal.extensions import db
from portal.organizations.models import Organization


def published_decision(index_number: str, organization: Organization, *,
                       field: str = "decision_index") -> Disclosure | None:
    """The published 决策公开 document with this 索引号, from the same town as
    `organization`; None for an empty number. Raises ValidationError naming `field`."""
    number = (index_number or "").strip()
    if not number:
        return None
    document = db.session.scalar(select(Disclosure).where(Disclosure.index_number == number))
    if document is None or document.status is not Status.PUBLISHED \
            or document.category is not Category.DECISION:
        raise ValidationError(f"找不到索引号为“{number}”的已发布决策公开文件。", field=field)
    if document.organization.town != organization.town:
        raise ValidationError("只能关联本镇发布的决策文件。", field=field)
    return document
