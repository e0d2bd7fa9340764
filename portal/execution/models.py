from __future__ import annotations

import enum
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.disclosures.models import Disclosure
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, local_today, utcnow


def round_half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


class TaskState(enum.StrEnum):
    """Read from `is_public`."""

    UNPUBLISHED = "unpublished"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"unpublished": "未公开", "public": "已公开"}[self.value]


class ExecutionTask(db.Model):
    """A task carrying out a decision. Public once a reviewer publishes it.

    A leaf keeps its own progress (0–100); a task with children has none of its own: its
    progress is the mean of its children's, each child weighing the same.
    """

    __tablename__ = "execution_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))  # 责任单位
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("execution_tasks.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("disclosures.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    own_progress: Mapped[int] = mapped_column(default=0)
    is_public: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    author: Mapped[User] = relationship()
    decision: Mapped[Disclosure | None] = relationship()
    parent: Mapped[ExecutionTask | None] = relationship(remote_side=[id],
                                                        back_populates="children")
    children: Mapped[list[ExecutionTask]] = relationship(back_populates="parent",
                                                         order_by="ExecutionTask.id")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="task", order_by="Milestone.due_on, Milestone.id")

    @property
    def state(self) -> TaskState:
        return TaskState.PUBLIC if self.is_public else TaskState.UNPUBLISHED
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="task", order_by="ProgressUpdate.reported_on, ProgressUpdate.id")

    @property
    def has_children(self) -> bool:
        return bool(self.children)

    @property
    def exact_progress(self) -> Fraction:
        if not self.children:
            return Fraction(self.own_progress)
        return sum((c.exact_progress for c in self.children), Fraction(0)) / len(self.children)

    @property
    def progress(self) -> int:
        """Percent complete, derived from the children when there are any."""
        return round_half_up(self.exact_progress)

    @property
    def public_children(self) -> list[ExecutionTask]:
        return [c for c in self.children if c.is_public]

    @property
    def overdue_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.is_overdue]

    @property
    def ancestors(self) -> list[ExecutionTask]:
        chain, node = [], self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<ExecutionTask {self.id} {self.progress}%>"


class Milestone(db.Model):
    __tablename__ = "execution_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("execution_tasks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[ExecutionTask] = relationship(back_populates="milestones")

    @property
    def is_overdue(self) -> bool:
        """Due date passed (in Beijing time) and not done."""
        return self.done_on is None and local_today() > self.due_on

    @property
    def done_late(self) -> bool:
        return self.done_on is not None and self.done_on > self.due_on


class ProgressUpdate(db.Model):
    """A dated progress note (进展情况), optionally with the leaf task's new percentage."""

    __tablename__ = "execution_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("execution_tasks.id"), index=True)
    reported_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    progress: Mapped[int | None]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[ExecutionTask] = relationship(back_populates="updates")
    author: Mapped[User] = relationship()
