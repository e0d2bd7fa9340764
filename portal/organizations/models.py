from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db_types import str_enum
from portal.extensions import db


class OrgKind(enum.StrEnum):
    COUNTY = "county"
    TOWN = "town"
    DEPARTMENT = "department"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> OrgKind | None:
        """The kind a person wrote: its label (县, 乡镇, 站所, 村) or its value."""
        text = (text or "").strip()
        for kind, label in KIND_LABELS.items():
            if text in (label, kind.value):
                return kind
        return None


KIND_LABELS = {OrgKind.COUNTY: "县", OrgKind.TOWN: "乡镇", OrgKind.DEPARTMENT: "站所",
               OrgKind.VILLAGE: "村"}


ALLOWED_PARENT = {
    OrgKind.COUNTY: None,
    OrgKind.TOWN: OrgKind.COUNTY,
    OrgKind.DEPARTMENT: OrgKind.TOWN,
    OrgKind.VILLAGE: OrgKind.TOWN,
}


class Organization(db.Model):
    """One node of the tree. `path` ("/1/4/9/") makes subtree checks a prefix test."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    name: Mapped[str] = mapped_column(String(100))
    # 全称 as it appears on documents (“民权县双塔镇人民政府”); the short name is for menus.
    formal_name: Mapped[str] = mapped_column(String(100), default="")
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    # 统一社会信用代码, the prefix of every 索引号 the organization assigns; one unit's own.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # A deactivated unit (撤并的村, 撤销的站所) keeps its records and history but leaves
    # choice lists and public navigation and takes no new inquiries or grants.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(
        back_populates="parent", order_by="Organization.sort_order, Organization.id"
    )

    def contains(self, other: Organization) -> bool:
        """True when `other` is this organization or lies in its subtree."""
        return other.path.startswith(self.path)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def town(self) -> Organization | None:
        node: Organization | None = self
        while node is not None and node.kind not in (OrgKind.TOWN,):
            node = node.parent
        return node

    @property
    def administrative_body(self) -> Organization:
        """The 行政机关 this unit belongs to: a county or town government is one; a town's
        站所 and villages belong to their town (a 站所 directly under the county would be
        a body of its own)."""
        node: Organization = self
        while node.kind in (OrgKind.DEPARTMENT, OrgKind.VILLAGE) and node.parent is not None:
            if node.kind is OrgKind.DEPARTMENT and node.parent.kind is OrgKind.COUNTY:
                return node
            node = node.parent
        return node

    @property
    def index_code(self) -> str:
        """The credit code used for 索引号: its own, else the nearest ancestor's."""
        node: Organization | None = self
        while node is not None:
            if node.credit_code:
                return node.credit_code
            node = node.parent
        return ""

    @property
    def publisher_name(self) -> str:
        return self.formal_name or self.full_name

    @property
    def full_name(self) -> str:
        if self.kind in (OrgKind.DEPARTMENT, OrgKind.VILLAGE) and self.parent:
            return f"{self.parent.name}{self.name}"
        return self.name

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


@dataclass(frozen=True)
class OrgChoice:
    """What a filter list or link shows of an organization, as plain data that may be kept
    beyond the session that read it."""

    id: int
    slug: str
    full_name: str
    publisher_name: str

    @classmethod
    def of(cls, org: Organization) -> OrgChoice:
        return cls(org.id, org.slug, org.full_name, org.publisher_name)
