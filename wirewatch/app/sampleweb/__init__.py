"""A generated MENAFN-style web (a wire site and a syndicating partner) served locally.

Used by ``wirewatch demo``, the crawler's end-to-end tests and the benchmarks:
``SampleWeb`` serves it, ``stories`` generates its corpus, ``templates`` renders
its pages, and the ``expected_*`` helpers say what a correct crawl stores.
"""

from wirewatch.app.sampleweb.server import LoggedRequest, SampleWeb
from wirewatch.app.sampleweb.stories import Story, generate_stories

__all__ = ["LoggedRequest", "SampleWeb", "Story", "generate_stories"]
