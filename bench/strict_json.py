"""What strict JSON reading costs a request body, next to the standard library's lenient ``json.loads``.

    .venv/bin/python bench/strict_json.py [--items 2000] [--repeat 5]

Prints one table (milliseconds, best of ``--repeat``) for a label import body of
``--items`` assets, each with boxes, a polygon and nested classifications (the shape
``POST /v2/import/labels`` takes), and for a 1 MiB log-like body of short strings:
- ``json.loads``: the standard library, lenient (reads NaN, 1e999 as infinity; no depth check);
- ``strict parse``: ``json.loads`` with the hooks that refuse non-finite numbers;
- ``input_limits.loads``: strict parse plus the walk that checks depth, text and numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from mockango import input_limits


def import_body(items: int) -> bytes:
    objects = [
        {"schemaId": "car", "bounding-box": {"x": 10.5 + i, "y": 20.25, "width": 100.0, "height": 50.0}}
        for i in range(3)
    ]
    objects.append({"schemaId": "roof", "polygon": [[1.5, 2.5], [10.0, 2.0], [10.0, 12.0], [1.0, 12.5]]})
    classifications = [
        {
            "schemaId": "weather",
            "answer": "sunny",
            "classifications": [{"schemaId": "cloud", "answer": ["few", "high"]}],
        }
    ]
    labels = [
        {"externalId": f"asset-{i:06d}", "objects": objects, "classifications": classifications} for i in range(items)
    ]
    return json.dumps({"project": "p" * 24, "jsonContent": labels}).encode()


def log_body() -> bytes:
    lines = [{"level": "INFO", "msg": f"step {i} done in {i * 0.37:.2f} s", "session": "s" * 24} for i in range(12_000)]
    return json.dumps({"lines": lines}).encode()


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _refuse(name: str):
    raise ValueError(name)


def best(function, body: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(body)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    readers = {
        "json.loads": json.loads,
        "strict parse": lambda b: json.loads(b, parse_constant=_refuse, parse_float=_finite),
        "input_limits.loads": input_limits.loads,
    }
    bodies = {f"label import, {args.items} assets": import_body(args.items), "log lines, 12,000": log_body()}
    print(f"{'body':<32} {'size':>9} " + " ".join(f"{name:>20}" for name in readers))
    for label, body in bodies.items():
        figures = [best(reader, body, args.repeat) for reader in readers.values()]
        print(f"{label:<32} {len(body) / 1024:>7.0f} K " + " ".join(f"{ms:>17.1f} ms" for ms in figures))


if __name__ == "__main__":
    main()
