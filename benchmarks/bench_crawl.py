"""Crawl benchmark: wirewatch against a bare Scrapy spider on the same generated site.

Serves a SampleWeb of N stories (5,000 by default, 300 with ``--quick``) and runs,
each in its own child process so that peak memory is measured per crawler:

1. baseline: a bare Scrapy spider that fetches every story page and parses it
   with lxml, storing nothing;
2. wirewatch, first run: ``run_crawl`` of both sources into a fresh SQLite file
   (discovery, extraction, storage, accounting);
3. wirewatch, second run over the unchanged site.

Prints pages/s, peak RSS and the ratios against the targets (>= 70% of the
baseline's pages/s, < 300 MB, second run < 10% of the first's time with zero
article re-downloads). Not a timed test: run it with ``make bench`` or
``python benchmarks/bench_crawl.py [--quick] [--stories N]``.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

CONCURRENCY = 32
PER_HOST = 16


def child_crawl(config_path: str) -> None:
    """In a child: crawl every configured source; print wall time and peak RSS as JSON."""
    from wirewatch.core.config import load_config
    from wirewatch.crawler.process import run_crawl

    started = time.perf_counter()
    summaries = run_crawl(load_config(Path(config_path)), None)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "max_rss_mb": _max_rss_mb(),
                "statuses": [s.status for s in summaries],
                "pages": sum(s.counts.pages_fetched for s in summaries),
            }
        )
    )


def child_baseline(urls_path: str) -> None:
    """In a child: a bare Scrapy spider fetching and lxml-parsing the given pages, storing nothing."""
    import lxml.html
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess

    urls = Path(urls_path).read_text(encoding="utf-8").split()
    parsed: list[int] = []

    class Baseline(Spider):
        name = "baseline"

        async def start(self) -> Any:
            for url in urls:
                yield Request(url, callback=self.parse)

        def parse(self, response: Any) -> None:
            tree = lxml.html.fromstring(response.body)
            parsed.append(len(" ".join(tree.xpath("//p//text()"))))

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "ERROR",
            "CONCURRENT_REQUESTS": CONCURRENCY,
            "CONCURRENT_REQUESTS_PER_DOMAIN": PER_HOST,
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "COOKIES_ENABLED": False,
        }
    )
    started = time.perf_counter()
    process.crawl(Baseline)
    process.start()
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "max_rss_mb": _max_rss_mb(), "pages": len(parsed)}))


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 300-story site")
    parser.add_argument("--stories", type=int, help="site size (default 5000, 300 with --quick)")
    args = parser.parse_args()
    stories = args.stories or (300 if args.quick else 5000)

    from wirewatch.app.sampleweb import SampleWeb

    with (
        tempfile.TemporaryDirectory() as tmp,
        SampleWeb(stories=stories, seed=11, bad_pages=False, feed_size=50) as web,
    ):
        db = Path(tmp) / "bench.db"
        config = web.write_config(
            Path(tmp) / "wirewatch.toml",
            f"sqlite:///{db}",
            concurrency=CONCURRENCY,
            per_host_concurrency=PER_HOST,
            timeout=30,
        )
        urls = sorted({u for addresses in web.expected_urls().values() for u in addresses})
        (Path(tmp) / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        print(f"site: {stories} wire stories, {len(urls)} story pages on two hosts")

        baseline = _run_child("--child-baseline", str(Path(tmp) / "urls.txt"))
        web.clear_log()
        first = _run_child("--child-crawl", str(config))
        first_articles = len(web.article_requests())
        web.clear_log()
        second = _run_child("--child-crawl", str(config))
        refetched = len(web.article_requests())

        engine = create_engine(f"sqlite:///{db}")
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
        engine.dispose()

    base_rate = baseline["pages"] / baseline["seconds"]
    first_rate = first["pages"] / first["seconds"]
    story_rate = first_articles / first["seconds"]
    print(
        f"baseline (bare Scrapy + lxml): {baseline['pages']} pages in {baseline['seconds']:.1f}s"
        f" = {base_rate:.0f} pages/s, peak RSS {baseline['max_rss_mb']:.0f} MB"
    )
    print(
        f"wirewatch first run: {first['pages']} pages ({first_articles} story pages) in"
        f" {first['seconds']:.1f}s = {first_rate:.0f} pages/s ({story_rate:.0f} story pages/s),"
        f" peak RSS {first['max_rss_mb']:.0f} MB, {stored} articles stored, {first['statuses']}"
    )
    print(
        f"wirewatch second run (unchanged site): {second['seconds']:.1f}s,"
        f" {second['pages']} pages, {refetched} article re-downloads, {second['statuses']}"
    )
    print(
        f"ratios: pages/s {first_rate / base_rate:.0%} of baseline (target >= 70%),"
        f" story pages/s {story_rate / base_rate:.0%};"
        f" peak memory {first['max_rss_mb']:.0f} MB (target < 300 MB);"
        f" second run {second['seconds'] / first['seconds']:.0%} of the first (target < 10%),"
        f" re-downloads {refetched} (target 0)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child-crawl":
        child_crawl(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--child-baseline":
        child_baseline(sys.argv[2])
    else:
        main()
