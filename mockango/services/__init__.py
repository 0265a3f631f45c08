"""The host's concepts as services: the rules of each, over the records (:mod:`mockango.records`)."""
