"""Seeded fake data: the default organization, user and "Demo detection" project.

Built from one ``random.Random`` and one ``Faker`` seeded with the same number,
so the same seed gives the same ids, names and assets byte for byte. The result
is plain data (a :class:`SeedData`); a host copies it in (:func:`seeded_template`), and the fixture's
per-test reset reuses one cached copy instead of running Faker again.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

from ..ids import new_object_id
from ..records import accounts, projects
from ..store import Store

DEMO_PROJECT_NAME = "Demo detection"
DEMO_ASSET_COUNT = 25
DEMO_SIZES = [(640, 480), (800, 600), (1024, 768), (1280, 720)]
SEED_EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z: seeded records get fixed creation times


@dataclass(frozen=True)
class SeedData:
    organization: dict
    user: dict
    project: dict
    assets: list[dict] = field(default_factory=list)


def demo_ontology(rng: random.Random) -> dict:
    """The demo project's ontology: detection tools, a polygon, a point and a radio."""

    def tool(kind: str, title: str, color: str, **extra) -> dict:
        return {
            "schemaId": new_object_id(rng),
            "tool": kind,
            "title": title,
            "required": False,
            "color": color,
            "shortcutKey": "",
            "classifications": [],
            "options": [],
            **extra,
        }

    weather_options = [{"value": value, "schemaId": new_object_id(rng)} for value in ("Sunny", "Cloudy", "Rainy")]
    return {
        "tools": [
            tool("bounding-box", "Vehicle", "#f44336", shortcutKey="1"),
            tool("bounding-box", "Person", "#2196f3", shortcutKey="2"),
            tool("polygon", "Road", "#4caf50", shortcutKey="3"),
            tool("point", "Traffic light", "#ffeb3b", shortcutKey="4"),
        ],
        "classifications": [
            {
                "schemaId": new_object_id(rng),
                "tool": "radio",
                "title": "Weather",
                "required": False,
                "color": "#9c27b0",
                "shortcutKey": "",
                "classifications": [],
                "options": weather_options,
            },
        ],
        "relations": [],
    }


@functools.lru_cache(maxsize=16)
def demo_data(seed: int) -> SeedData:
    """The default data for ``seed``. Cached: treat the result as read-only."""
    from faker import Faker  # here, not at import: a restart on a kept state never needs it (~0.1 s)

    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    company = fake.company()
    organization = {"id": new_object_id(rng), "name": company}
    user = {"id": new_object_id(rng), "name": fake.name(), "email": fake.company_email()}
    batches = [{"_id": new_object_id(rng), "name": name} for name in ("Batch 1", "Batch 2")]
    project = {
        "id": new_object_id(rng),
        "name": DEMO_PROJECT_NAME,
        "description": f"Street scenes for {company}'s vehicle and person detector.",
        "categorySchema": demo_ontology(rng),
        "batches": batches,
        "createdAt": SEED_EPOCH,
    }
    assets = []
    for index in range(DEMO_ASSET_COUNT):
        asset_id = new_object_id(rng)
        width, height = DEMO_SIZES[index % len(DEMO_SIZES)]
        stem = fake.unique.file_name(extension="jpg").rsplit(".", 1)[0]
        assets.append(
            {
                "_id": asset_id,
                "externalId": f"{index + 1:03d}-{stem}.png",
                "data": f"/files/{asset_id}.png",
                "hosted": True,
                "metadata": {"width": width, "height": height},
                "batches": [batches[0 if index < 15 else 1]["_id"]],
                "createdAt": SEED_EPOCH + 60 * (index + 1),
            }
        )
    return SeedData(organization=organization, user=user, project=project, assets=assets)


def seed_into(store: Store, seed: int) -> None:
    """Write the seeded data of ``seed`` into an empty store, and mark its records as the defaults."""
    data = demo_data(seed)
    with store.write() as db:
        org_id = data.organization["id"]
        accounts.insert_organization(db, org_id, data.organization["name"])
        accounts.insert_user(db, data.user["id"], org_id, data.user["name"], data.user["email"])
        project = data.project
        projects.insert_project(
            db,
            org_id,
            project["name"],
            project["categorySchema"],
            description=project["description"],
            project_id=project["id"],
            created_at=project["createdAt"],
            batches=project["batches"],
        )
        projects.add_assets(db, project["id"], data.assets, trusted=True, start=0)
        for name, record_id in (("organization", org_id), ("user", data.user["id"]), ("project", project["id"])):
            accounts.set_default(db, name, record_id)
        accounts.set_setting(db, "seed", str(seed))


@functools.lru_cache(maxsize=16)
def seeded_template(seed: int, schema_text: str) -> Store:
    """The seeded database of ``seed``, in memory: built once per process, copied into each new host
    (never written after it is seeded; :meth:`Store.copy_from` holds its lock while copying)."""
    template = Store(schema=schema_text)
    seed_into(template, seed)
    return template
