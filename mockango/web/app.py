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
from . import control, dashboard, exports, files, issues, objects, plugin_socket, projects, rest, storages, tasks
from . import control_tasks, unsimulated
from .auth import request_api_key


def create_app(hub: Hub) -> Flask:
    """Build the Flask app for ``hub``; its Socket.IO server is ``app.extensions['socketio']``."""
    app = Flask("mockango")
    app.json.sort_keys = False
    app.extensions["mockango.hub"] = hub
    app.register_blueprint(rest.blueprint)
    for concept in (tasks, projects, objects, storages, exports, issues, control_tasks, unsimulated):
        app.register_blueprint(concept.blueprint)
    app.register_blueprint(control.blueprint)
    app.register_blueprint(files.blueprint)
    app.register_blueprint(dashboard.blueprint)

    @app.errorhandler(MockangoError)
    def mockango_error(error: MockangoError):
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith(("/v2/", "/api/")) or request.accept_mimetypes.best == "application/json":
            message = f"{error.name}: {error.description}"
            if error.code == 404:
                message = f"no such endpoint: {request.method} {request.path}"
            elif error.code == 405:
                message = f"{request.method} is not allowed on {request.path}"
            return jsonify({"status": "error", "message": message}), error.code
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return jsonify({"status": "error",
                        "message": f"mockango failed on {request.method} {request.path}: "
                                   f"{type(error).__name__}: {error} (a bug in mockango; please report it)"}), 500

    @app.after_request
    def journal(response):
        hub.record_request(request.method, request.path, response.status_code, api_key=request_api_key(),
                           query=request.query_string.decode("latin-1"))
        return response

    # async_handlers=False: a socket's events are handled one after another, in the order they came,
    # so a run's last log lines are kept before its response ends it (no handler blocks: refusal
    # delays run as background tasks, and each socket has its own reading thread).
    socketio = SocketIO(app, async_mode="threading", cors_allowed_origins=[], logger=False, engineio_logger=False,
                        async_handlers=False)
    socketio.on_namespace(plugin_socket.PluginNamespace(hub, socketio))
    return app
