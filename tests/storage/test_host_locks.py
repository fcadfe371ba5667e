"""Per-host advisory locks on PostgreSQL: all of a run's hosts, or none; gone with the connection."""

import pytest

from wirewatch.storage.host_locks import HostLocks, held_host_locks, host_key

pytestmark = pytest.mark.postgres


def test_a_run_takes_every_host_or_none(postgres_url: str) -> None:
    first, second, third = HostLocks(postgres_url), HostLocks(postgres_url), HostLocks(postgres_url)
    try:
        assert first.try_acquire(["menafn.com", "Example.org"])
        assert first.held == ["example.org", "menafn.com"]
        assert not second.try_acquire(["a.example", "menafn.com", "zz.example"])
        assert second.held == []
        assert held_host_locks(postgres_url) == 2  # the second one gave back what it took
        assert third.try_acquire(["a.example", "zz.example"])

        first.release()
        assert second.try_acquire(["menafn.com"])
    finally:
        for locks in (first, second, third):
            locks.release()
    assert held_host_locks(postgres_url) == 0


def test_host_keys_fit_a_signed_32_bit_integer_and_ignore_case() -> None:
    keys = [host_key(f"host-{n}.example") for n in range(1000)]
    assert all(-(2**31) <= key < 2**31 for key in keys)
    assert host_key("MENAFN.com") == host_key("menafn.com")
