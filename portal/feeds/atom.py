"""One Atom writer (RFC 4287) for every feed of the site.

A feed and its entries are built as plain data here and rendered by
`templates/feeds/atom.xml` (autoescaped). Required elements are always present: feed
id, title, updated, author, link rel="self"; entry id, title, updated, link. Ids are the
permanent public URLs (absolute, honouring SITE_URL). Text is stripped of characters XML
1.0 does not allow, so a stray control character in a title cannot break a reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import Response, current_app, render_template
from markupsafe import escape

from portal.disclosures.models import Disclosure
from portal.organizations.models import Organization
from portal.timeutil import format_local, utcnow
from portal.villages.models import VillageNotice
from portal.villages.public_views import public_url

FEED_SIZE = 20
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str | None) -> str:
    """`text` without the characters XML 1.0 forbids (most C0 controls, lone surrogates)."""
    return _NOT_XML.sub("", text or "")


@dataclass
class AtomEntry:
    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    category_term: str
    category_label: str
    author: str

    def __post_init__(self) -> None:
        for name in ("title", "summary", "content_html", "category_label", "author"):
            setattr(self, name, xml_safe(getattr(self, name)))


@dataclass
class AtomFeed:
    id: str
    title: str
    self_url: str
    alternate_url: str
    author: str
    subtitle: str = ""
    entries: list[AtomEntry] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        """The newest entry's update, or now for an empty feed."""
        return max((e.updated for e in self.entries), default=utcnow())


def atom_response(feed: AtomFeed) -> Response:
    """The feed as `application/atom+xml`."""
    body = render_template("feeds/atom.xml", feed=feed)
    return current_app.response_class(body, mimetype="application/atom+xml")


def disclosure_entry(d: Disclosure) -> AtomEntry:
    """A published disclosure as an entry; revisions move `updated`, not `published`."""
    url = public_url("disclosures.detail", disclosure_id=d.id)
    published = d.published_at or d.updated_at
    summary = (f"索引号 {d.index_number or ''}；发布机构 {d.publisher_name}；"
               f"发布日期 {format_local(d.published_at)}")
    return AtomEntry(id=url, title=d.title, url=url, published=published,
                     updated=max(published, d.updated_at), summary=summary,
                     content_html=d.body_html, category_term=d.category.value,
                     category_label=d.category.label, author=d.publisher_name)


def notice_entry(n: VillageNotice) -> AtomEntry:
    """A published village notice as an entry."""
    url = public_url("villages.notice", slug=n.village.slug, notice_id=n.id)
    published = n.published_at or n.updated_at
    summary = (f"{n.category.label}，公开期间 {n.period_start.isoformat()} 至 "
               f"{n.period_end.isoformat()}")
    return AtomEntry(id=url, title=n.title, url=url, published=published,
                     updated=max(published, n.updated_at), summary=summary,
                     content_html=n.body_html, category_term=n.category.value,
                     category_label=n.category.label, author=n.village.publisher_name)


def village_feed(village: Organization, notices: list[VillageNotice]) -> AtomFeed:
    """The feed of one village's board (served at /villages/<slug>/feed.atom)."""
    return AtomFeed(
        id=public_url("villages.board", slug=village.slug),
        title=f"{village.full_name}村务公开",
        self_url=public_url("villages.feed", slug=village.slug),
        alternate_url=public_url("villages.board", slug=village.slug),
        author=village.publisher_name, entries=[notice_entry(n) for n in notices])


def reply_entry(inquiry) -> AtomEntry:
    """A published reply, as the reply list shows it: the consenting resident's question
    and the answer with personal information masked (`Inquiry.public_text`)."""
    url = public_url("inquiries.replies", _anchor=f"reply-{inquiry.id}")
    replied = inquiry.replied_at or inquiry.received_at
    organization = inquiry.reply_organization.publisher_name \
        if inquiry.reply_organization else ""
    content = (f"<h3>留言内容</h3><p>{escape(inquiry.public_text(inquiry.body))}</p>"
               f"<h3>答复</h3><p>{escape(inquiry.public_text(inquiry.reply_text))}</p>")
    return AtomEntry(id=url, title=inquiry.public_text(inquiry.title), url=url,
                     published=replied, updated=replied,
                     summary=f"{inquiry.type.label}；答复部门 {organization}；"
                             f"答复日期 {format_local(inquiry.replied_at, '%Y-%m-%d')}",
                     content_html=content, category_term=inquiry.type.value,
                     category_label=inquiry.type.label, author=organization or "政务公开门户")


def task_entry(task) -> AtomEntry:
    """A public 执行公开 task: its description and where it stands."""
    url = public_url("execution.detail", task_id=task.id)
    published = task.published_at or task.updated_at
    content = f"<p>{escape(task.description)}</p><p>完成进度：{task.progress}%</p>"
    return AtomEntry(id=url, title=task.title, url=url, published=published,
                     updated=max(published, task.updated_at),
                     summary=f"责任单位 {task.organization.publisher_name}；"
                             f"完成进度 {task.progress}%",
                     content_html=content, category_term="execution", category_label="执行公开",
                     author=task.organization.publisher_name)
