"""plugin_client: write Ango Hub plugins of every type that run against mockango and the real host alike.

Public API (nothing else is public):
"""

from .errors import CallbackSignatureError, PluginClientError, PluginRefused, SDKError
from .export import ExportPlugin, ExportResponse
from .logger import PluginLogger
from .model import AnnotationPayload, Answer, ModelPlugin
from .plugin import BatchModelPlugin, FileExplorerPlugin, InputPlugin, MarkdownPlugin, Plugin, run
from .sdk import SDK

__all__ = [
    "Plugin",
    "BatchModelPlugin",
    "ModelPlugin",
    "Answer",
    "AnnotationPayload",
    "ExportPlugin",
    "ExportResponse",
    "FileExplorerPlugin",
    "MarkdownPlugin",
    "InputPlugin",
    "run",
    "SDK",
    "PluginLogger",
    "PluginClientError",
    "SDKError",
    "PluginRefused",
    "CallbackSignatureError",
]
