"""What the size-scaling bench scripts share: a median timing, and the table of figures side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(call: Callable[[], object], repeat: int) -> float:
    """The median milliseconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def print_table(results: dict[int, dict[str, float]], width: int = 15) -> None:
    """One row per figure, one column per size, and the ratio of the largest size to the smallest."""
    sizes = list(results)
    base = results[sizes[0]]
    print(f"{'median ms':<{width}}" + "".join(f"{size:>12}" for size in sizes) + f"{'ratio':>8}")
    for name in base:
        row = "".join(f"{results[size][name]:>12.3f}" for size in sizes)
        print(f"{name:<{width}}{row}{results[sizes[-1]][name] / base[name]:>8.2f}")
