"""The kinds of Ango Hub plugin, one module each, in one table (:mod:`.registry`)."""
