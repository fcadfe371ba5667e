"""``python -m wirewatch`` is the ``wirewatch`` command."""

from wirewatch.app.cli.main import main

main()
