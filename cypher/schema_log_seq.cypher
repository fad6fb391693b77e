// The governance log: one node per entry, unique by position.
CREATE CONSTRAINT steward_log_seq IF NOT EXISTS FOR (e:StewardLog) REQUIRE e.seq IS UNIQUE
