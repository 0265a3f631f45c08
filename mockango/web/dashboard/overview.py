"""The overview: the page a browser lands on after signing in (placeholder, filled in below)."""
