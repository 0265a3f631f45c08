"""The dashboard: server-rendered pages, their templates and their one script (no CDN, no build step)."""
