"""Runs: what happens between clicking Run and a session's end, and the kinds of plugin that run."""
