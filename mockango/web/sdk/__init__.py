"""The Ango Hub surface (``/v2``, ``/files``, ``/objects``): the routes the SDK and plugins call, at the real host's paths."""
