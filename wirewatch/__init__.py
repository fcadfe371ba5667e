"""wirewatch: a scheduled news-monitoring crawler for MENAFN-style wire stories.

The ``wirewatch`` package holds what every layer shares: the typed config, the
record that extraction produces and storage consumes, the text and address
normalisation both rely on, and the command line.
"""

__version__ = "0.1.0"
