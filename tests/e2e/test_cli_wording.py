"""The CLI speaks in its own options and plain English (issue 22, item 9)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plugin_client import ModelPlugin
from tests.e2e.test_cli_runs import cli_env
from tests.support import plugin_running

pytestmark = pytest.mark.slow  # `mockango` processes

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def cli(host, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MOCKANGO, *args], env=cli_env(host), capture_output=True, text=True, timeout=60)


def test_an_option_of_another_type_is_named_as_the_cli_option_with_the_right_article(host):
    host.hub.strict = True  # an option of another type refuses only in strict mode (else: dropped with a warning)
    export = host.create_plugin("Exporter", type="export")
    result = cli(host, "run", "--plugin", export.id, "--map", "Vehicle=Vehicle")
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error == (
        "Error: --map is for Batch Model / Model plugins; 'Exporter' is an Export plugin "
        "(its runs take: --stage, --batch)"
    ), result.stderr


def test_class_names_of_a_type_without_classes_are_named_as_the_class_option(host):
    result = cli(host, "plugin", "create", "--name", "Exporter", "--type", "export", "--class", "Car")
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error == ("Error: class names (--class) are for Batch Model and Model plugins; an Export plugin has none"), (
        result.stderr
    )


def test_a_missing_required_option_is_named_as_the_cli_option(host):
    explorer = host.create_plugin("Browser", type="file-explorer")
    result = cli(host, "run", "--plugin", explorer.id)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: a File Explorer run needs --bucket", result.stderr


def test_a_model_runs_message_is_printed_as_json_like_its_result(host):
    plugin = host.create_plugin("Boxes", class_names=["Car"], type="model")
    asset = host.assets()[0]

    def answer(data):
        return {"objects": [], "classifications": [], "relations": []}

    with plugin_running(host, plugin.id, plugin.secret, answer, plugin_class=ModelPlugin):
        result = cli(host, "run", "--plugin", plugin.id, "--asset", asset["_id"])
    assert result.returncode == 0, result.stdout + result.stderr
    printed = {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if ":" in line
    }
    assert json.loads(printed["message"]) == {"objects": [], "classifications": [], "relations": []}
    assert json.loads(printed["result"])


def test_an_unknown_export_stage_is_refused_up_front_like_an_unknown_batch(host):
    export = host.create_plugin("Exporter", type="export")
    result = cli(host, "run", "--plugin", export.id, "--stage", "Nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: stage 'Nope' is not a stage of project 'Demo detection' (stages: Start, Label, Review, Complete)"
    ), result.stderr
    assert host.sessions() == []
