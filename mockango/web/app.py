"""The app factory: one Flask app and one Socket.IO server over one Hub.

Nothing lives at module level, so any number of hosts can run in one process
(the pytest fixture starts several).
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException

from ..errors import MockangoError
from ..hub import Hub
from ..input_limits import MAX_BODY_BYTES
from . import openapi, plugin_socket
from .control import api as control
from .control import faults, reset
from .control import tasks as control_tasks
from .dashboard import pages as dashboard
from .health import HealthCheck
from .middleware.caller import journal_session
from .middleware.envelope import error
from .middleware.http_errors import answer_http_error, answer_slash_redirect
from .middleware.limits import limit_bodies
from .middleware.security_headers import secure_responses
from .middleware.socket_guard import report_unreadable_packets
from .middleware.strict_json import StrictJSONProvider, StrictPacket
from .routing import MockangoFlask
from .sdk import analytics, exports, files, issues, objects, organization, projects, rest, storages, tasks, unsimulated


def create_app(hub: Hub, *, max_body: int = MAX_BODY_BYTES, starting: bool = False) -> Flask:
    """Build the Flask app for ``hub``; its Socket.IO server is ``app.extensions['socketio']``.

    ``max_body`` bounds request bodies and Socket.IO messages, in bytes (413 over it). ``starting``:
    answer 503 (``GET /health``: ``"starting"``) until ``app.extensions['mockango.health'].ready()``.
    """
    app = MockangoFlask("mockango")
    app.json = StrictJSONProvider(app)
    app.extensions["mockango.hub"] = hub
    app.register_blueprint(rest.blueprint)
    for concept in (
        tasks,
        projects,
        objects,
        storages,
        exports,
        issues,
        organization,
        analytics,
        control_tasks,
        unsimulated,
    ):
        app.register_blueprint(concept.blueprint)
    app.register_blueprint(control.blueprint)
    app.register_blueprint(faults.blueprint)
    app.register_blueprint(reset.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(files.blueprint)
    app.register_blueprint(dashboard.blueprint)

    app.before_request(answer_slash_redirect)
    app.before_request(faults.apply_request_faults)

    @app.errorhandler(MockangoError)
    def mockango_error(refused: MockangoError):
        return jsonify(refused.to_dict()), refused.status

    app.register_error_handler(HTTPException, answer_http_error)
    limit_bodies(app, max_body)
    secure_responses(app)

    @app.errorhandler(Exception)
    def unexpected_error(exception: Exception):
        # The traceback goes to the server's log only: an answer never carries exception text.
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error(
            f"mockango failed on {request.method} {request.path} (a bug in mockango: "
            "the traceback is in the server's log; please report it)",
            500,
        )

    @app.after_request
    def journal(response):
        hub.record_request(
            request.method,
            request.path,
            response.status_code,
            run_session=journal_session(),
            query=request.query_string.decode("latin-1"),
            agent=request.headers.get("User-Agent"),
        )
        return response

    # async_handlers=False: a socket's events are handled one after another, in the order they came,
    # so a run's last log lines are kept before its response ends it (no handler blocks: refusal
    # delays run as background tasks, and each socket has its own reading thread).
    socketio = SocketIO(
        app,
        async_mode="threading",
        # None: Engine.IO's same-origin rule. A browser page of another origin cannot open a socket (it drove
        # a host to 1,191 threads in 4 s); plugins send no Origin, or websocket-client's, the host's own URL.
        cors_allowed_origins=None,
        logger=False,
        engineio_logger=False,
        async_handlers=False,
        serializer=StrictPacket,
        max_http_buffer_size=max_body,
    )
    socketio.on_namespace(plugin_socket.PluginNamespace(hub, socketio))
    report_unreadable_packets(socketio.server, plugin_socket.NAMESPACE)
    health = HealthCheck(app.wsgi_app, hub, starting=starting)  # GET /health, and 503 while starting
    app.wsgi_app = health  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    app.extensions["mockango.health"] = health
    return app
