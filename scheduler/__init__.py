"""``wirewatch daemon``: unattended schedules with one leader per database.

- ``lock``: leader election (PostgreSQL advisory lock, SQLite lock file) and who holds it.
- ``jobs``: one APScheduler job per source, reconciled with the config.
- ``child``: each crawl in its own process, with a wall-clock limit.
- ``runner``: runs scheduled crawls and stops them on shutdown.
- ``runs``: the daemon's side of ``crawl_runs`` (settling, crash triage).
- ``snapshot``: the accepted config, frozen for crawl children.
- ``daemon``: the main loop, signals, crash recovery, standby.
- ``status``: what ``wirewatch status`` reports.
"""
