"""Where gradings are kept: the SQLite gradebook."""
