"""The dashboard: server-rendered pages, their templates and their one script (no CDN, no build step).

Every page module (``pages``, ``tasks``, ``overview``) adds its routes to the one blueprint of
:mod:`.blueprint`; ``pages`` imports the others, so registering ``pages.blueprint`` serves them all.
"""
