"""wirewatch: a scheduled news-monitoring crawler for MENAFN-style wire stories.

Layers, each importing only those below it: ``app`` (the command line, the demo,
the sample web) on top; ``scheduler`` and ``crawler`` (apart); ``storage``;
``core`` (config, record, text, URLs, errors, schedule grammar).
"""

__version__ = "0.1.0"
