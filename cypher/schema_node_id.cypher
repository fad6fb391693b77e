// Node ids are the MERGE keys: one node per id, enforced by the server.
CREATE CONSTRAINT steward_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE
