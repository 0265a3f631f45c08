"""plugin_client: write Ango Hub Batch Model plugins that run against mockango and the real host alike.

Public API (nothing else is public):
"""

from .errors import CallbackSignatureError, PluginClientError, PluginRefused, SDKError
from .logger import PluginLogger
from .plugin import BatchModelPlugin, run
from .sdk import SDK

__all__ = ["BatchModelPlugin", "run", "SDK", "PluginLogger",
           "PluginClientError", "SDKError", "PluginRefused", "CallbackSignatureError"]
