"""Deprecated: the local Neo4j and MLflow server tools live in :mod:`steward.local`.

``steward.testing.neo4j_server`` and ``steward.testing.mlflow_server`` remain as aliases of
``steward.local.neo4j_server`` and ``steward.local.mlflow_server``.
"""
