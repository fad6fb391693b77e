# The Steward API (and CLI) image; docker-compose.yml runs it next to Neo4j.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md hatch_build.py ./
COPY src ./src
COPY cypher ./cypher
RUN pip install --no-cache-dir . && useradd --create-home steward
USER steward
EXPOSE 8765
CMD ["steward", "serve", "--host", "0.0.0.0", "--port", "8765"]
