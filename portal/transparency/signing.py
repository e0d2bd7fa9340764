"""Keys and signatures for tree heads: Ed25519 by default, SM2 with SM3 for deployments
that must meet GB/T 39786-2021 (国密); TRANSPARENCY_ALGORITHM chooses, once.

The private key lives in a file only the portal's user may read (0600, in a 0700 folder),
never in the database; `flask transparency keygen` makes it and records the public key,
`flask transparency rotate-key` makes a new one and records it endorsed by the old (the
new public key signed with the old private key). What is signed is plain text anyone can
rebuild from a published head (`head_message`).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app

ALGORITHMS = ("ed25519", "sm2")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def millis(moment: datetime) -> int:
    """Milliseconds since 1970 UTC, exactly (no floating point)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def head_message(origin: str, tree_size: int, root_hex: str, timestamp_ms: int) -> bytes:
    """The exact bytes a tree head's signature covers."""
    return f"portal-tree-head/v1\n{origin}\n{tree_size}\n{root_hex}\n{timestamp_ms}\n".encode()


def key_message(origin: str, algorithm: str, public_key_hex: str) -> bytes:
    """The bytes an old key signs to endorse its successor."""
    return f"portal-log-key/v1\n{origin}\n{algorithm}\n{public_key_hex}\n".encode()


@dataclass
class PrivateKey:
    algorithm: str
    secret: bytes  # Ed25519 raw private bytes, or the SM2 private scalar (32 bytes)

    def public_hex(self) -> str:
        if self.algorithm == "ed25519":
            key = Ed25519PrivateKey.from_private_bytes(self.secret)
            return key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw).hex()
        from gmssl import sm2

        curve = sm2.CryptSM2(public_key="", private_key=self.secret.hex())
        return curve._kg(int(self.secret.hex(), 16), sm2.default_ecc_table["g"])

    def sign(self, message: bytes) -> str:
        if self.algorithm == "ed25519":
            return Ed25519PrivateKey.from_private_bytes(self.secret).sign(message).hex()
        from gmssl import sm2

        curve = sm2.CryptSM2(public_key=self.public_hex(), private_key=self.secret.hex())
        return curve.sign_with_sm3(message)


def verify(algorithm: str, public_hex: str, message: bytes, signature_hex: str) -> bool:
    """Whether `signature_hex` is `public_hex`'s signature over `message`."""
    try:
        if algorithm == "ed25519":
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
                bytes.fromhex(signature_hex), message)
            return True
        from gmssl import sm2

        return bool(sm2.CryptSM2(public_key=public_hex, private_key="").verify_with_sm3(
            signature_hex, message))
    except (InvalidSignature, ValueError, TypeError):
        return False


def new_key(algorithm: str) -> PrivateKey:
    if algorithm == "ed25519":
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
            serialization.NoEncryption())
        return PrivateKey(algorithm, raw)
    if algorithm == "sm2":
        from gmssl import sm2

        order = int(sm2.default_ecc_table["n"], 16)
        return PrivateKey(algorithm, (secrets.randbelow(order - 1) + 1).to_bytes(32, "big"))
    raise ValueError(f"unknown signature algorithm {algorithm!r}")


def key_path() -> Path:
    configured = current_app.config.get("TRANSPARENCY_KEY_FILE")
    return Path(configured) if configured else (
        Path(current_app.instance_path) / "transparency" / "log-key")


def save_key(key: PrivateKey, path: Path) -> None:
    """Write the key file 0600 in a 0700 folder; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(f"{key.algorithm}\n{key.secret.hex()}\n")


def load_key(path: Path | None = None) -> PrivateKey:
    """The signing key. Raises FileNotFoundError when none was made."""
    algorithm, secret = (path or key_path()).read_text().split()
    return PrivateKey(algorithm, bytes.fromhex(secret))


def origin() -> str:
    """What this log calls itself in what it signs: the site's address or name."""
    return (current_app.config.get("TRANSPARENCY_ORIGIN") or current_app.config.get("SITE_URL")
            or current_app.config["SITE_NAME"])
