"""How many timeframe cells of the corpus (fixtures/corpus/) the parser leaves unread.

    .venv/bin/python bench/corpus_timeframes.py [--phrases]

Runs `tasks.timeframes.parse_timeframe` over every timeframe cell of every task row (section
rows left out) of every corpus fixture and prints, per table, the unparsed count; with
`--phrases`, every phrase left unparsed, most frequent first. No Django, no database.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tasks.timeframes import parse_timeframe  # noqa: E402


def _render():
    path = ROOT / "fixtures" / "corpus" / "render.py"
    spec = importlib.util.spec_from_file_location("corpus_render", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_timeframes() -> dict[str, list[str]]:
    """Fixture slug → the timeframe cells of its task rows (none if it has no such column)."""
    render = _render()
    cells: dict[str, list[str]] = {}
    for path in render.fixture_paths():
        fixture = render.load(path)
        if "timeframe" not in fixture["columns"]:
            cells[path.stem] = []
            continue
        column = fixture["columns"].index("timeframe")
        rows = [row for row in fixture["rows"] if not render.is_section(fixture, row)]
        cells[path.stem] = [row[column] for row in rows]
    return cells


def unparsed(cells: list[str]) -> list[str]:
    return [cell for cell in cells if parse_timeframe(cell).kind == "unparsed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", action="store_true", help="list the unparsed phrases")
    args = parser.parse_args()
    total = Counter()
    left = Counter()
    for slug, cells in corpus_timeframes().items():
        missed = unparsed(cells)
        total["cells"] += len(cells)
        total["unparsed"] += len(missed)
        left.update(missed)
        if cells:
            print(f"{slug:22} {len(missed):3} unparsed of {len(cells):3}")
        else:
            print(f"{slug:22} no timeframe column")
    print(f"{'total':22} {total['unparsed']:3} unparsed of {total['cells']:3}")
    if args.phrases:
        for phrase, count in left.most_common():
            print(f"{count:3}  {phrase!r}")


if __name__ == "__main__":
    main()
