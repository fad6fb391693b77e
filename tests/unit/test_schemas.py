"""The JSON Schemas of recipes and catalog documents: published copies are current, and every example
file of the repository (and the demo's generated catalog and recipe) validates, while a typo does not."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from steward.cli import app
from steward.schemas import SCHEMAS, schema_text

ROOT = Path(__file__).resolve().parents[2]


def _plain(value: Any) -> Any:
    """YAML reads dates as dates; a schema (like an editor) sees the text."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = SCHEMAS[name]()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _docs(path: Path) -> list[Any]:
    return [_plain(d) for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _errors(name: str, doc: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(doc)]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_copy_is_current(name: str) -> None:
    published = ROOT / "schemas" / f"{name}.schema.json"
    assert published.read_text(encoding="utf-8") == schema_text(name), (
        f"{published} is stale: regenerate it with `steward schema {name} > schemas/{name}.schema.json`"
    )


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_cli_prints_the_schema(name: str) -> None:
    result = CliRunner().invoke(app, ["schema", name])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == SCHEMAS[name]()


def _example_recipes() -> list[Path]:
    return sorted(p for p in ROOT.glob("ingest/**/*.yaml") if not p.name.startswith("catalog"))


def _example_catalogs() -> list[Path]:
    return sorted([*ROOT.glob("tests/data/catalog/*.yaml"), *ROOT.glob("ingest/examples/**/catalog*.yaml")])


def test_there_are_examples_to_check() -> None:
    assert ROOT.joinpath("ingest/demo.yaml") in _example_recipes()
    assert len(_example_catalogs()) >= 2


@pytest.mark.parametrize("path", _example_recipes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_recipes_validate(path: Path) -> None:
    (doc,) = _docs(path)
    assert _errors("recipe", doc) == []
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (path.parent / first.split("$schema=", 1)[1]).resolve() == ROOT / "schemas/recipe.schema.json"


@pytest.mark.parametrize("path", _example_catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_catalogs_validate(path: Path) -> None:
    docs = _docs(path)
    assert docs
    for i, doc in enumerate(docs, start=1):
        assert _errors("catalog", doc) == [], f"{path} document {i}"


def test_demo_catalog_and_recipe_validate(tmp_path: Path) -> None:
    from steward.demo.build import recipe_text, write_catalog

    write_catalog(tmp_path / "catalog.yaml", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), {1: "1", 2: "2", 3: "3"})
    docs = _docs(tmp_path / "catalog.yaml")
    assert len(docs) > 5
    for doc in docs:
        assert _errors("catalog", doc) == []
    for with_mlflow in (True, False):
        assert _errors("recipe", yaml.safe_load(recipe_text(mlflow=with_mlflow))) == []


PERSON = {"apiVersion": "steward/v1", "kind": "Person", "metadata": {"name": "ada"},
          "spec": {"email": "ada@acme.com"}}
OWNERSHIP = {"apiVersion": "steward/v1", "kind": "Ownership", "metadata": {"name": "churn"},
             "spec": {"artifact": "model:churn", "owners": ["team:churn"], "stewards": "ada@acme.com"}}


def _all_messages(doc: Any) -> list[str]:
    """Every message, including those of the oneOf branches (where the useful one is)."""
    out: list[str] = []
    todo = list(_validator("catalog").iter_errors(doc))
    while todo:
        e = todo.pop()
        out.append(f"{'.'.join(map(str, e.absolute_path))}: {e.message}")
        todo.extend(e.context or [])
    return out


def test_catalog_schema_rejects_a_typo_the_loader_rejects(tmp_path: Path) -> None:
    from steward.sources.base import SourceContext
    from steward.sources.catalog import CatalogSource, CatalogSourceConfig

    assert _errors("catalog", OWNERSHIP) == []
    typo = {**OWNERSHIP, "spec": {"artifact": "model:churn", "owners": ["team:churn"], "stewrads": ["ada@acme.com"]}}
    assert _errors("catalog", typo)
    assert any("spec: Additional properties are not allowed ('stewrads' was unexpected)" in m
               for m in _all_messages(typo)), _all_messages(typo)
    # the loader agrees: the document is skipped
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(typo), encoding="utf-8")
    src = CatalogSource(CatalogSourceConfig(paths=["c.yaml"]), context=SourceContext(base_dir=tmp_path))
    assert list(src.records()) == []
    assert "stewrads" in src.report.warnings[0].message


def test_catalog_schema_rejects_a_person_without_email_and_an_unknown_kind() -> None:
    assert _errors("catalog", PERSON) == []
    assert _errors("catalog", {**PERSON, "spec": {"displayName": "Ada"}})
    assert _errors("catalog", {**PERSON, "kind": "Persn"})
    backstage_system = {"apiVersion": "backstage.io/v1alpha1", "kind": "System", "metadata": {"name": "x"}}
    assert _errors("catalog", backstage_system) == []  # counted and ignored by the loader, so allowed


def test_recipe_schema_rejects_typos_in_settings_and_types() -> None:
    good = {"sources": [{"type": "catalog", "paths": ["catalog.yaml"]},
                        {"type": "openlineage", "name": "ol", "paths": ["events/"]}]}
    assert _errors("recipe", good) == []
    assert _errors("recipe", {"sources": [{"type": "catalog", "pathz": ["catalog.yaml"]}]})
    assert _errors("recipe", {"sources": [{"type": "catalogue", "paths": ["catalog.yaml"]}]})
    assert _errors("recipe", {**good, "stewrads": True})
    assert _errors("recipe", {**good, "base_dir": "/etc"})  # set from the recipe file, never written
