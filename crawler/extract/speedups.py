"""The compiled tree walks (``_treewalk.pyx``), or None when they were not built.

Building them needs a C compiler at install time; without one, extraction runs
the same rules in Python, slower. Extraction reads ``treewalk`` here at every
call, so setting it to None runs the Python walks (the tests and the benchmark
compare the two that way).
"""

from types import ModuleType

treewalk: ModuleType | None
try:
    from crawler.extract import _treewalk as treewalk
except ImportError:  # not built: the Python walks stand in
    treewalk = None
