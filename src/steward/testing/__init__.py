"""Test helpers that start real services (Neo4j, MLflow) for the suite and for local use."""
