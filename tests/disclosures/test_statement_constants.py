"""`portal.db_types.written`: enum constants written into a statement as SQL literals.
The document page's statements bind the document's id and nothing else: a bound status
compared with the column a partial index is limited by makes SQLite prepare the
statement again on every execution, and an expanding `IN` rewrites its SQL every time."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy import select

from portal.db_types import written
from portal.disclosures import public_reads, services
from portal.disclosures.models import (
    PUBLIC_STATUSES,
    Disclosure,
    DisclosureRevision,
    RevisionStatus,
)
from portal.extensions import db


class Odd(enum.StrEnum):
    QUOTED = "it's"
    UPPER = "Approved"


def _compiled(statement):
    return statement.compile(dialect=db.engine.dialect)


def test_a_written_member_is_part_of_the_sql_not_a_parameter(app):
    compiled = _compiled(select(DisclosureRevision.id).where(
        DisclosureRevision.status == written(RevisionStatus.APPROVED)))
    assert "disclosure_revisions.status = 'approved'" in str(compiled)
    assert compiled.params == {}


@pytest.mark.parametrize("member", list(Odd))
def test_only_plain_values_are_written(member):
    with pytest.raises(ValueError):
        written(member)


@pytest.mark.parametrize("statement", [public_reads._document_statement,
                                       public_reads._public_files_statement,
                                       public_reads._corrections_statement])
def test_the_document_page_binds_only_the_document(app, statement):
    compiled = _compiled(statement())
    assert set(compiled.params) == {"disclosure_id"}
    assert "POSTCOMPILE" not in str(compiled)


def test_written_statuses_select_what_bound_ones_do(app, published, draft_input, staff):
    shown = published()
    draft = services.create_draft(staff["editor"], draft_input(title="未发布的草稿"))
    bound = select(Disclosure.id).where(Disclosure.status.in_(PUBLIC_STATUSES))
    constant = select(Disclosure.id).where(Disclosure.status.in_(
        [written(status) for status in PUBLIC_STATUSES]))
    found = set(db.session.scalars(constant))
    assert found == set(db.session.scalars(bound))
    assert shown.id in found and draft.id not in found
