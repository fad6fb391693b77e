// The log's head: a single node every appender locks, so positions are taken one writer at a time.
CREATE CONSTRAINT steward_log_head IF NOT EXISTS FOR (h:StewardLogHead) REQUIRE h.id IS UNIQUE
