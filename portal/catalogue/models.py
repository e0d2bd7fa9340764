from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, utcnow


def entry_label(level1: str, level2: str) -> str:
    """How pages name an entry: 一级事项 › 二级事项."""
    return f"{level1} › {level2}"


class CatalogueEntry(db.Model):
    """One row of the 政务公开标准目录, with the columns of 国办发〔2019〕54号.

    The catalogue is county-wide (one deployment serves one county); every town and its
    departments file their documents under the same entries. `max_age_days` turns the
    entry's 公开时限 into a number: an entry whose newest published document is older than
    that (or that has none) is flagged on the catalogue page.
    """

    __tablename__ = "catalogue_entries"
    __table_args__ = (UniqueConstraint("level1", "level2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    level1: Mapped[str] = mapped_column(String(100))  # 一级事项
    level2: Mapped[str] = mapped_column(String(100))  # 二级事项
    content: Mapped[str] = mapped_column(Text, default="")  # 公开内容（要素）
    basis: Mapped[str] = mapped_column(Text, default="")  # 公开依据
    time_limit: Mapped[str] = mapped_column(String(200), default="")  # 公开时限
    subject: Mapped[str] = mapped_column(String(100), default="")  # 公开主体
    channels: Mapped[str] = mapped_column(String(300), default="")  # 公开渠道和载体
    audience: Mapped[str] = mapped_column(String(100), default="全社会")  # 公开对象
    manner: Mapped[str] = mapped_column(String(100), default="主动公开")  # 公开方式
    tier: Mapped[str] = mapped_column(String(100), default="乡级")  # 公开层级
    max_age_days: Mapped[int] = mapped_column(default=365)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return entry_label(self.level1, self.level2)

    def __repr__(self) -> str:
        return f"<CatalogueEntry {self.id} {self.level2}>"


class DisclosureGuide(db.Model):
    """An organization's 政府信息公开指南: where and how to apply for information.

    条例第十二条 lists what it includes: the office's 名称、办公地址、办公时间、联系电话、
    传真号码、互联网联系方式."""

    __tablename__ = "disclosure_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    office: Mapped[str] = mapped_column(String(100), default="")  # 受理机构
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(6), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")  # 办公时间
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")  # 传真号码; empty: none
    email: Mapped[str] = mapped_column(String(120), default="")
    how_to_apply: Mapped[str] = mapped_column(Text, default="")  # 申请方式
    remedies: Mapped[str] = mapped_column(Text, default="")  # 监督和救济
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    updated_by: Mapped[User | None] = relationship()
