"""What PostgreSQL's planner expects of a statement, without running it.

``estimated_rows`` asks ``EXPLAIN (FORMAT JSON)`` for the rows the planner
expects a statement to return: planning alone, from the table statistics
(for a ``tsvector`` column, its most common lexemes and their frequencies).
"""

from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement, bound parameters and all."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def estimated_rows(connection: Connection, statement: Select[Any]) -> float:
    """The rows PostgreSQL's planner expects ``statement`` to return."""
    plan = connection.execute(Explain(statement)).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])
