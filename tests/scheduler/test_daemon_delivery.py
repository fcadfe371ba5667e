"""The daemon delivers watch matches, and a ``kill -9`` in the middle loses and repeats nothing
a receiver that dedupes by ``Idempotency-Key`` would notice."""

import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import make_record, migrated, sighting
from tests.receivers import Receiver
from tests.scheduler.helpers import Daemon, wait_until
from wirewatch.core.config import WatchConfig
from wirewatch.storage.matching import watch_rules
from wirewatch.storage.models import watch_matches
from wirewatch.storage.upsert import store_batch

pytestmark = pytest.mark.slow

MATCHES = 6


def test_after_kill_9_mid_delivery_every_match_is_delivered_and_seen_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    with Receiver("127.0.0.5", hold_on=3) as receiver:
        config = tmp_path / "wirewatch.toml"
        config.write_text(
            f"[database]\nurl = {json.dumps(sqlite_url)}\n\n"
            "[delivery]\ninterval = 0.2\ntimeout = 1\nbackoff_initial = 0.01\nbackoff_max = 0.02\n\n"
            f'[[watches]]\nname = "cranes"\nquery = "harbour"\nwebhook = {json.dumps(receiver.url)}\n',
            encoding="utf-8",
        )
        engine = migrated(sqlite_url)
        rules = watch_rules([WatchConfig(name="cranes", query="harbour", webhook=receiver.url)])
        store_batch(engine, [sighting(make_record(n)) for n in range(1, MATCHES + 1)], rules)

        first = Daemon(config, tmp_path / "first.log")
        try:
            assert receiver.held.wait(30), first.log
            first.send(signal.SIGKILL)
            first.wait(10)
        finally:
            first.stop()
        receiver.release()
        with engine.connect() as connection:
            states = connection.execute(select(watch_matches.c.status)).scalars().all()
        assert states.count("delivered") == 2, states  # the third was in flight

        second = Daemon(config, tmp_path / "second.log")
        try:

            def all_delivered() -> bool:
                with engine.connect() as connection:
                    statuses = connection.execute(select(watch_matches.c.status)).scalars().all()
                return set(statuses) == {"delivered"}

            wait_until(all_delivered, 60, "every match delivered")
        finally:
            second.stop()

        with engine.connect() as connection:
            ids = connection.execute(select(watch_matches.c.id)).scalars().all()
        assert sorted(receiver.processed) == sorted(str(i) for i in ids)
        assert len(ids) == MATCHES
        keys = [r.key for r in receiver.requests]
        repeated = {key for key in keys if keys.count(key) > 1}
        assert repeated == {receiver.requests[2].key}  # only the one killed mid-POST, re-sent
        engine.dispose()
