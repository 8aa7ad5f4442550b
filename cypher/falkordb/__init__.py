"""The embedded engine, FalkorDB: its server process (:mod:`.server`, with the append-only
file's policy in :mod:`.aof` and private files in :mod:`.files`), the store on it (:mod:`.store`,
watched by :mod:`.watchdog`), its fast load path (:mod:`.bulk`) and staging graphs
(:mod:`.staging`). Nothing is re-exported here: import from the module that defines a name."""
