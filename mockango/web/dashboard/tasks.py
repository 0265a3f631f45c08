"""The dashboard's task pages: a project's tasks (paged, filtered as the SDK's ``get_tasks``), and one
task with its answer drawn over its asset and its history (who or what moved it, plugin answers).

Both read through :meth:`TaskBook.page` and one-task lookups: a page costs what it shows (indexes
and stage counters), never a walk of the project.
"""

from __future__ import annotations

from flask import render_template

from ...errors import NotFound
from ..middleware.caller import hub
from ..middleware.params import choice, whole_number
from . import drawing
from .blueprint import blueprint, signed_in
from .pager import page_count, pager

TASKS_PER_PAGE = 50
HISTORY_SHOWN = 100
"""A task page shows its latest history entries; older ones are counted, not listed."""
STATUSES = ("TODO", "Completed")


def _chosen_filters(stages: list[dict]) -> dict:
    """The query's stage, status and assignee (absent or empty: any), each checked before anything is read."""
    chosen = {
        "stage": choice("stage", tuple(stage["id"] for stage in stages)),
        "status": choice("status", STATUSES),
        "assignee": (choice("assignee", None) or "").strip() or None,
    }
    return {name: value for name, value in chosen.items() if value}


@blueprint.get("/projects/<project_id>/tasks")
@signed_in
def tasks(user, project_id: str):
    """One page of a project's tasks, oldest first, filtered by stage, status and assignee."""
    h = hub()
    project = h.project_for(user, project_id)
    stages = h.tasks.stages(project.id)
    chosen = _chosen_filters(stages)
    page = whole_number("page", 1, low=1)
    found, total = h.tasks.page(user, project.id, page=page, limit=TASKS_PER_PAGE, filters=chosen)
    pages = page_count(total, TASKS_PER_PAGE)
    if page > pages:  # past the end (the list shrank, or a filter changed): the last page
        page = pages
        found, total = h.tasks.page(user, project.id, page=page, limit=TASKS_PER_PAGE, filters=chosen)
    answers = h.tasks.own_answers([task["_id"] for task in found])
    counts = h.tasks.stage_counts(project.id)
    return render_template(
        "tasks.html",
        project=project.to_dict(with_batches=False),
        tasks=[{**task, "own_answer": answers[task["_id"]]} for task in found],
        total=total,
        page=page,
        pages=pages,
        links=pager(page, pages),
        chosen=chosen,
        stages=[{**stage, "count": counts.get(stage["id"], 0)} for stage in stages],
        statuses=STATUSES,
        query={"project_id": project.id, **chosen},
        nav="projects",
    )


@blueprint.get("/tasks/<task_id>")
@signed_in
def task(user, task_id: str):
    """One task: where it is, its answer over its asset (beside the asset's pre-label), and its history."""
    h = hub()
    found = h.tasks.get(user, task_id)  # another organization's task is not found
    project = h.project_for(user, found["project"])
    asset = h.project_asset(project.id, found["asset"])
    if asset is None:  # deleted since the task was read
        raise NotFound(f"task '{task_id}' has no asset any more (asset '{found['asset']}' not found)")
    answer = h.tasks.own_answers([found["_id"]])[found["_id"]]
    card = drawing.asset_card(
        asset,
        drawing.Ontology(project.category_schema),
        h.projects.batch_names(project.id, asset.get("batches", [])),
        answer=answer,
    )
    history, history_total = h.tasks.latest_history(user, found["_id"], HISTORY_SHOWN)
    return render_template(
        "task.html",
        project={"_id": project.id, "name": project.name},
        task=found,
        card=card,
        answered=answer is not None,
        history=[_history_row(entry) for entry in history],
        history_total=history_total,
        stages={stage["id"]: stage for stage in h.tasks.stages(project.id)},
        nav="projects",
    )


def _history_row(entry: dict) -> dict:
    """A history entry for the page, with what it changed in words (the template says who did it)."""
    answer = entry.get("answer")
    said = []
    if isinstance(answer, dict):
        said.append(
            ", ".join(
                f"{len(answer.get(key) or [])} {key if len(answer.get(key) or []) != 1 else key[:-1]}"
                for key in ("objects", "classifications", "relations")
            )
        )
    if entry.get("fromStage"):
        said.append(f"moved from {entry['fromStage']}")
    for key, words in (("reviewStatus", "review"), ("assignee", "assigned to"), ("reason", "")):
        if entry.get(key):
            said.append(f"{words} {entry[key]}".strip())
    return {**entry, "said": "; ".join(said)}
