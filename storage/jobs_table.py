"""APScheduler's job table, as ``wirewatch status`` reads it.

The daemon's ``SQLAlchemyJobStore`` creates and writes this table (it is not in
the migrations, and the models' comparison with them leaves it out); storage
only reads the two columns the status needs: the job id, which is the source
name, and ``next_run_time``, a UTC epoch float (null while the job is paused).
"""

from datetime import UTC, datetime

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, inspect, select

JOBS_TABLE = "apscheduler_jobs"
"""The table's name, passed to the job store so both sides use this one."""

_jobs = Table(
    JOBS_TABLE,
    MetaData(),
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25)),
)


def next_run_times(engine: Engine) -> dict[str, datetime | None]:
    """Each stored job's next run time (None: paused); empty before any daemon ran."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(_jobs.c.id, _jobs.c.next_run_time)).all()
    return {
        row.id: datetime.fromtimestamp(row.next_run_time, UTC) if row.next_run_time else None
        for row in rows
    }
