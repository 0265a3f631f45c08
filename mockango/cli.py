"""The ``mockango`` command: serve a local host, create plugins, start runs, validate label files."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shlex
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

import click
import requests

from .commands import DEMO_PLUGIN_NAME, plugin_command
from .config import DEFAULT_RUN_TIMEOUT, HostConfig, checked_public_url
from .connections import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from .cpu_affinity import OneCpu, Pinned
from .errors import MockangoError, StorageError
from .hub import Hub
from .ids import same_secret
from .input_limits import parse_size
from .runs.kinds import BATCHES, BUILT_IN, CLASS_MAPPING, PLUGIN_TYPES, RunField
from .server import base_url_of, listen, make_wsgi_server
from .state_lock import StateInUse, StateLock
from .store.peek import peek

DEFAULT_URL = "http://127.0.0.1:8080"
DEMO_CONFIG = {"dummy-bounding-box": {"x": 20, "y": 30, "width": 50, "height": 60}}

SERVE_SWITCH_INTERVAL = 0.001  # seconds; see serve()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockango-host")
def main() -> None:
    """mockango: Ango Hub's plugin system on your machine, offline."""


# ---------------------------------------------------------------------- serve

DEFAULT_STATE = ".mockango/state.sqlite3"
OLD_STATE = "state.json"  # the JSON snapshot of mockango before the SQLite store, beside the default file


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-body")


def _public_url(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return checked_public_url(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-url")


def what_fresh_discards(path: Path) -> str | None:
    """What ``serve --fresh`` throws away from an existing state file, in words; None when there is none."""
    if not path.exists():
        return None
    try:
        found = peek(path)
    except StorageError:
        return f"--fresh: deleting the unreadable state file {path}"
    plugins, sessions_ = found.plugins, found.sessions
    return (
        f"--fresh: discarding the state in {path}: its API key, {plugins} plugin(s) with their "
        f"ids and secrets, {sessions_} session(s) and the imported labels. Plugin processes still "
        "running with the old id and secret are refused: restart them with the ones below."
    )


def open_hub(state_path: str, config: HostConfig | None = None, *, fresh: bool = False) -> tuple[Hub, str]:
    """The Hub kept in ``state_path`` (built from ``config``, its state and files set here) and a line
    saying where its state came from; errors as one line."""
    path = Path(state_path)
    old_json = path.parent / OLD_STATE
    first_start = not path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            _remove_database(path)
        hub = Hub((config or HostConfig()).replace(state=path, files_dir=path.parent / "files"))
    except OSError as exc:
        raise click.ClickException(f"cannot use {path}: {exc.strerror or exc}. Pick a writable place with --state.")
    except MockangoError as exc:
        if first_start:
            _remove_database(path)
        raise click.ClickException(f"{exc.message}")
    note = f"state kept in {path}"
    if hub.restored:
        note = f"state restored from {path}"
    elif first_start and not fresh and old_json.exists() and path.name == Path(DEFAULT_STATE).name:
        try:
            hub.import_state(old_json)
        except MockangoError as exc:
            hub.close_store()
            _remove_database(path)
            raise click.ClickException(f"{exc.message}")
        note = f"imported {old_json} into {path} (once; the JSON file is no longer used)"
    return hub, note


@main.command(short_help="Start a local host with demo data and a demo plugin.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. Anything but loopback exposes the host to your network.",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=int,
    envvar="MOCKANGO_PORT",
    help="Port to listen on (0: any free port) [env MOCKANGO_PORT].",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Seed of the fake data (project, assets): same seed, same data.",
)
@click.option(
    "--run-timeout",
    default=DEFAULT_RUN_TIMEOUT,
    show_default=True,
    type=float,
    help="Seconds a run may take before its session is marked timed_out (unless the run sets its own).",
)
@click.option(
    "--state",
    "state_path",
    default=DEFAULT_STATE,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The SQLite file where plugins, keys, sessions and labels "
    "are kept between restarts (every change is committed before it is answered).",
)
@click.option("--fresh", is_flag=True, help="Delete the state file and start from the seeded data.")
@click.option(
    "--import",
    "import_path",
    type=click.Path(dir_okay=False),
    help="Replace the state with a JSON file from `mockango state export` before serving.",
)
@click.option("--verbose", is_flag=True, help="Log every HTTP request.")
@click.option(
    "--max-body",
    default="32MiB",
    show_default=True,
    callback=lambda ctx, param, value: _size(value),
    help="Largest request body or Socket.IO message (bytes, or e.g. 64MiB); larger ones get 413.",
)
@click.option(
    "--read-timeout",
    default=DEFAULT_READ_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a request (line, headers, body) has to arrive whole from its first byte; 408 after (websockets are exempt).",
)
@click.option(
    "--max-connections",
    default=DEFAULT_MAX_CONNECTIONS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections served at once (each plugin socket is one; one client address at most half); more get 503.",
)
@click.option(
    "--import-worker/--no-import-worker",
    default=True,
    show_default=True,
    help="Parse and validate label imports of 128 KiB or more in a separate process, so other "
    "requests stay fast while one runs; --no-import-worker does it in the request's thread.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse input by every rule, also those whose evidence that Ango Hub refuses it is unknown "
    "(by default they are accepted with a warning: docs/validation.md).",
)
@click.option(
    "--api-key",
    envvar="MOCKANGO_API_KEY",
    help="Give the default user this API key instead of a random one (for scripted and CI use, so a job "
    "knows it before the host starts; 16+ characters of A-Z a-z 0-9 . _ ~ -; compared in constant time) "
    "[env MOCKANGO_API_KEY].",
)
@click.option(
    "--plugin-id",
    envvar="MOCKANGO_PLUGIN_ID",
    help="The demo plugin's id (24 hex characters) instead of a random one (scripted and CI use) "
    "[env MOCKANGO_PLUGIN_ID].",
)
@click.option(
    "--plugin-secret",
    envvar="MOCKANGO_PLUGIN_SECRET",
    help="The demo plugin's secret instead of a random one (scripted and CI use; 16+ characters of "
    "A-Z a-z 0-9 . _ ~ -) [env MOCKANGO_PLUGIN_SECRET].",
)
@click.option(
    "--admin-key",
    envvar="MOCKANGO_ADMIN_KEY",
    help="The key that may reset the whole host (POST /api/reset) [default: the API key] [env MOCKANGO_ADMIN_KEY].",
)
@click.option(
    "--public-url",
    envvar="MOCKANGO_PUBLIC_URL",
    callback=lambda ctx, param, value: _public_url(value),
    help="The URL plugins reach this host at, when it is not the bound address (in a container bound to "
    "0.0.0.0: e.g. http://mockango:8080); the asset, file and export URLs the host hands out start with it "
    "[default: the bound address] [env MOCKANGO_PUBLIC_URL].",
)
@click.option(
    "--cpus",
    type=click.Choice(["one", "all"]),
    default="one",
    show_default=True,
    help="Run the server's threads on one CPU (the quietest it may use; its import and export workers get "
    "the others), or on all of them. One CPU served 1.5-1.8x the runs/s on 2 cores: docs/figures.md, "
    '"One CPU" (Linux only; elsewhere it is all).',
)
def serve(
    host: str,
    port: int,
    seed: int,
    run_timeout: float,
    state_path: str,
    fresh: bool,
    import_path: str | None,
    verbose: bool,
    max_body: int,
    read_timeout: float,
    max_connections: int,
    import_worker: bool,
    strict: bool,
    api_key: str | None,
    plugin_id: str | None,
    plugin_secret: str | None,
    admin_key: str | None,
    public_url: str | None,
    cpus: str,
) -> None:
    """Start a local host with demo data and one demo Batch Model plugin.

    Prints the dashboard link, the API key, and the commands that connect the example
    plugin and start a run. State is kept in --state across restarts. It listens at once:
    until it is ready (an --import can take a while), GET /health answers 503 "starting".
    """
    # A thread that wakes from I/O waits up to the switch interval for the GIL while another request
    # computes (a big import): 1 ms instead of Python's 5 ms took the p99 of a GET during 10k-item
    # imports from ~54 to ~39 ms in back-to-back runs (docs/figures.md, "Performance pass").
    sys.setswitchinterval(SERVE_SWITCH_INTERVAL)
    one_cpu = OneCpu() if cpus == "one" else None  # watches the CPUs while the host is built, then pins
    lock = _lock_state(state_path, "mockango serve")  # held until the process ends
    discarded = what_fresh_discards(Path(state_path)) if fresh else None
    try:  # bound first: the host is built knowing the address it serves at
        listener = listen(host, port)
    except OSError as exc:
        lock.release()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another mockango running? Try --port {port + 1}."
        )
    config = HostConfig(
        seed=seed,
        run_timeout=run_timeout,
        import_worker=import_worker,
        admin_key=admin_key,
        strict=strict,
        base_url=public_url or base_url_of(listener),
        public_url=public_url,
        host=host,
        port=port,
        verbose=verbose,
        max_body=max_body,
        read_timeout=read_timeout,
        max_connections=max_connections,
        worker_cpus=one_cpu.allowed if one_cpu is not None and one_cpu.can_pin else None,
    )
    try:
        hub, kept = open_hub(state_path, config, fresh=fresh)
    except click.ClickException:
        listener.close()
        lock.release()
        raise
    try:
        server = make_wsgi_server(hub, host, port, listener=listener, starting=True, **config.serving)
        serving = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="mockango serve", daemon=True
        )
        serving.start()  # answers 503 "starting" (GET /health too) until ready() below
        # Every thread then, and the threads they start after: nothing waits for the CPUs to be watched.
        pinning = one_cpu.pin_soon() if one_cpu is not None else None
        stop = _stop_on_signals(server)
        try:
            plugin, kept = _start_up(hub, kept, state_path, import_path, api_key, plugin_id, plugin_secret)
            server.app.extensions["mockango.health"].ready()
            if discarded:
                click.echo(discarded + "\n")
            _print_banner(hub, plugin, seed, kept, pinning.result() if pinning is not None else None)
            while serving.is_alive():
                serving.join(0.5)
        finally:
            if serving.is_alive():
                server.shutdown()
            stop()
            server.server_close()
        click.echo("mockango stopped.")
    finally:
        hub.close_store()
        lock.release()


def _lock_state(state_path: str, command: str) -> StateLock:
    """The state file's lock, for ``command``; one line naming who holds it when another process does."""
    lock = StateLock(state_path)
    try:
        lock.acquire(command)
    except StateInUse as exc:
        raise click.ClickException(exc.message)
    except OSError as exc:
        raise click.ClickException(
            f"cannot use {state_path}: {exc.strerror or exc}. Pick a writable place with --state."
        )
    return lock


def _start_up(
    hub: Hub,
    kept: str,
    state_path: str,
    import_path: str | None,
    api_key: str | None,
    plugin_id: str | None,
    plugin_secret: str | None,
):
    """What `serve` does while it answers 503: the import, the given credentials, the demo plugin."""
    try:
        if import_path:
            rows = hub.import_state(import_path)
            kept = f"imported {rows} rows from {import_path}; state kept in {state_path}"
        if api_key is not None:
            hub.set_api_key(api_key)
        plugin = _demo_plugin(hub, plugin_id, plugin_secret, state_path)
    except MockangoError as exc:
        raise click.ClickException(exc.message)
    hub.keep_on_reset(plugin.id)  # POST /api/reset puts it back as printed
    if hub.import_worker is not None:
        hub.import_worker.start()  # big imports are parsed in it; starting now spares the first one the wait
    return plugin, kept


def _demo_plugin(hub: Hub, plugin_id: str | None, secret: str | None, state_path: str):
    """The demo plugin of the state (found by name), or a new one with the given id and secret."""
    found = next(
        (p for p in hub.list_plugins(hub.require_default("organization").id) if p.name == DEMO_PLUGIN_NAME), None
    )
    if found is None:
        return hub.create_plugin(
            DEMO_PLUGIN_NAME,
            class_names=["Vehicle", "Person"],
            default_config=DEMO_CONFIG,
            description="The seed sample: a dummy box on the first 10 assets.",
            plugin_id=plugin_id,
            secret=secret,
        )
    if (plugin_id is not None and plugin_id != found.id) or (
        secret is not None and not same_secret(secret, found.secret)
    ):
        which = "--plugin-id" if plugin_id is not None and plugin_id != found.id else "--plugin-secret"
        raise click.ClickException(
            f"{state_path} already has the demo plugin {found.id} with another "
            f"{'id' if which == '--plugin-id' else 'secret'} than {which} gives: start with --fresh to make it "
            f"anew, or pass the one it has"
        )
    return found


def _stop_on_signals(server) -> Callable[[], None]:
    """SIGTERM (docker stop, CI teardown) and SIGINT (Ctrl+C) end ``serve_forever`` cleanly; returns an undo."""
    import signal
    import threading

    def handler(signum, frame):
        threading.Thread(target=server.shutdown, name="mockango stop", daemon=True).start()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}

    def undo() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return undo


def _print_banner(hub: Hub, plugin, seed: int, kept: str, pinned: Pinned | None) -> None:
    url, key, project = hub.base_url, hub.require_default("user").api_key, hub.require_default("project")
    beside = Path(sys.executable).parent / "mockango"  # the console script of this environment
    command = shlex.quote(str(beside)) if beside.exists() else "mockango"
    where = (
        f"\n  CPU:            {pinned.cpu} (of {_cpu_list(pinned.before)}; --cpus all to use them all)"
        if pinned
        else ""
    )
    click.echo(f"""mockango is serving at {url}  (seed {seed}, {kept})

  Dashboard:      {url}/?apikey={key}
  API key:        {key}
  Project:        {project.id}  ("{project.name}", {project.asset_count} assets)
  Plugin:         {plugin.id}  ("{plugin.name}", classes {", ".join(plugin.class_names)})
  Plugin secret:  {plugin.secret}{where}

{plugin_command(url, plugin.id, plugin.secret, plugin.name, plugin.type)}

Then start a run:
  MOCKANGO_URL={url} MOCKANGO_API_KEY={key} {command} run --plugin {plugin.id} --map Vehicle=Vehicle

Press Ctrl+C to stop.""")
    sys.stdout.flush()


def _cpu_list(cpus: frozenset[int]) -> str:
    """``0-3,6`` for {0, 1, 2, 3, 6}."""
    spans: list[list[int]] = []
    for cpu in sorted(cpus):
        if spans and cpu == spans[-1][1] + 1:
            spans[-1][1] = cpu
        else:
            spans.append([cpu, cpu])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


# ---------------------------------------------------------------------- state


@main.group(short_help="Export the state file to JSON, or import one.")
def state() -> None:
    """Export the state of `mockango serve` to JSON, or replace it from JSON (stop serve first)."""


def _state_option(command):
    return click.option(
        "--state",
        "state_path",
        default=DEFAULT_STATE,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The SQLite state file of `mockango serve`.",
    )(command)


@state.command("export", short_help="Write the whole state to a JSON file.")
@click.argument("file", type=click.Path(dir_okay=False))
@_state_option
def state_export(file: str, state_path: str) -> None:
    """Write the whole state to FILE as readable JSON (atomically: FILE is replaced only when complete)."""
    if not Path(state_path).exists():
        raise click.ClickException(
            f"there is no state file at {state_path}: start `mockango serve` once, or pass --state"
        )
    with _lock_state(state_path, "mockango state export"):  # opening it would fail a live host's runs
        hub, _ = open_hub(state_path, HostConfig(seed=_stored_seed(state_path), import_worker=False))
        try:
            rows = hub.export_state(file)
        except OSError as exc:
            raise click.ClickException(f"cannot write {file}: {exc.strerror or exc} (any old {file} is unchanged)")
        finally:
            hub.close_store()
    click.echo(f"exported {rows} rows from {state_path} to {file}")


@state.command("import", short_help="Replace the whole state with a JSON file.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@_state_option
def state_import(file: str, state_path: str) -> None:
    """Replace the whole state with FILE (from `mockango state export`): all of it, or nothing on error."""
    existed = Path(state_path).exists()
    lock = _lock_state(state_path, "mockango state import")
    try:
        hub, _ = open_hub(state_path, HostConfig(seed=_stored_seed(state_path), import_worker=False))
        try:
            rows = hub.import_state(file)
        except MockangoError as exc:
            hub.close_store()
            if not existed:  # made only to receive the import: leave nothing behind
                _remove_database(Path(state_path))
                lock.release()
                with contextlib.suppress(OSError):
                    Path(state_path).parent.rmdir()  # only when empty
            raise click.ClickException(exc.message)
        hub.close_store()
    finally:
        lock.release()
    click.echo(f"imported {rows} rows from {file} into {state_path}")


def _stored_seed(state_path: str) -> int:
    """The seed a state file was made with (0 for a new file): export and import keep it as it is."""
    if not Path(state_path).exists():
        return 0
    try:
        seed = peek(state_path).seed
    except StorageError as exc:
        raise click.ClickException(
            f"{state_path} is not a mockango state file ({exc.message}): pass another --state, or delete it"
        )
    return int(seed) if seed is not None and seed.lstrip("-").isdigit() else 0


# ---------------------------------------------------------------------- health


@main.command(short_help="Exit 0 when a mockango answers GET /health with ok (for health checks).")
@click.option(
    "--url",
    envvar="MOCKANGO_URL",
    help="The mockango to ask [env MOCKANGO_URL; default: http://127.0.0.1:$MOCKANGO_PORT, port 8080].",
)
@click.option("--timeout", default=5.0, show_default=True, type=float, help="Seconds to wait for the answer.")
def health(url: str | None, timeout: float) -> None:
    """Ask a running mockango whether it is healthy: exit 0 and print its answer when it says ok,
    exit 1 with the reason when it is starting, cannot read its state, or does not answer.
    A container's HEALTHCHECK runs it (the image has no curl)."""
    import os

    url = (url or f"http://127.0.0.1:{os.environ.get('MOCKANGO_PORT') or 8080}").rstrip("/")
    try:
        response = requests.get(url + "/health", timeout=timeout)
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise click.ClickException(f"no health answer from {url}: {exc}")
    if response.status_code != 200 or body.get("status") != "ok":
        raise click.ClickException(f"{url} is not healthy ({response.status_code}): {json.dumps(body)}")
    click.echo(json.dumps(body))


# ----------------------------------------------------------- control commands


def kind_fields() -> list[RunField]:
    """The run options of every plugin kind but the shared ones (``--map``, ``--batch``), in the kinds' order."""
    return [f for name, f in BUILT_IN.run_fields().items() if name not in (CLASS_MAPPING.name, BATCHES.name)]


RUN_OPTIONS = {
    "plugin": "--plugin",
    "project": "--project",
    "classMapping": "--map",
    "config": "--config",
    "batches": "--batch",
    "timeout": "--timeout",
    **{run_field.name: run_field.cli.split("/")[0] for run_field in kind_fields()},
}
"""The control API's run fields -> `mockango run`'s options, to word the host's errors in the options' names."""
PLUGIN_OPTIONS = {
    "name": "--name",
    "type": "--type",
    "description": "--description",
    "classNames": "--class",
    "defaultConfig": "--default-config",
    "id": "--id",
    "secret": "--secret",
}
"""The same for `mockango plugin create`."""


def in_option_words(message: str, options: dict[str, str]) -> str:
    """A host error that quotes API fields (``'classMapping'``, or a list after "take:"), with the
    command's options in their place (``--map``)."""
    message = re.sub(r"'([A-Za-z]+)'", lambda found: options.get(found[1], found[0]), message)
    return re.sub(
        r"(take: )([A-Za-z, ]+)",
        lambda found: found[1] + ", ".join(options.get(word, word) for word in found[2].split(", ")),
        message,
    )


class ControlClient:
    """Calls the control API of a running mockango; every error becomes a ClickException."""

    def __init__(self, url: str, api_key: str | None) -> None:
        if not api_key:
            raise click.ClickException(
                "no API key: pass --api-key or set MOCKANGO_API_KEY (`mockango serve` prints it)"
            )
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["apikey"] = api_key

    def call(self, method: str, path: str, *, options: dict[str, str] | None = None, **kwargs) -> dict:
        """``options``: the command's options by API field, to word the host's errors in them."""
        try:
            response = self.http.request(method, self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)
        except requests.ConnectionError:
            raise click.ClickException(f"no mockango answers at {self.url}: start one with `mockango serve`")
        if response.status_code == 204:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise click.ClickException(f"{method} {path} answered {response.status_code}: {response.text[:200]}")
        if not response.ok:
            message = body.get("message") or response.text
            raise click.ClickException(in_option_words(message, options) if options else message)
        return body


def control_options(command):
    command = click.option("--api-key", envvar="MOCKANGO_API_KEY", help="Your API key [env MOCKANGO_API_KEY].")(command)
    command = click.option(
        "--url",
        envvar="MOCKANGO_URL",
        default=DEFAULT_URL,
        show_default=True,
        help="The mockango host [env MOCKANGO_URL].",
    )(command)
    return command


def parse_json_option(text: str | None, name: str):
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} at column {exc.colno}", param_hint=name)


def kind_options(command):
    """Each plugin kind's run options as flags of ``mockango run`` (the built-in kinds' table)."""
    for run_field in reversed(kind_fields()):
        extra: dict = {"multiple": True} if run_field.multiple else {}
        if run_field.path:
            extra["type"] = click.Path(exists=True, dir_okay=False)
        command = click.option(run_field.cli, run_field.option, default=None, help=run_field.help, **extra)(command)
    return command


@main.command("run")
@control_options
@click.option("--plugin", "plugin_id", required=True, help="Plugin id.")
@click.option("--project", "project_id", help="Project id [default: the demo project].")
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="CLASS=TOOL",
    help="Map a model class to a tool (title or schemaId). Repeat for each class.",
)
@click.option("--config", help="Config JSON [default: the plugin's default config].")
@click.option("--batch", "batches", multiple=True, help="Batch name or id. Repeatable.")
@click.option(
    "--timeout",
    type=float,
    help=f"This run's time limit, seconds [default: the host's, set by `serve --run-timeout` ({DEFAULT_RUN_TIMEOUT:g} s)].",
)
@click.option(
    "--wait-live",
    type=click.FloatRange(min=0),
    default=0,
    help="Seconds to wait for the plugin's process to connect before starting (a plugin started just "
    "before, as in a CI job) [default: 0, start now or say it is not live].",
)
@kind_options
def run_command(
    url,
    api_key,
    plugin_id,
    project_id,
    mappings,
    config,
    batches,
    timeout,
    wait_live,
    **typed,
) -> None:
    """Start a run, stream its log lines, print the result. Exits 0 only when it succeeded.

    Each plugin type takes its own options (each says the type it is for, e.g. Model --asset);
    another type's option is refused with the list of what the plugin takes.

    Ctrl+C stops following the run, not the run: the session goes on on the host.
    """
    client = ControlClient(url, api_key)
    mapping = {}
    for item in mappings:
        model_class, sep, tool = item.partition("=")
        if not sep or not model_class or not tool:
            raise click.BadParameter(f"{item!r} is not CLASS=TOOL", param_hint="--map")
        mapping[model_class] = tool
    if project_id is None:
        project_id = client.call("GET", "/api/info")["defaultProject"]
    parse_json_option(config, "--config")  # refuse bad JSON here, with the option's name
    body = {
        "plugin": plugin_id,
        "project": project_id,
        "classMapping": mapping or None,
        "config": config,
        "batches": list(batches) or None,
    }
    if timeout is not None:  # otherwise the host's own limit applies (serve --run-timeout)
        body["timeout"] = timeout
    for run_field in kind_fields():
        value = typed[run_field.option]
        if run_field.multiple:
            value = list(value) or None
        elif value is not None and run_field.path:
            value = base64.b64encode(Path(value).read_bytes()).decode()
        elif value is not None and run_field.widget == "json":
            value = parse_json_option(value, run_field.cli)
        if value is not None:
            body[run_field.name] = value
    _wait_live(client, plugin_id, wait_live)
    follow_to_the_end(client, client.call("POST", "/api/runs", json=body, options=RUN_OPTIONS), announce=True)


def _wait_live(client: ControlClient, plugin_id: str, seconds: float) -> None:
    """Poll the plugin until its process is connected or ``seconds`` pass (then the run says it is not live)."""
    deadline = time.monotonic() + seconds
    while seconds and not client.call("GET", f"/api/plugins/{plugin_id}").get("live"):
        if time.monotonic() >= deadline:
            return
        time.sleep(0.2)


def follow_to_the_end(client: ControlClient, session: dict, *, announce: bool = False) -> None:
    """Follow, print the outcome and exit 0 only on success; Ctrl+C says the run goes on and how to follow it."""
    try:
        if announce:
            click.echo(f"session {session['_id']} started")
        session = follow(client, session)
    except KeyboardInterrupt:
        where = "" if client.url == DEFAULT_URL else f" --url {client.url}"
        click.echo(
            f"\nStopped following; the run was not stopped. Session {session['_id']} goes on running on "
            f"the host until the plugin answers or the run's time limit passes.\n"
            f"  Follow it again:  mockango follow {session['_id']}{where}  (same API key)\n"
            f"  Or stop it:       mockango cancel {session['_id']}{where}\n"
            f"  Or open:          {client.url}/sessions/{session['_id']}",
            err=True,
        )
        sys.exit(130)
    click.echo(f"status:  {session['status']}")
    if session.get("message") is not None:  # a text as it is; an answer (a Model's) as JSON, like the result
        message = session["message"]
        click.echo(f"message: {message if isinstance(message, str) else json.dumps(message)}")
    if session.get("reason"):
        click.echo(f"reason:  {session['reason']}")
    if session.get("result") is not None and session.get("pluginType") != "batch-model":
        click.echo(f"result:  {json.dumps(session['result'])}")
    sys.exit(0 if session["status"] == "succeeded" else 1)


@main.command("follow", short_help="Stream a session until it ends; print its result.")
@control_options
@click.argument("session_id")
def follow_command(url, api_key, session_id) -> None:
    """Stream a session's log lines until it ends, then print the result (as `run` does)."""
    client = ControlClient(url, api_key)
    follow_to_the_end(client, client.call("GET", f"/api/sessions/{session_id}"))


@main.command("cancel", short_help="Stop a running session: it ends cancelled.")
@control_options
@click.argument("session_id")
def cancel_command(url, api_key, session_id) -> None:
    """Stop a running session: it ends `cancelled` at once. The plugin is not told (Ango's clients
    have no such event); what it sends for the session afterwards is kept, marked late."""
    session = ControlClient(url, api_key).call("POST", f"/api/sessions/{quote(session_id, safe='')}/cancel")
    click.echo(f"session {session['_id']} cancelled")
    click.echo(f"reason:  {session['reason']}")


def follow(client: ControlClient, session: dict) -> dict:
    """Print the session's log lines as they come, until it ends; return it as it ended."""
    shown = 0
    while True:
        for entry in session["logs"][shown:]:
            click.echo(f"{entry.get('time', '')}  {entry.get('level', ''):<8} {entry.get('msg', '')}")
        shown = len(session["logs"])
        if session["status"] != "running":
            return session
        session = client.call("GET", f"/api/sessions/{session['_id']}", params={"wait": 0.5})
        time.sleep(0.05)


@main.group()
def plugin() -> None:
    """Create, list and delete plugins on a running mockango."""


@plugin.command("create")
@control_options
@click.option("--name", required=True, help="The plugin's name, as the dashboard shows it.")
@click.option(
    "--type",
    "plugin_type",
    type=click.Choice(PLUGIN_TYPES),
    default="batch-model",
    show_default=True,
    help="The plugin's type.",
)
@click.option("--description", default="", help="What the plugin does (shown on its dashboard page).")
@click.option("--class", "class_names", multiple=True, help="A model class name (model types). Repeatable.")
@click.option("--default-config", help="Default config JSON (pre-fills each run's Config JSON).")
@click.option("--id", "plugin_id", help="The id to give it (24 hex characters) [default: a random one].")
@click.option(
    "--secret",
    help="The secret to give it, for scripted and CI use (16+ characters of A-Z a-z 0-9 . _ ~ -; compared "
    "in constant time) [default: a random one].",
)
def plugin_create(url, api_key, name, plugin_type, description, class_names, default_config, plugin_id, secret) -> None:
    """Create a plugin of any type; prints its id and secret."""
    body = {
        "name": name,
        "type": plugin_type,
        "description": description,
        "classNames": list(class_names),
        "defaultConfig": parse_json_option(default_config, "--default-config"),
    }
    body.update({key: value for key, value in (("id", plugin_id), ("secret", secret)) if value is not None})
    created = ControlClient(url, api_key).call("POST", "/api/plugins", json=body, options=PLUGIN_OPTIONS)
    click.echo(f"id:     {created['_id']}\nsecret: {created['secret']}")


@plugin.command("list")
@control_options
def plugin_list(url, api_key) -> None:
    """List plugins with their live state."""
    rows = [
        (item["_id"], "live" if item["live"] else "offline", item["type"], item["name"], ", ".join(item["classNames"]))
        for item in ControlClient(url, api_key).call("GET", "/api/plugins")["plugins"]
    ]
    click.echo(format_table(("ID", "STATE", "TYPE", "NAME", "CLASSES"), rows))


def format_table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> str:
    """Columns padded to their widest cell, two spaces apart (the last one unpadded)."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(str(cell).ljust(w) for cell, w in zip(row, widths)), str(row[-1])]).rstrip()
        for row in [header, *rows]
    )


@plugin.command("delete")
@control_options
@click.argument("plugin_id")
def plugin_delete(url, api_key, plugin_id) -> None:
    """Delete a plugin."""
    ControlClient(url, api_key).call("DELETE", f"/api/plugins/{plugin_id}")
    click.echo(f"deleted {plugin_id}")


# ------------------------------------------------------------------- validate


def fixture_dirs() -> list[Path]:
    """Where fixture ontologies are looked up: the current project's, then this checkout's."""
    return [Path.cwd() / "fixtures" / "ontologies", Path(__file__).resolve().parent.parent / "fixtures" / "ontologies"]


def load_json_file(path: str | Path, what: str):
    try:
        return json.loads(Path(path).read_text())
    except OSError as exc:
        raise click.ClickException(f"cannot read {what} {path}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )


def project_to_validate(project: str, seed: int, url: str | None, api_key: str | None) -> tuple[str, dict, list | None]:
    """(name, categorySchema, assets or None) from 'demo', a fixture name, a JSON file, or a project id."""
    if project == "demo":
        hub = Hub(seed=seed)
        demo = hub.require_default("project")
        return demo.name, demo.category_schema, hub.project_assets(demo.id)
    for folder in fixture_dirs():
        if (folder / f"{project}.json").exists():
            return project, load_json_file(folder / f"{project}.json", "ontology"), None
    if project.endswith(".json") or Path(project).exists():
        loaded = load_json_file(project, "project file")
        if isinstance(loaded, dict) and "categorySchema" in loaded:
            return loaded.get("name", Path(project).stem), loaded["categorySchema"], loaded.get("assets")
        return Path(project).stem, loaded, None
    if url is None:
        raise click.ClickException(
            f"'{project}' is not 'demo', a fixture ontology ({', '.join(fixture_names())}), "
            "or a JSON file; to check against a project of a running mockango, pass --url"
        )
    client = ControlClient(url, api_key)
    found = client.call("GET", f"/v2/project/{project}")["data"]["project"]
    assets: list = []
    while True:  # the listing is paged: read every page
        answer = client.call(
            "GET", f"/api/projects/{project}/assets", params={"page": len(assets) // 1000 + 1, "limit": 1000}
        )
        assets += answer["assets"]
        if not answer["assets"] or len(assets) >= answer["total"]:
            break
    return found["name"], found["categorySchema"], assets


def fixture_names() -> list[str]:
    return sorted({p.stem for folder in fixture_dirs() if folder.is_dir() for p in folder.glob("*.json")})


@main.command()
@click.argument("labels_file", type=click.Path(dir_okay=False))
@click.option(
    "--project",
    help="'demo' (the seeded project), a fixture ontology name (e.g. kitchen-sink), an ontology or "
    "project JSON file, or the id of a project on a running mockango (with --url) "
    "[default: the ontology a fixture file names, else demo].",
)
@click.option(
    "--assets",
    "assets_file",
    type=click.Path(dir_okay=False),
    help="JSON list of the project's assets, when the project gives none.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the 'demo' project.")
@click.option(
    "--url", envvar="MOCKANGO_URL", help="A running mockango, to check against one of its projects [env MOCKANGO_URL]."
)
@click.option(
    "--api-key", envvar="MOCKANGO_API_KEY", help="Your API key on that mockango (with --url) [env MOCKANGO_API_KEY]."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--strict", is_flag=True, help="Report rules whose evidence is unknown as errors, not warnings (exit 1).")
def validate(labels_file, project, assets_file, seed, url, api_key, as_json, strict) -> None:
    """Check a label import file without running anything. Exits 1 when it has errors.

    The file is the labels (a list), a whole import request body ({"project", "jsonContent"}),
    or a fixture of fixtures/labels ({"labels", "ontology", "assets", ...}), which brings its
    own ontology and assets.
    """
    from .validation import validate_labels

    labels = load_json_file(labels_file, "label file")
    fixture: dict = {}
    if isinstance(labels, dict) and "jsonContent" in labels:
        labels = labels["jsonContent"]  # a whole import request body
    elif isinstance(labels, dict) and "labels" in labels:
        fixture, labels = labels, labels["labels"]  # a fixture: its labels, ontology and assets
    if project is None:
        project = fixture.get("ontology") if isinstance(fixture.get("ontology"), str) else "demo"
    name, category_schema, assets = project_to_validate(project, seed, url, api_key)
    if fixture and project == fixture.get("ontology"):
        name = fixture.get("project_name") or name
        if assets is None and isinstance(fixture.get("assets"), list):
            assets = fixture["assets"]
    if assets_file:
        assets = load_json_file(assets_file, "asset file")
    note = None
    if assets is None:
        # No asset list: let every item's reference stand for its own asset, so only the labels are judged.
        items = labels if isinstance(labels, list) else []
        assets = [
            {"_id": f"item-{i}", "externalId": item.get("externalId"), "data": item.get("data")}
            for i, item in enumerate(items)
            if isinstance(item, dict)
        ]
        note = "asset references and image bounds were not checked: the project has no asset list (pass --assets)"
    report = validate_labels(labels, category_schema, assets, project_name=name, strict=strict)
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "note": note}, indent=2))
    else:
        click.echo(report.format())
        if note:
            click.echo(f"note: {note}")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
