"""Extraction speed on pages of real weight: ours vs ``trafilatura.extract`` vs a bare parse.

The target (from now on): on real-weight pages (about 30-100 KB), our extraction
runs at least 5x trafilatura's pages/s and within 3x of a bare ``lxml.html`` parse.

The pages are built from the real pages in ``../shared/aeb-dev`` (beside the
repository): each keeps its real markup around the article (head, scripts,
styles, menus, sidebars, footers) and gets a MENAFN story from the golden
templates in place of its article body (found through the page's ground truth),
with a fresh wire ID in every copy. Pages outside MIN_KIB..MAX_KIB, and pages
our extraction does not turn into a wire record with that ID, are left out; the
counts are printed.

The three contenders take turns chunk by chunk on the same pages in the same
process, timed in process CPU time (steady on a shared machine); each prints
the median pages/s of its passes (trafilatura runs in fewer passes: it is slow).
No timed assertions: the ratios are printed with a check or a cross.

``--generic`` measures the generic path instead: the real pages as they were
fetched (no MENAFN markers, every size), whatever our extraction makes of them
(a record or a rejection, counted). It runs trafilatura itself, so the wire
targets do not apply to it; its figure to watch is ours / trafilatura, which
should stay near 1x (the page parse and the listing check on top of
trafilatura's own work; no time goes to trafilatura on pages rejected before it).

Run from the repository root, with the project installed in .venv::

    .venv/bin/python benchmarks/bench_extract.py            # full run, a few minutes
    .venv/bin/python benchmarks/bench_extract.py --quick    # smoke run (make bench)
    .venv/bin/python benchmarks/bench_extract.py --generic  # the generic path

Options: ``--pages N`` (pages per pass), ``--repeats R`` (passes; trafilatura
runs in half of them, at least one).
"""

import argparse
import copy
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree

# The extractor under test.
from wirewatch.core.record import ArticleRecord
from wirewatch.core.wire_id import WIRE_ID_PATTERN
from wirewatch.crawler.extract import extract

REPO_ROOT = Path(__file__).resolve().parents[1]
AEB_DEV = REPO_ROOT.parent / "shared" / "aeb-dev"
TEMPLATES = REPO_ROOT / "tests" / "crawler" / "extract" / "templates"

MIN_KIB, MAX_KIB = 30, 100
CHUNK = 50
TARGET_VS_TRAFILATURA = 5.0  # ours / trafilatura, at least
TARGET_VS_BARE = 3.0  # bare parse / ours, at most
HEADERS = {"Content-Type": "text/html; charset=utf-8"}

_SPACES = re.compile(r"\s+")
_NON_TEXT = ("script", "style", "noscript", "template")

Page = tuple[str, bytes, str]  # url, body, the wire ID our extraction must find


def _text(element: etree._Element) -> str:
    text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return _SPACES.sub(" ", text).strip()


def _deepest_holding(root: etree._Element, needles: list[str]) -> etree._Element | None:
    """The deepest element whose visible text holds every needle (script text not counted).

    Searched in a copy whose script and style texts are blanked, then found again
    in ``root`` by its position (blanking moves no element).
    """
    blanked = copy.deepcopy(root)
    for element in blanked.iter(*_NON_TEXT):
        for inner in element.iter():
            inner.text = None
            if inner is not element:
                inner.tail = None
    found = None
    for element in blanked.iter():
        if isinstance(element.tag, str) and all(n in _text(element) for n in needles):
            found = element  # in document order, so the last match is the deepest
    if found is None:
        return None
    return _same_place(found, blanked, root)


def _same_place(
    element: etree._Element, tree: etree._Element, other: etree._Element
) -> etree._Element:
    """The element of ``other`` at the place ``element`` has in ``tree`` (a copy of ``other``)."""
    indexes = []
    while element is not tree:
        parent = element.getparent()
        assert parent is not None
        indexes.append(parent.index(element))
        element = parent
    for index in reversed(indexes):
        other = other[index]
    return other


def load_stories() -> list[etree._Element]:
    """The story of each golden template: the element holding its opener, wire ID and disclaimer."""
    manifest = json.loads((TEMPLATES / "manifest.json").read_text(encoding="utf-8"))
    stories = []
    for name, entry in manifest.items():
        charset = entry["headers"].get("Content-Type", "").partition("charset=")[2] or "utf-8"
        html = (TEMPLATES / f"{name}.html").read_bytes().decode(charset)
        body = lxml.html.document_fromstring(html).find("body")
        if body is None:
            continue
        text = _text(body)
        wire_id = WIRE_ID_PATTERN.search(text)
        if wire_id is None:
            continue
        needles = ["(MENAFN", wire_id[0]]
        if "Legal Disclaimer" in text:
            needles.append("Legal Disclaimer")
        story = _deepest_holding(body, needles)
        if story is not None:
            stories.append(story)
    return stories


def _article_container(root: etree._Element, truth: str) -> etree._Element | None:
    """The element holding the page's article body: from its first to its last paragraph."""
    paragraphs = [_SPACES.sub(" ", p).strip() for p in truth.splitlines() if len(p.split()) >= 8]
    body = root.find("body")
    if not paragraphs or body is None:
        return None
    first = " ".join(paragraphs[0].split()[:6])
    last = " ".join(paragraphs[-1].split()[-6:])
    container = _deepest_holding(body, [first, last])
    # Too little text: only part of the article (the rest would stay on the page).
    if container is None or len(_text(container)) < len(_SPACES.sub(" ", truth)) / 2:
        return None
    return container


def _with_story(root: etree._Element, container: etree._Element, story: etree._Element) -> bytes:
    """The page with ``story`` as the only content of ``container``, serialised as UTF-8."""
    page = copy.deepcopy(root)
    target = _same_place(container, root, page)
    for child in list(target):
        target.remove(child)
    target.text = None
    target.append(copy.deepcopy(story))
    head = page.find("head")
    if head is not None:  # the page is now UTF-8, whatever it was served as
        for meta in head.findall("meta"):
            if meta.get("charset") or (meta.get("http-equiv") or "").lower() == "content-type":
                head.remove(meta)
        head.insert(0, etree.Element("meta", charset="utf-8"))
    serialised: bytes = lxml.html.tostring(page, encoding="utf-8", doctype="<!DOCTYPE html>")
    return serialised


def _parse(raw: bytes) -> etree._Element:
    try:
        return lxml.html.document_fromstring(raw.decode("utf-8"))
    except UnicodeDecodeError:  # let libxml2 read the page's own charset declaration
        return lxml.html.document_fromstring(raw)


def base_pages(stories: list[etree._Element], counts: Counter[str]) -> list[tuple[str, bytes]]:
    """Each real page (that can take a story) with each story: (url, body) in the size range."""
    truth = json.loads((AEB_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    built: list[tuple[str, bytes]] = []
    for key, entry in sorted(truth.items()):
        root = _parse(gzip.decompress((AEB_DEV / "html" / f"{key}.html.gz").read_bytes()))
        container = _article_container(root, entry["articleBody"])
        if container is None:
            counts["real pages whose article body was not found"] += 1
            continue
        fitting = [_with_story(root, container, story) for story in stories]
        fitting = [body for body in fitting if MIN_KIB * 1024 <= len(body) <= MAX_KIB * 1024]
        if fitting:
            counts[f"pairs outside {MIN_KIB}-{MAX_KIB} KiB"] += len(stories) - len(fitting)
        else:
            counts[f"real pages outside {MIN_KIB}-{MAX_KIB} KiB with every story"] += 1
        built.extend((entry["url"], body) for body in fitting)
    return built


def _fresh_copy(url: str, body: bytes, number: int) -> Page:
    """The page with a wire ID (article number) of its own."""
    article = str(1_300_000_000 + number)

    def renumbered(match: re.Match[str]) -> str:
        return match[0][: match.start("article_number") - match.start()] + article

    text = WIRE_ID_PATTERN.sub(renumbered, body.decode("utf-8"))
    found = WIRE_ID_PATTERN.search(text)
    return url, text.encode("utf-8"), found[0] if found else ""


def build_pages(count: int) -> list[Page]:
    """``count`` copies of the usable pages, in a fixed shuffled order; says what it left out."""
    counts: Counter[str] = Counter()
    stories = load_stories()
    usable = []
    for url, body in base_pages(stories, counts):
        page = _fresh_copy(url, body, 0)
        result = extract(url, page[1], HEADERS)
        if isinstance(result, ArticleRecord) and str(result.wire) == page[2]:
            usable.append((url, body))
        else:
            counts["pairs not extracted as a wire record with their wire ID"] += 1
    real = len({url for url, _ in usable})
    print(
        f"used: {len(usable)} page x story pairs from {real} real pages (of "
        f"{len(list(AEB_DEV.glob('html/*.html.gz')))}) and {len(stories)} template stories, "
        f"each verified to extract as a wire record; {count} pages a pass, each with its own "
        "wire ID"
    )
    for reason, number in sorted(counts.items()):
        print(f"  left out: {number} {reason}")
    random.Random(7).shuffle(usable)
    return [_fresh_copy(*usable[i % len(usable)], i + 1) for i in range(count)] if usable else []


def generic_pages(count: int) -> list[Page]:
    """``count`` pages cycling through the real pages as fetched; says what extraction made of them."""
    truth = json.loads((AEB_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    real = [
        (entry["url"], gzip.decompress((AEB_DEV / "html" / f"{key}.html.gz").read_bytes()), "")
        for key, entry in sorted(truth.items())
    ]
    outcomes: Counter[str] = Counter()
    for url, body, _ in real:
        result = extract(url, body, HEADERS)
        outcomes["records" if isinstance(result, ArticleRecord) else "rejections"] += 1
    print(
        f"used: the {len(real)} real pages as fetched, without MENAFN markers; our extraction "
        f"makes {outcomes['records']} records and {outcomes['rejections']} rejections of them; "
        f"{count} pages a pass"
    )
    random.Random(7).shuffle(real)
    return [real[i % len(real)] for i in range(count)] if real else []


def _ours(page: Page) -> object:
    return extract(page[0], page[1], HEADERS)


def _trafilatura(page: Page) -> object:
    return trafilatura.extract(page[1], url=page[0])


def _bare_parse(page: Page) -> object:
    return lxml.html.fromstring(page[1])


CONTENDERS: dict[str, Callable[[Page], object]] = {
    "ours": _ours,
    "trafilatura": _trafilatura,
    "bare parse": _bare_parse,
}


def _one_pass(names: list[str], pages: list[Page]) -> dict[str, float]:
    """Pages/s (CPU time) of each contender over the pages, taking turns chunk by chunk.

    The order rotates from chunk to chunk, so a burst of load from other processes
    hits every contender alike, while each chunk runs with its code and data warm.
    """
    spent = dict.fromkeys(names, 0.0)
    for number, first in enumerate(range(0, len(pages), CHUNK)):
        chunk = pages[first : first + CHUNK]
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            function = CONTENDERS[name]
            start = time.process_time()
            for page in chunk:
                function(page)
            spent[name] += time.process_time() - start
    return {name: len(pages) / max(seconds, 1e-9) for name, seconds in spent.items()}


def measure(pages: list[Page], repeats: int, trafilatura_repeats: int) -> dict[str, float]:
    """Median pages/s of each contender over the passes (trafilatura in the first few only)."""
    for function in CONTENDERS.values():  # warm-up, untimed
        for page in pages[:10]:
            function(page)
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for number in range(repeats):
        names = [n for n in CONTENDERS if n != "trafilatura" or number < trafilatura_repeats]
        for name, rate in _one_pass(names, pages).items():
            rates[name].append(rate)
    return {name: statistics.median(values) for name, values in rates.items()}


def _mark(ok: bool) -> str:
    return "\N{CHECK MARK}" if ok else "\N{BALLOT X}"


def report(pages: list[Page], rates: dict[str, float], *, targets: bool = True) -> None:
    """One Markdown table row: the figures and the two ratios (against their targets)."""
    ours, trafila, bare = rates["ours"], rates["trafilatura"], rates["bare parse"]
    vs_trafilatura, vs_bare = ours / trafila, bare / ours
    size = statistics.median(len(body) for _, body, _ in pages) / 1024
    if not targets:
        cells = {
            "pages": f"{len(pages)}",
            "median size": f"{size:.1f} KiB",
            "ours pages/s": f"{ours:.0f}",
            "trafilatura pages/s": f"{trafila:.0f}",
            "bare parse pages/s": f"{bare:.0f}",
            "ours / trafilatura": f"{vs_trafilatura:.2f}x",
            "bare / ours": f"{vs_bare:.2f}x",
        }
        print("| " + " | ".join(cells) + " |")
        print("|" + "---|" * len(cells))
        print("| " + " | ".join(cells.values()) + " |")
        return
    cells = {
        "pages": f"{len(pages)}",
        "median size": f"{size:.1f} KiB",
        "ours pages/s": f"{ours:.0f}",
        "trafilatura pages/s": f"{trafila:.0f}",
        "bare parse pages/s": f"{bare:.0f}",
        f"ours / trafilatura (target >= {TARGET_VS_TRAFILATURA:g}x)": (
            f"{vs_trafilatura:.2f}x {_mark(vs_trafilatura >= TARGET_VS_TRAFILATURA)}"
        ),
        f"bare / ours (target <= {TARGET_VS_BARE:g}x)": (
            f"{vs_bare:.2f}x {_mark(vs_bare <= TARGET_VS_BARE)}"
        ),
    }
    print("| " + " | ".join(cells) + " |")
    print("|" + "---|" * len(cells))
    print("| " + " | ".join(cells.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pages per pass (default 500)")
    parser.add_argument("--repeats", type=int, default=7, help="passes (default 7)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 pages, 2 passes")
    parser.add_argument(
        "--generic", action="store_true", help="the generic path: the real pages as fetched"
    )
    args = parser.parse_args()
    if args.quick:
        args.pages, args.repeats = 100, 2
    if not AEB_DEV.is_dir():
        sys.exit(
            f"bench_extract: no real pages at {AEB_DEV}: this benchmark needs the aeb-dev pages "
            "in ../shared/aeb-dev beside the repository"
        )
    if not TEMPLATES.is_dir():
        sys.exit(f"bench_extract: no golden templates at {TEMPLATES}")
    print(f"real pages from {AEB_DEV}")
    pages = generic_pages(args.pages) if args.generic else build_pages(args.pages)
    if not pages:
        sys.exit("bench_extract: no usable page (see above)")
    trafilatura_repeats = max(1, args.repeats // 2)
    print(
        f"trafilatura {trafilatura.__version__}, lxml {etree.__version__}; "
        f"CPU time, median of {args.repeats} passes ({trafilatura_repeats} for trafilatura), "
        f"chunks of {CHUNK} in turn\n"
    )
    report(pages, measure(pages, args.repeats, trafilatura_repeats), targets=not args.generic)


if __name__ == "__main__":
    main()
