"""Registering plugins: what a plugin of each kind is created with, deleting one, and who sees which."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from ..config import Settings
from ..errors import Conflict, InvalidRequest, NotFound, RunTimeout
from ..events import Notifier, PluginChanged
from ..ids import check_given_object_id, check_given_secret, new_object_id, new_secret
from ..input_limits import MAX_NAME_LENGTH, check_free_form, check_text, check_value
from ..models import Plugin
from ..records import plugins as plugin_rows
from ..store import Store
from .engine import RunEngine
from .kinds import Kinds
from .links import Connections
from .options import parse_config
from .rest_plugins import RestPluginWatcher


class Registration:
    """The plugins of one host: creating them by the rules of their kind, finding and deleting them."""

    def __init__(
        self,
        *,
        store: Store,
        notifier: Notifier,
        kinds: Kinds,
        connections: Connections,
        rest_plugins: RestPluginWatcher,
        engine: RunEngine,
        settings: Settings,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._kinds = kinds
        self._connections = connections
        self._rest_plugins = rest_plugins
        self._engine = engine
        self._settings = settings
        self.records = plugin_rows.Plugins(store)

    def create(
        self,
        organization_id: str,
        name: str,
        *,
        class_names: Iterable[str] = (),
        default_config: Any = None,
        plugin_type: str = "batch-model",
        description: str = "",
        callback_url: str | None = None,
        plugin_id: str | None = None,
        secret: str | None = None,
    ) -> Plugin:
        """Register a plugin; its ``secret`` is what the plugin process connects with.

        ``plugin_id`` and ``secret`` (for scripted and CI use, known before the host starts): the id
        and secret to give it instead of fresh ones; an id another plugin has is refused (409).
        """
        if plugin_id is not None:
            check_given_object_id(plugin_id, "the plugin id")
        if secret is not None:
            check_given_secret(secret, "the plugin secret")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a plugin needs a non-empty 'name'")
        check_text(name, "name", max_length=MAX_NAME_LENGTH)
        check_text(description, "description")
        kind = self._kinds.get(plugin_type)
        if isinstance(class_names, (str, bytes, Mapping)) or not isinstance(class_names, Iterable):
            raise InvalidRequest(f"'classNames' must be a list of non-empty strings, got {type(class_names).__name__}")
        class_names = list(class_names)
        if not all(isinstance(c, str) and c for c in class_names):
            raise InvalidRequest("'classNames' must be a list of non-empty strings")
        check_value(class_names, where="classNames")
        if class_names and not kind.has_classes:
            with_classes = " and ".join(k.title for k in self._kinds if k.has_classes) or "no"
            raise InvalidRequest(
                f"class names ('classNames') are for {with_classes} plugins; {kind.a_title} plugin has none"
            )
        if len(set(class_names)) != len(class_names):
            raise InvalidRequest("'classNames' must not repeat a class")
        if not isinstance(description, str):
            raise InvalidRequest("'description' must be a string")
        if isinstance(default_config, str):
            default_config = parse_config(default_config, "defaultConfig")
        check_free_form(default_config, "defaultConfig")
        if callback_url is not None and (
            not isinstance(callback_url, str) or not callback_url.startswith(("http://", "https://"))
        ):
            raise InvalidRequest(f"'callbackUrl' must be the plugin's http(s) base URL, got {callback_url!r}")
        plugin = Plugin(
            id=plugin_id or new_object_id(),
            name=name,
            organization_id=organization_id,
            secret=secret or new_secret(),
            type=kind.name,
            description=description,
            class_names=class_names,
            default_config=copy.deepcopy(default_config),
            callback_url=callback_url,
        )
        with self._store.write() as db:
            if plugin_id is not None and plugin_rows.exists(db, plugin_id):
                raise Conflict(f"a plugin with id {plugin_id} already exists: delete it first, or give another id")
            plugin_rows.insert_plugin(db, plugin)
        self._notifier.publish(PluginChanged(plugin.id))
        if callback_url:
            self._rest_plugins.wake()
        return plugin

    def of(self, organization_id: str, plugin_id: str) -> Plugin:
        """A plugin of the organization; another organization's is simply not found."""
        plugin = self.records.get(plugin_id)
        if plugin is None or plugin.organization_id != organization_id:
            raise NotFound(f"plugin '{plugin_id}' not found")
        return plugin

    def delete(self, organization_id: str, plugin_id: str) -> None:
        plugin = self.of(organization_id, plugin_id)
        with self._store.write() as db:
            plugin_rows.delete_plugin(db, plugin.id)
        self._connections.drop_plugin(plugin.id)
        self._notifier.publish(PluginChanged(plugin.id, deleted=True))

    def wait_live(self, plugin_id: str, timeout: float = 10.0) -> None:
        """Block until the plugin has a live connection; RunTimeout says what to check when it does not."""
        if self.records.get(plugin_id) is None:
            raise NotFound(f"plugin '{plugin_id}' not found")
        if not self._engine.wait_live(plugin_id, timeout):
            problem = self._rest_plugins.last_problem.get(plugin_id)
            raise RunTimeout(
                f"plugin '{plugin_id}' did not connect within {timeout:g} s: is its process running, with this "
                f"host's URL ({self._settings.base_url}) and the plugin's secret?"
                + (f" Last heartbeat check: {problem}" if problem else "")
            )
