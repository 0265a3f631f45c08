"""mockango's pytest plugin, found through the ``pytest11`` entry point: installing mockango is enough.

Fixtures:

- ``mockango_server`` (session): one :class:`~mockango.MockAngo` per test session
  (per xdist worker), on 127.0.0.1 and a free port;
- ``mockango`` (function): a :class:`~mockango.testing.MockAngoHandle` on that server,
  reset to the seeded data before each test; plugins it started are stopped after;
- ``mockango_factory`` (function): ``make(seed=0)`` starts an extra, independent host;
- ``mockango_seed`` (session): the seed, from ``--mockango-seed`` (override it in a conftest).

Marker: ``@pytest.mark.mockango(seed=3, project="project.json", strict=True)`` picks another seed,
a project (a dict or a JSON file next to the test), or strict mode (rules whose evidence is unknown
refuse instead of warning: docs/validation.md) for one test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported inside the fixtures: loading this plugin costs no more than the package
    from .server import MockAngo
    from .testing import MockAngoHandle

HANDLES = pytest.StashKey[list]()
MARKER_OPTIONS = {"seed", "project", "strict"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockango", "mockango (a local Ango Hub for plugin tests)")
    group.addoption(
        "--mockango-seed",
        type=int,
        default=0,
        dest="mockango_seed",
        help="seed of the fake data the mockango fixtures start from (default: 0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockango(seed=None, project=None, strict=False): the mockango fixture's seed, a project "
        "(dict or JSON file) to create and run plugins on, and strict mode, for this test",
    )


@pytest.fixture(scope="session")
def mockango_seed(pytestconfig: pytest.Config) -> int:
    """The seed of the fake data (``--mockango-seed``)."""
    return pytestconfig.getoption("mockango_seed")


@pytest.fixture(scope="session")
def mockango_server(mockango_seed: int) -> Iterator[MockAngo]:
    """One mockango host for the whole session (or xdist worker), on a free port."""
    from .server import MockAngo

    with MockAngo(seed=mockango_seed) as server:
        yield server


def _track(request: pytest.FixtureRequest, handle: MockAngoHandle) -> None:
    request.node.stash.setdefault(HANDLES, []).append(handle)


@pytest.fixture
def mockango(request: pytest.FixtureRequest, mockango_server: MockAngo, mockango_seed: int) -> Iterator[MockAngoHandle]:
    """The shared host, reset to fresh seeded data for this test."""
    from .testing import MockAngoHandle

    marker = request.node.get_closest_marker("mockango")
    options = dict(marker.kwargs) if marker else {}
    unknown = set(options) - MARKER_OPTIONS
    if unknown or (marker and marker.args):
        raise pytest.UsageError(
            f"@pytest.mark.mockango takes only keywords {sorted(MARKER_OPTIONS)}, "
            f"got args {marker.args} and keywords {sorted(options)}"
        )
    handle = MockAngoHandle(mockango_server)
    handle.reset(seed=options.get("seed", mockango_seed))
    if options.get("project") is not None:
        handle.use_project(options["project"], base=request.path.parent)
    strict_before = mockango_server.hub.strict
    mockango_server.hub.strict = bool(options.get("strict", strict_before))
    _track(request, handle)
    try:
        yield handle
    finally:
        mockango_server.hub.strict = strict_before
        handle.close()


@pytest.fixture
def mockango_factory(request: pytest.FixtureRequest, mockango_seed: int) -> Iterator[Callable[..., MockAngoHandle]]:
    """``make(seed=...)``: another independent host (its own server and port), stopped after the test."""
    from .testing import MockAngoHandle

    made: list[MockAngoHandle] = []

    def make(*, seed: int | None = None) -> MockAngoHandle:
        handle = MockAngoHandle(seed=mockango_seed if seed is None else seed).start()
        made.append(handle)
        _track(request, handle)
        return handle

    try:
        yield make
    finally:
        for handle in reversed(made):
            handle.close()


@pytest.fixture
def mockango_s3() -> Iterator[Any]:
    """A moto S3 server on loopback as File Explorer plugins' bucket (``AWS_ENDPOINT_URL`` set meanwhile);
    skips the test when ``moto[server]`` is not installed. See :class:`mockango.testing.LocalS3`."""
    pytest.importorskip("moto.server", reason="mockango_s3 needs moto's server: pip install 'moto[server]'")
    from .testing import LocalS3

    with LocalS3() as s3:
        yield s3


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed:
        for handle in item.stash.get(HANDLES, []):
            for title, text in handle.report_sections():
                report.sections.append((title, text))
    return report
