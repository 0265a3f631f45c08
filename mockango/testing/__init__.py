"""Testing a plugin against mockango: the handle behind the ``mockango`` pytest fixture.

:class:`MockAngoHandle` wraps a running :class:`~mockango.server.MockAngo` and adds
what a plugin's test needs: serve a plugin in a thread (:meth:`~MockAngoHandle.serve_plugin`)
or as a subprocess (:meth:`~MockAngoHandle.spawn_plugin`), run it
(:meth:`~MockAngoHandle.run`), and check the :class:`RunResult` with assertions
that say what went wrong. It works without pytest too (unittest, scripts)::

    with MockAngoHandle() as host:                 # its own server on a free port
        with host.serve_plugin(run_model, class_names=["car"]) as plugin:
            result = plugin.run(class_mapping={"car": "Vehicle"}, config={"threshold": 0.5})
        result.assert_succeeded()

Assertion helpers raise :class:`AssertionError` with their own readable message
(a unified diff for values), so they read the same under pytest and unittest.

Modules: ``results`` (what a run did, and the assertions), ``plugins`` (plugins
served in a thread or spawned as a process), ``handle`` (the host for one test), ``s3``
(a moto server as File Explorer plugins' bucket).
"""

from .handle import DEFAULT_RUN_TIMEOUT, MockAngoHandle
from .plugins import LIVE_TIMEOUT, PluginStartError, RunningPlugin, ServedPlugin, SpawnedPlugin
from .results import RestCall, RunResult, diff
from .s3 import LocalS3

__all__ = [
    "MockAngoHandle",
    "RunResult",
    "RestCall",
    "RunningPlugin",
    "ServedPlugin",
    "SpawnedPlugin",
    "PluginStartError",
    "diff",
    "DEFAULT_RUN_TIMEOUT",
    "LIVE_TIMEOUT",
    "LocalS3",
]
