"""Label imports: validate against the assets the items name (one indexed query), store in one transaction.

Labels live on their asset row (``assets.labels``, see :mod:`.projects`): this module owns no table.
"""

from __future__ import annotations

SCHEMA = ""
