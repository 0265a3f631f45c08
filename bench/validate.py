"""Label-validation throughput: objects per second for a 10,000-item import (1 box each).

    .venv/bin/python bench/validate.py [--items 10000] [--repeat 5]

Two data sets, the same for every method: all valid, and 1 % of the items bad (a
negative box width, which mockango refuses in strict mode: the bench runs it strict). Methods
("targets") are measured side by side:

- ``validate_labels``            the product: fast check, jsonschema only for refused items
- ``validate_labels (detailed)`` the same with ``fast_path=False`` (jsonschema on every item)
- ``jsonschema``                 plain Draft202012Validator over labels.schema.json, every error
- ``fastjsonschema``             compiled labels.schema.json; stops at the first error, no NaN check

A :class:`Target` names a method and a ``prepare(labels, ontology, assets)`` that returns
a no-argument callable doing one full validation; to add one (e.g. POST /v2/import/labels
against a running host, behind a ``--http URL`` option) append it to ``build_targets()``.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import fastjsonschema
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockango.validation import load_schema, validate_labels  # noqa: E402

Prepare = Callable[[list, dict, list], Callable[[], object]]


STRICT = True
"""A negative width is a rule of unknown evidence: it warns by default and refuses only in strict mode,
so the "1 % bad" figures are taken in strict mode (each bad item refused, as jsonschema refuses it)."""


def make_data(n_items: int, bad_share: float = 0.0) -> tuple[list, dict, list]:
    """n_items assets and one bounding box per item; every 1/bad_share-th box has width -5."""
    ontology = json.loads((ROOT / "fixtures" / "ontologies" / "demo-detection.json").read_text())
    vehicle = ontology["tools"][0]["schemaId"]
    assets = [
        {
            "_id": f"{i:024x}",
            "externalId": f"img_{i:05d}.jpg",
            "data": f"https://assets.example.com/img_{i:05d}.jpg",
            "metadata": {"width": 1280, "height": 720},
        }
        for i in range(n_items)
    ]
    labels = [
        {
            "externalId": f"img_{i:05d}.jpg",
            "objects": [
                {
                    "schemaId": vehicle,
                    "objectId": f"obj{i}",
                    "bounding-box": {"x": 10.5 + i % 100, "y": 20, "width": 100, "height": 50},
                }
            ],
        }
        for i in range(n_items)
    ]
    if bad_share:
        step = round(1 / bad_share)
        for i in range(0, n_items, step):
            labels[i]["objects"][0]["bounding-box"]["width"] = -5
    return labels, ontology, assets


def _product(fast_path: bool) -> Prepare:
    def prepare(labels, ontology, assets):
        return lambda: validate_labels(
            labels, ontology, assets, project_name="Bench", fast_path=fast_path, strict=STRICT
        )

    return prepare


def _jsonschema(labels, ontology, assets):
    validator = Draft202012Validator(load_schema("labels.schema.json"))
    return lambda: list(validator.iter_errors(labels))


def _fastjsonschema(labels, ontology, assets):
    check = fastjsonschema.compile(load_schema("labels.schema.json"))

    def run():
        try:
            check(labels)
        except fastjsonschema.JsonSchemaValueException:
            pass

    return run


class Target:
    """One method to measure: ``prepare(labels, ontology, assets)`` returns a callable doing one validation."""

    def __init__(self, name: str, prepare: Prepare, slow: bool = False, first_error_only: bool = False) -> None:
        self.name, self.prepare, self.slow, self.first_error_only = name, prepare, slow, first_error_only


def _http(labels, ontology, assets):
    """POST /v2/import/labels on an in-process MockAngo whose project has exactly these assets."""
    import requests

    from mockango import MockAngo

    host = MockAngo(seed=0, strict=STRICT).start()
    project_id = host.create_project("Bench", ontology, assets)
    http = requests.Session()
    http.headers.update({"apikey": host.api_key, "Content-Type": "application/json"})
    body = json.dumps({"project": project_id, "jsonContent": labels})

    def run():
        answer = http.post(f"{host.url}/v2/import/labels", data=body)
        assert answer.status_code in (200, 400), answer.text[:300]

    return run


def build_targets() -> list[Target]:
    return [
        Target("POST /v2/import/labels", _http),
        Target("validate_labels", _product(True)),
        Target("validate_labels (detailed)", _product(False), slow=True),
        Target("jsonschema (all errors)", _jsonschema, slow=True),
        Target("fastjsonschema (first error)", _fastjsonschema, first_error_only=True),
    ]


def measure(run: Callable[[], object], repeat: int, warm_up: bool = True) -> tuple[float, float]:
    """(best, median) seconds over ``repeat`` runs."""
    if warm_up:
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    datasets = {"valid": make_data(args.items), "1% bad": make_data(args.items, 0.01)}
    sanity = validate_labels(*datasets["1% bad"], strict=STRICT)
    assert len(sanity.errors) == args.items // 100, sanity.summary()
    assert validate_labels(*datasets["valid"]).ok

    print(f"{args.items:,} items × 1 bounding box; objects/s (best of {args.repeat}, median in brackets)")
    header = f"{'method':<30}" + "".join(f"{name:>26}" for name in datasets)
    print(header)
    print("-" * len(header))
    for target in build_targets():
        cells = []
        for label, (labels, ontology, assets) in datasets.items():
            if target.first_error_only and label != "valid":
                cells.append("stops at 1st error")
                continue
            repeat = 1 if target.slow else args.repeat
            best, median = measure(
                target.prepare(copy.deepcopy(labels), ontology, assets), repeat, warm_up=not target.slow
            )
            cells.append(f"{args.items / best:>14,.0f} ({args.items / median:>8,.0f})")
        print(f"{target.name:<30}" + "".join(f"{c:>26}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
