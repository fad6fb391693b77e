"""What ships: docker-compose wiring (no Docker engine here, so the file is checked), the Dockerfile's
inputs, and the wheel carrying every Cypher statement."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_services() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, steward = compose["services"]["neo4j"], compose["services"]["steward"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert "127.0.0.1:7687:7687" in neo4j["ports"]
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert steward["build"] == "."
    assert steward["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert steward["environment"]["STEWARD_STORE"] == "bolt://neo4j:7687"
    assert steward["environment"]["STEWARD_NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD")
    assert "127.0.0.1:8765:8765" in steward["ports"]
    assert "/readyz" in " ".join(steward["healthcheck"]["test"])
    assert compose["volumes"] == {"neo4j-data": None}


def test_dockerfile_copies_what_the_package_needs() -> None:
    text = (ROOT / "Dockerfile").read_text()
    for needed in ("COPY src ./src", "COPY cypher ./cypher", "pyproject.toml", "pip install"):
        assert needed in text
    assert "steward\", \"serve\"" in text


def test_wheel_ships_cypher_statements(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("steward_graph-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("steward/cypher/") for n in names if n.startswith("steward/cypher/")}
    assert shipped == {str(p.relative_to(ROOT / "cypher")) for p in (ROOT / "cypher").rglob("*.cypher")}
    assert "examples/downstream_owners.cypher" in shipped
    assert "steward/py.typed" in names
