"""Append-only, hash-chained audit log. Services call `audit.record(...)` before commit."""

from portal.audit.services import record, record_failure

__all__ = ["record", "record_failure"]
