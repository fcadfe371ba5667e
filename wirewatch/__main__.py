"""``python -m wirewatch`` is the ``wirewatch`` command (used by the daemon to start crawl children)."""

from wirewatch.app.cli.main import main

main()
