"""Local services for trials, the demo and the test suite: a real Neo4j server and a real MLflow server.

``python -m steward.local.neo4j_server --help`` and ``python -m steward.local.mlflow_server --help``.
"""
