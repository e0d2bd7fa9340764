"""The public content version: one row, bumped in the same transaction as every change to
anything residents can read."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

SINGLETON_ID = 1


class ContentVersion(db.Model):
    """`version` grows by one with every committed change to public content.
    `changed_epoch` (UTC seconds since 1970, strictly increasing from one version to the
    next) is the Last-Modified of public pages; whole seconds because HTTP dates have no
    finer grain, and strictly increasing so two changes in one second never share one."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    # The version of the last change that withdrew, edited or deleted something public
    # (`portal.pagecache.tags`): what was built from an earlier version may hold it.
    retracted_version: Mapped[int] = mapped_column(default=0, server_default="0")


class ContentTag(db.Model):
    """One tag of what public pages show (`portal.pagecache.tags`); `version` grows with
    every committed change to it. A page is served from the cache only while every tag
    it carries still has the version it was rendered under."""

    __tablename__ = "content_tags"

    tag: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
