// Ingestion bookkeeping (e.g. last git tip walked per ref), one node per key.
CREATE CONSTRAINT steward_state_key IF NOT EXISTS FOR (s:StewardState) REQUIRE s.key IS UNIQUE
