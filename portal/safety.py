"""Small request-safety helpers shared by views."""

from urllib.parse import urlsplit


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only same-site absolute paths ("/staff/…"); anything with a scheme, a host, a
    backslash or a protocol-relative prefix falls back."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
