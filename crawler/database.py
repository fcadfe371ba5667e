"""One SQLAlchemy engine per database URL per process, shared by a crawl's components.

The spider (to ask what is already stored), the storage pipeline and the run
recorder of every source's crawler use the same pool instead of opening one each.
"""

from wirewatch.storage.engine import Engine, make_engine

_engines: dict[str, Engine] = {}


def shared_engine(url: str) -> Engine:
    """The process's engine for ``url``, created on first use."""
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (at the end of a crawl)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
