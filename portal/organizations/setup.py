"""Going live: the county and its first administrator, on an empty database
(`flask --app portal init`), without writing code and without demo data.

The administrator holds `admin` on the county and, like every admin, must bind an
authenticator at first login with a one-time enrolment code
(`portal.auth.accounts.issue_enrolment_code`), which the command prints once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, inspect, select

from portal import audit
from portal.auth.models import Role, User
from portal.auth.permissions import require
from portal.auth.services import add_user, validate_password
from portal.errors import Conflict
from portal.extensions import db
from portal.organizations.models import Organization, OrgKind
from portal.organizations.services import build_organization, org_snapshot


@dataclass
class CountyInput:
    name: str
    formal_name: str
    slug: str
    credit_code: str


@dataclass
class AdminInput:
    username: str
    display_name: str
    password: str


def schema_ready() -> bool:
    """Whether `flask db upgrade` has created the tables."""
    return inspect(db.engine).has_table(Organization.__tablename__)


def existing_data() -> dict[str, int]:
    """Units and accounts already in the database (both zero on an empty one)."""
    return {"单位": db.session.scalar(select(func.count()).select_from(Organization)) or 0,
            "用户": db.session.scalar(select(func.count()).select_from(User)) or 0}


def refuse_unless_empty() -> None:
    """Raise Conflict, saying what is there, unless the database holds no unit or user."""
    found = {what: count for what, count in existing_data().items() if count}
    if found:
        listed = "、".join(f"{count} 个{what}" for what, count in found.items())
        raise Conflict(f"数据库中已有数据（{listed}），init 只用于尚无任何数据的新数据库。"
                       "添加单位请用 flask --app portal org add 或 org import，"
                       "添加用户请用 flask --app portal create-user。")


def initialize(actor, county: CountyInput, admin: AdminInput) -> tuple[Organization, User]:
    """Create the county and its first administrator in one transaction. Only on an empty
    database, by the server's command line (`SYSTEM`, which passes the check). Audited as
    `system.init` besides each creation. Raises Conflict or ValidationError."""
    require(actor, Role.ADMIN, None, action="system.init")
    refuse_unless_empty()
    validate_password(admin.password, admin.username.strip())
    org = build_organization(name=county.name, slug=county.slug, kind=OrgKind.COUNTY,
                             parent=None, credit_code=county.credit_code,
                             formal_name=county.formal_name)
    audit.record(actor, "organization.create", org, after=org_snapshot(org))
    user = add_user(actor, username=admin.username, display_name=admin.display_name,
                    password=admin.password, grants=[(Role.ADMIN, org)])
    audit.record(actor, "system.init", org, after={"county": org.slug,
                                                   "admin": user.username})
    db.session.commit()
    return org, user
