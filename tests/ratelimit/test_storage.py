"""The SQL counter storage: window semantics and atomic counting, on SQLite or PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.ratelimit.storage import KEY_LENGTH, SQLStorage, row_key, storage_uri


def test_uri_scheme_selects_the_sql_storage(database_url):
    storage = storage_from_string(storage_uri(database_url))
    try:
        assert isinstance(storage, SQLStorage)
        assert storage.check()
    finally:
        storage.dispose()


def test_incr_counts_within_a_window(storage):
    assert [storage.incr("client-a", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("client-a", 60, amount=5) == 8
    assert storage.get("client-a") == 8
    assert storage.get_expiry("client-a") == storage.manual_clock.now + 60


def test_keys_count_separately(storage):
    storage.incr("client-a", 60)
    storage.incr("client-a", 60)
    assert storage.incr("client-b", 60) == 1
    assert storage.get("client-a") == 2
    assert storage.get("nobody") == 0
    assert storage.get_expiry("nobody") == storage.manual_clock.now


def test_window_does_not_slide_with_each_hit(storage):
    storage.incr("client-a", 60)
    started = storage.manual_clock.now
    storage.manual_clock.advance(59)
    assert storage.incr("client-a", 60) == 2
    assert storage.get_expiry("client-a") == started + 60


def test_a_new_window_starts_from_zero_after_expiry(storage):
    storage.incr("client-a", 60)
    storage.incr("client-a", 60)
    storage.manual_clock.advance(60)
    assert storage.get("client-a") == 0
    assert storage.get_expiry("client-a") == storage.manual_clock.now
    assert storage.incr("client-a", 60) == 1
    assert storage.get_expiry("client-a") == storage.manual_clock.now + 60


def test_clear_forgets_one_key(storage):
    storage.incr("client-a", 60)
    storage.incr("client-b", 60)
    storage.clear("client-a")
    assert storage.get("client-a") == 0
    assert storage.get("client-b") == 1


def test_reset_forgets_every_key(storage):
    storage.incr("client-a", 60)
    storage.incr("client-b", 60)
    assert storage.reset() == 2
    assert storage.get("client-a") == storage.get("client-b") == 0


def test_expired_rows_are_purged(storage, database_url):
    storage.incr("old", 10)
    storage.incr("current", 100)
    storage.manual_clock.advance(50)
    storage.purge_one_in = 1  # purge on every incr
    storage.incr("new", 10)
    assert _stored_keys(database_url) == {"current", "new"}


def test_keys_longer_than_the_column_are_stored_hashed(storage):
    long_a, long_b = "a" * 300 + "1", "a" * 300 + "2"
    assert len(row_key(long_a)) == KEY_LENGTH and row_key(long_a) != row_key(long_b)
    assert storage.incr(long_a, 60) == 1
    assert storage.incr(long_b, 60) == 1
    assert storage.incr(long_a, 60) == 2
    storage.clear(long_a)
    assert storage.get(long_a) == 0 and storage.get(long_b) == 1


def test_concurrent_increments_are_never_lost(storage):
    """Each hit gets a distinct count: no two writers read the same old value."""
    threads, per_thread = 6, 25
    seen: list[int] = []
    barrier = threading.Barrier(threads)

    def hammer():
        barrier.wait()
        for _ in range(per_thread):
            seen.append(storage.incr("hot", 60))

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(seen) == list(range(1, threads * per_thread + 1))
    assert storage.get("hot") == threads * per_thread


def test_fixed_window_strategy_on_the_storage(storage):
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per minute")
    assert limiter.hit(item, "10.0.0.1") and limiter.hit(item, "10.0.0.1")
    assert not limiter.hit(item, "10.0.0.1")
    assert limiter.hit(item, "10.0.0.2")
    assert limiter.get_window_stats(item, "10.0.0.1").remaining == 0


def test_check_fails_without_the_table(tmp_path):
    storage = SQLStorage(storage_uri(f"sqlite:///{tmp_path / 'empty.db'}"))
    try:
        assert not storage.check()
        with pytest.raises(sa.exc.OperationalError):
            storage.incr("client-a", 60)
    finally:
        storage.dispose()


def _stored_keys(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        keys = set(conn.scalars(sa.text("SELECT key FROM rate_limit_counters")))
    engine.dispose()
    return keys
