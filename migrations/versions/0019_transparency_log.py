"""The audit log becomes a Merkle tree with signed heads (RFC 9162).

- `merkle_leaves`: one leaf per audit event, in event order; leaf input is the event's
  chained content hash. Existing events are carried over in id order (events purged before
  this revision were never leaves: the tree starts at the oldest kept event).
- `merkle_nodes`: the hash of every complete subtree (level ≥ 1).
- `log_keys`, `tree_heads`, `cosignatures`: public keys, signed heads, heads of other
  servers' logs this server countersigned.
All five are append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL).

The hash is SHA-256 (the default TRANSPARENCY_ALGORITHM, ed25519) or SM3 (sm2), read from
the application's configuration at upgrade time.

Self-contained: imports no app code.

Revision ID: 0019
Revises: 0018
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# What `flask db downgrade` past this revision drops (portal/schema.py refuses it without
# --yes).
DOWNGRADE_DROPS = ("透明日志的签名树头 tree_heads、公钥 log_keys 与见证签名 cosignatures",
                   "透明日志的叶子与节点 merkle_leaves、merkle_nodes")
DOWNGRADE_THEN = ("重新升级时日志从保留的审计记录重建，此前签发的树头不再能由本站证明，"
                  "须告知持有树头的见证方与纪委")

TABLES = ("merkle_leaves", "merkle_nodes", "log_keys", "tree_heads", "cosignatures")


def upgrade():
    _tables()
    _carry_over_events()
    for table in TABLES:
        _append_only(table)


def _tables():
    op.create_table(
        "merkle_leaves",
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("index", name="pk_merkle_leaves"),
        sa.UniqueConstraint("event_hash", name="uq_merkle_leaves_event_hash"))
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name="pk_merkle_nodes"))
    op.create_table(
        "log_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("endorsed_by_id", sa.Integer(), nullable=True),
        sa.Column("endorsement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["endorsed_by_id"], ["log_keys.id"],
                                name="fk_log_keys_endorsed_by_id_log_keys"),
        sa.PrimaryKeyConstraint("id", name="pk_log_keys"))
    op.create_table(
        "tree_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["log_keys.id"], name="fk_tree_heads_key_id_log_keys"),
        sa.PrimaryKeyConstraint("id", name="pk_tree_heads"))
    op.create_index("ix_tree_heads_timestamp", "tree_heads", ["timestamp"])
    op.create_table(
        "cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("head_timestamp", sa.DateTime(), nullable=False),
        sa.Column("peer_signature", sa.Text(), nullable=False),
        sa.Column("peer_algorithm", sa.String(16), nullable=False),
        sa.Column("peer_key", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["log_keys.id"],
                                name="fk_cosignatures_key_id_log_keys"),
        sa.PrimaryKeyConstraint("id", name="pk_cosignatures"))


def _algorithm() -> str:
    try:
        from flask import current_app

        return {"ed25519": "sha256", "sm2": "sm3"}[
            current_app.config.get("TRANSPARENCY_ALGORITHM", "ed25519")]
    except RuntimeError:  # run outside the application (plain alembic)
        return "sha256"


def _carry_over_events():
    """Leaves and subtree hashes for the events already in the log, in id order."""
    algorithm = _algorithm()
    connection = op.get_bind()
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("hash", sa.String))
    leaves = sa.table("merkle_leaves", sa.column("index", sa.BigInteger),
                      sa.column("event_hash", sa.String), sa.column("leaf_hash", sa.LargeBinary))
    nodes = sa.table("merkle_nodes", sa.column("level", sa.Integer),
                     sa.column("index", sa.BigInteger), sa.column("hash", sa.LargeBinary))
    frontier: dict[int, bytes] = {}  # level → a complete subtree awaiting its right sibling
    leaf_rows, node_rows = [], []
    hashes = connection.execute(sa.select(events.c.hash).order_by(events.c.id)).scalars()
    for index, event_hash in enumerate(hashes):
        node = hashlib.new(algorithm, b"\x00" + event_hash.encode("ascii")).digest()
        leaf_rows.append({"index": index, "event_hash": event_hash, "leaf_hash": node})
        position, level = index, 0
        while position & 1:
            node = hashlib.new(algorithm, b"\x01" + frontier.pop(level) + node).digest()
            level, position = level + 1, position >> 1
            node_rows.append({"level": level, "index": position, "hash": node})
        frontier[level] = node
        if len(leaf_rows) >= 5000:
            _insert(leaves, leaf_rows, nodes, node_rows)
    _insert(leaves, leaf_rows, nodes, node_rows)


def _insert(leaves, leaf_rows, nodes, node_rows):
    if leaf_rows:
        op.bulk_insert(leaves, leaf_rows)
    if node_rows:
        op.bulk_insert(nodes, node_rows)
    leaf_rows.clear()
    node_rows.clear()


def _append_only(table: str):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
                       BEGIN RAISE EXCEPTION '{table} is append-only'; END;
                       $$ LANGUAGE plpgsql""")
        op.execute(f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                       FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()""")
        op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                       FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in reversed(TABLES):
        if postgres:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION {table}_refuse_change()")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    op.drop_index("ix_tree_heads_timestamp", table_name="tree_heads")
    for table in reversed(TABLES):
        op.drop_table(table)
