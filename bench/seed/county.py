"""The county's organization tree and its staff accounts."""

from __future__ import annotations

import base64
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from bench.seed import text
from bench.seed.bulk import Loader, next_id
from bench.seed.plan import Size
from portal.auth import passwords, sealing
from portal.auth.models import TOTP_PURPOSE, Role, RoleGrant, User, new_session_token
from portal.organizations.credit_code import with_check_character
from portal.organizations.models import Organization, OrgKind
from portal.villages.models import PostingRule
from portal.villages.schedule import DEFAULT_FREQUENCIES, DEFAULT_GRACE_DAYS

orgs_table = Organization.__table__


@dataclass
class Org:
    id: int
    kind: OrgKind
    name: str
    slug: str
    credit_code: str | None
    parent: Org | None = None

    @property
    def index_code(self) -> str:
        return self.credit_code or (self.parent.index_code if self.parent else "")

    @property
    def town(self) -> Org:
        return self if self.kind is OrgKind.TOWN or self.parent is None else self.parent


@dataclass
class County:
    """What later steps need to know of the tree and the accounts."""

    county: Org
    towns: list[Org] = field(default_factory=list)
    departments: dict[int, list[Org]] = field(default_factory=dict)  # town id → offices
    villages: dict[int, list[Org]] = field(default_factory=dict)  # town id → villages
    users: dict[str, int] = field(default_factory=dict)  # role key → user id
    town_handlers: dict[int, int] = field(default_factory=dict)  # town id → handler id
    usernames: list[tuple[str, str]] = field(default_factory=list)  # (username, description)

    @property
    def all_villages(self) -> list[Org]:
        return [v for town in self.towns for v in self.villages[town.id]]

    @property
    def publishers(self) -> list[Org]:
        """Who issues disclosures: the county, the towns and their offices."""
        return [self.county, *self.towns,
                *(d for town in self.towns for d in self.departments[town.id])]


def credit_code(number: int) -> str:
    """A fictional 统一社会信用代码 with a valid check character (GB 32100-2015)."""
    return with_check_character(f"11411421MB{number:07d}")


def build_tree(loader: Loader, size: Size, rng: random.Random, tag: str) -> County:
    """Insert the county, its towns, offices and villages (with their posting rules)."""
    ids = iter(range(next_id(loader.conn, orgs_table), 10**9))
    serial = iter(range(next_id(loader.conn, orgs_table) * 100, 10**9))
    rows: list[dict] = []

    def add(kind: OrgKind, name: str, slug: str, parent: Org | None, order: int,
            formal: str, code: str | None = None) -> Org:
        org = Org(next(ids), kind, name, slug, code, parent)
        path = f"{rows_path[parent.id] if parent else '/'}{org.id}/"
        rows_path[org.id] = path
        rows.append(dict(id=org.id, parent_id=parent.id if parent else None, kind=kind,
                         name=name, formal_name=formal, slug=slug, credit_code=code,
                         path=path, sort_order=order))
        return org

    rows_path: dict[int, str] = {}
    county = add(OrgKind.COUNTY, "清河县", f"qinghe{tag}", None, 0, "清河县人民政府",
                 credit_code(next(serial)))
    tree = County(county)
    village_names = iter(text.village_names(rng, size.villages))
    for t in range(size.towns):
        name = text.TOWN_NAMES[t % len(text.TOWN_NAMES)]
        slug = f"town{t + 1:02d}{tag}"
        town = add(OrgKind.TOWN, name, slug, county, t, f"清河县{name}人民政府",
                   credit_code(next(serial)))
        tree.towns.append(town)
        tree.departments[town.id] = [
            add(OrgKind.DEPARTMENT, dept, f"{slug}-{key}", town, order, f"{name}人民政府{dept}")
            for order, (dept, key) in enumerate(text.DEPARTMENTS)]
        tree.villages[town.id] = [
            add(OrgKind.VILLAGE, vname, f"{slug}-v{v + 1:02d}", town, v,
                f"{name}{vname}村民委员会")
            for v, vname in enumerate(next(village_names) for _ in range(size.villages_per_town))]
    loader.insert(orgs_table, rows)
    return tree


def add_posting_rules(loader: Loader, tree: County, active_from: date) -> None:
    table = PostingRule.__table__
    first = next_id(loader.conn, table)
    rows = [dict(village_id=village.id, category=category, frequency=frequency,
                 grace_days=DEFAULT_GRACE_DAYS, active_from=active_from)
            for village in tree.all_villages
            for category, frequency in DEFAULT_FREQUENCIES.items()]
    loader.insert(table, [dict(row, id=first + n) for n, row in enumerate(rows)])


# (key, username, display name, role, description); every grant is on the county, except
# the village roles, which may only be held at a village: one grant on each village.
ACCOUNTS = (
    ("admin", "admin", "系统管理员", Role.ADMIN, "县级系统管理员"),
    ("editor", "editor", "贾凤丽", Role.EDITOR, "县信息编辑（全县）"),
    ("reviewer", "reviewer", "何文哲", Role.REVIEWER, "县信息审核（全县）"),
    ("handler", "handler", "李办理", Role.HANDLER, "县留言办理（全县）"),
    ("inspector", "inspector", "赵纪检", Role.INSPECTOR, "县纪委监督（全县，需动态验证码）"),
    ("clerk", "clerk", "王村务", Role.VILLAGE_CLERK, "村务专干（全县各村）"),
    ("supervisor", "supervisor", "孙监督", Role.VILLAGE_SUPERVISOR, "村务监督委员会（全县各村）"),
)
# Roles whose login asks for a second factor; the seed gives them a TOTP secret.
TOTP_ROLES = (Role.ADMIN, Role.INSPECTOR)


def totp_secret() -> str:
    """160 random bits in base32, the form authenticator apps (and pyotp) expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def create_accounts(loader: Loader, tree: County, password: str, tag: str,
                    now: datetime) -> None:
    """The named accounts on the county, plus one handler per town (who signs for that
    town's inquiries). Every account has the same password; the hash is computed once."""
    password_hash = passwords.hash_password(password)
    users, grants = User.__table__, RoleGrant.__table__
    user_id, grant_id = next_id(loader.conn, users), next_id(loader.conn, grants)
    user_rows, grant_rows = [], []

    def account(key: str, username: str, display: str, role: Role, orgs: list[Org],
                description: str) -> None:
        nonlocal user_id, grant_id
        user_rows.append(dict(
            id=user_id, username=f"{username}{tag}", display_name=display,
            password_hash=password_hash, active=True, session_token=new_session_token(),
            created_at=now, failed_logins=0, password_changed_at=now,
            totp_secret=sealing.seal(totp_secret(), TOTP_PURPOSE) if role in TOTP_ROLES
            else None))
        for org in orgs:
            grant_rows.append(dict(id=grant_id, user_id=user_id, role=role,
                                   organization_id=org.id))
            grant_id += 1
        tree.users[key] = user_id
        tree.usernames.append((f"{username}{tag}", description))
        user_id += 1

    for key, username, display, role, description in ACCOUNTS:
        at_villages = role in (Role.VILLAGE_CLERK, Role.VILLAGE_SUPERVISOR)
        account(key, username, display, role,
                list(tree.all_villages) if at_villages else [tree.county], description)
    for number, town in enumerate(tree.towns, start=1):
        tree.town_handlers[town.id] = user_id
        account(f"handler-{number:02d}", f"handler{number:02d}", f"{town.name}办理员",
                Role.HANDLER, [town], f"{town.name}留言办理")
    loader.insert(users, user_rows)
    loader.insert(grants, grant_rows)
