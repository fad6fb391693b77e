// Governance records (tokens, change requests, incidents, reviews): one node per (kind, id).
CREATE CONSTRAINT steward_record_key IF NOT EXISTS FOR (r:StewardRecord) REQUIRE r.key IS UNIQUE
