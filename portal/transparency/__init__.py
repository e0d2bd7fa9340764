"""The audit log as a public, append-only Merkle tree with signed heads (RFC 9162)."""
