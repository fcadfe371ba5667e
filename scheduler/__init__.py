"""``wirewatch daemon``: unattended schedules with one leader per database.

- ``lock``: leader election (PostgreSQL advisory lock, SQLite lock file) and who holds it.
- ``jobs``: one APScheduler job per source, reconciled with the config.
- ``child_process``: each crawl in its own process, with a wall-clock limit.
- ``launcher``: runs scheduled crawls, settles their runs, stops them on shutdown.
- ``orphans``: crash recovery, the runs a dead daemon left ``running``.
- ``snapshot``: the accepted config, frozen for crawl children.
- ``daemon``: the main loop, signals, crash recovery, standby.
- ``status``: what ``wirewatch status`` reports.
"""
