"""A migrated engine over each database kind (see ``tests/conftest.py``)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from storage_factory import migrated_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()
