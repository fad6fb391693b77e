// Lookups of all nodes of a kind (audits, SPOF) read this index.
CREATE INDEX steward_node_kind IF NOT EXISTS FOR (n:Node) ON (n.kind)
