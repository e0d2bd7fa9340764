"""/transparency/: every signed tree head, the keys, proofs and leaf hashes, for anyone.

Leaves are hashes of hashes: nothing here reveals what an audit event says. A journalist
or a county 纪委 keeps the heads (JSON or the Atom feed), and later checks with the
standalone verifier that the log only grew."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from portal import validation
from portal.feeds.atom import xml_safe
from portal.transparency import heads, log, signing
from portal.transparency.verify_log import __file__ as verifier_path

bp = Blueprint("transparency", __name__, url_prefix="/transparency")
MAX_LEAVES = 10_000


def _int_arg(name: str, default: int | None = None) -> int:
    value = request.args.get(name, "")
    if not value and default is not None:
        return default
    if not validation.is_number(value, max_digits=12):
        abort(400, f"参数 {name} 应为非负整数。")
    return int(value)


@bp.get("/")
def index():
    return render_template("transparency/index.html", heads=list(reversed(heads.all_heads())),
                           keys=heads.all_keys(), log=heads.log_json(), tree_size=log.size())


@bp.get("/heads.json")
def heads_json():
    return jsonify(log=heads.log_json(), keys=heads.keys_json(),
                   heads=[heads.as_json(head) for head in heads.all_heads()])


@bp.get("/heads.atom")
def heads_atom():
    body = render_template("transparency/heads.xml", heads=list(reversed(heads.all_heads())),
                           origin=xml_safe(signing.origin()), as_json=heads.as_json)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/proof/inclusion")
def inclusion():
    index, size = _int_arg("index"), _int_arg("tree_size", log.size())
    if not 0 <= index < size <= log.size():
        abort(400, "叶子序号应小于树的大小，树的大小不能超过当前日志。")
    leaf = log.leaves(index, index + 1)[0]
    return jsonify(leaf_index=index, tree_size=size, leaf_hash=leaf.leaf_hash.hex(),
                   audit_path=[node.hex() for node in log.inclusion_proof(index, size)],
                   root_hash=log.root(size).hex())


@bp.get("/proof/consistency")
def consistency():
    first, second = _int_arg("first"), _int_arg("second", log.size())
    if not 0 < first <= second <= log.size():
        abort(400, "应满足 0 < first ≤ second ≤ 当前日志大小。")
    return jsonify(first=first, second=second,
                   consistency_path=[node.hex() for node in log.consistency_proof(first, second)],
                   first_root=log.root(first).hex(), second_root=log.root(second).hex())


@bp.get("/leaves")
def leaves():
    start = _int_arg("start", 0)
    end = min(_int_arg("end", start + 1000), start + MAX_LEAVES, log.size())
    return jsonify(start=start, end=max(start, end),
                   leaf_hashes=[leaf.leaf_hash.hex() for leaf in log.leaves(start, end)])


@bp.get("/cosignatures.json")
def cosignatures():
    """Heads of other servers' logs this server checked and countersigned (witnessing)."""
    from portal.transparency import witness

    return jsonify(origin=signing.origin(), keys=heads.keys_json(),
                   cosignatures=witness.published())


@bp.get("/verify_log.py")
def verifier():
    """The standalone verifier, to check this log without trusting this server."""
    with open(verifier_path, encoding="utf-8") as source:
        text = source.read()
    response = Response(text, mimetype="text/x-python; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=verify_log.py"
    return response
