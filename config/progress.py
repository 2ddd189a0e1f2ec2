"""Progress of long work (imports, consolidated reports, large exports) reported at regular
intervals, not per row: each report is a cache write the progress page polls.

    ticker = Ticker(len(lines), step, start=10, end=95)   # step(done, total=100)
    for line in lines:
        ...
        ticker.tick()          # calls step() about every 2 % of the lines

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Callable

Report = Callable[[int, int], None]

#: How many reports at most over the span (one every 2 %).
PARTS = 50


class Ticker:
    """Counts items done and maps them onto `start`..`end` of a job measured in percent,
    calling `report(percent, 100)` each time another 1/PARTS of the items is done."""

    def __init__(self, total: int, report: Report | None, *, start: int = 0, end: int = 100):
        self.total = max(0, total)
        self.report = report
        self.start, self.end = start, end
        self.done = 0
        self.every = max(1, -(-self.total // PARTS))
        self._next = self.every

    @property
    def percent(self) -> int:
        if not self.total:
            return self.start
        share = min(self.done, self.total) / self.total
        return self.start + int((self.end - self.start) * share)

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.report is not None and self.done >= self._next:
            self._next = (self.done // self.every + 1) * self.every
            self.report(self.percent, 100)


def no_report(done: int, total: int) -> None:
    """A report that goes nowhere (work run in the request)."""
