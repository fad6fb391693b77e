// Every edge of the given types with its properties, as one record of parallel lists (what
// edges_of_kinds returns, a record per edge, costs the client far more to decode).
MATCH (a:Node)-[r:__TYPES__]->(b:Node)
RETURN collect(a.id) AS src, collect(type(r)) AS kinds, collect(b.id) AS dst, collect(properties(r)) AS props
