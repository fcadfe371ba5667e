"""Rewrite the expected JSON of invented golden templates from the current extractor (Fundus style).

Only with ``--overwrite``; without it, prints what would change. The two shared
samples are never rewritten: their expected records are the specification.

    .venv/bin/python -m tests.crawler.extract.regenerate [NAME ...] [--overwrite]
"""

import argparse
import json
import sys

from tests.crawler.extract.golden import Golden, invented_goldens
from wirewatch.core.record import ArticleRecord
from wirewatch.crawler.extract import extract


def _render(golden: Golden) -> str | None:
    result = extract(golden.url, golden.body(), golden.headers)
    if not isinstance(result, ArticleRecord):
        print(f"{golden.name}: rejected ({result.reason}: {result.detail})", file=sys.stderr)
        return None
    return json.dumps(result.to_expected_json(), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="templates to regenerate (default: all invented)")
    parser.add_argument("--overwrite", action="store_true", help="write the files")
    args = parser.parse_args(argv)
    goldens = [g for g in invented_goldens() if not args.names or g.name in args.names]
    status = 0
    for golden in goldens:
        rendered = _render(golden)
        if rendered is None:
            status = 1
            continue
        current = (
            golden.expected_path.read_text(encoding="utf-8")
            if golden.expected_path.exists()
            else ""
        )
        if json.loads(rendered) == (json.loads(current) if current else None):
            print(f"{golden.name}: unchanged")
        elif args.overwrite:
            golden.expected_path.write_text(rendered, encoding="utf-8")
            print(f"{golden.name}: rewritten")
        else:
            print(f"{golden.name}: differs (run with --overwrite to rewrite)")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
