"""What the bench scripts share: timings with their spread, the machine and its load, side-by-side tables.

Figures on a shared 2-core machine swing from run to run, so a figure is a median with a
distribution-free 95 % confidence interval of that median (:func:`median_interval`), and
:func:`sample` takes samples until that interval is as narrow as asked (or a budget runs
out): the interval printed says how far the figure can be trusted. :func:`machine` names
the machine and its load average, printed beside every table.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """A median with the 95 % confidence interval of the median, from ``n`` samples."""

    median: float
    low: float
    high: float
    n: int

    @property
    def spread(self) -> float:
        """Half the interval's width relative to the median (0.05: the median is known to ±5 %)."""
        return (self.high - self.low) / 2 / self.median if self.median else math.inf

    def __str__(self) -> str:
        return f"{_short(self.median)} [{_short(self.low)}–{_short(self.high)}, n={self.n}]"

    def to_dict(self) -> dict:
        return {"median": self.median, "low": self.low, "high": self.high, "n": self.n}

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        return cls(data["median"], data["low"], data["high"], data["n"])


def _short(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def median_interval(samples: Sequence[float], confidence: float = 0.95) -> Summary:
    """The median and a distribution-free ``confidence`` interval for it (order statistics of a
    binomial(n, 1/2)); with fewer than 6 samples the interval is the whole range."""
    ordered = sorted(samples)
    n = len(ordered)
    if n == 0:
        return Summary(math.nan, math.nan, math.nan, 0)
    middle = statistics.median(ordered)
    if n < 6:
        return Summary(middle, ordered[0], ordered[-1], n)
    # The largest j with P(Binomial(n, 1/2) < j) <= (1 - confidence) / 2: [x_(j), x_(n-j+1)] (1-based).
    tail, cumulative, j = (1 - confidence) / 2, 0.0, 0
    for k in range(n + 1):
        cumulative += math.comb(n, k) / 2**n
        if cumulative > tail:
            j = k
            break
    j = max(j, 1)
    return Summary(middle, ordered[j - 1], ordered[n - j], n)


def sample(
    call: Callable[[], object],
    *,
    least: int = 7,
    most: int = 300,
    precision: float = 0.05,
    budget: float = 10.0,
    warm_up: int = 1,
) -> Summary:
    """Milliseconds per ``call``: at least ``least`` samples, then more until the median is known to
    ±``precision`` (95 % interval), ``most`` samples or ``budget`` seconds, whichever comes first."""
    for _ in range(warm_up):
        call()
    times: list[float] = []
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
        if len(times) >= most:
            break
        if len(times) >= least:
            if median_interval(times).spread <= precision or time.perf_counter() - started > budget:
                break
    return median_interval(times)


def timed(call: Callable[[], object], repeat: int) -> float:
    """The median milliseconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def machine() -> str:
    """The CPU model, its cores, Python's version and the load average now: printed beside every table."""
    model = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}; {load()}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def print_table(results: dict[int, dict[str, float]], width: int = 15) -> None:
    """One row per figure, one column per size, and the ratio of the largest size to the smallest."""
    sizes = list(results)
    base = results[sizes[0]]
    print(f"{'median ms':<{width}}" + "".join(f"{size:>12}" for size in sizes) + f"{'ratio':>8}")
    for name in base:
        row = "".join(f"{results[size][name]:>12.3f}" for size in sizes)
        print(f"{name:<{width}}{row}{results[sizes[-1]][name] / base[name]:>8.2f}")
