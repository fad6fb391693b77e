"""JSON Schemas of the files a user writes: recipes and catalog documents.

Both are generated from the pydantic models that read those files (:class:`steward.recipe.Recipe`,
each source's ``config_class``, and the catalog's document models), so the schema and the loader
cannot disagree. Editors use them through a ``# yaml-language-server: $schema=...`` line; the
repository publishes copies in ``schemas/`` (a unit test fails when those are stale), and
``steward schema recipe|catalog`` prints them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

__all__ = ["SCHEMAS", "catalog_schema", "recipe_schema", "schema_text"]

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_URL = "https://github.com/steward-graph/steward/raw/main/schemas/"


def recipe_schema() -> dict[str, Any]:
    """The recipe: its own settings, and ``sources`` as a union discriminated on ``type``."""
    from steward.recipe import SOURCE_TYPES, Recipe, RecipeSource, source_class

    variants: list[type[BaseModel]] = []
    for kind in sorted(SOURCE_TYPES):
        config = source_class(kind).config_class
        variant = create_model(
            f"{kind.capitalize()}Source",
            __base__=config,
            __doc__=f"A source of type {kind!r}" + (f": {config.__doc__.strip()}" if config.__doc__ else ""),
            type=(Literal[kind], Field(description=f"Source type: {kind}")),  # type: ignore[arg-type]
            name=(str | None, RecipeSource.model_fields["name"]),
        )
        variants.append(variant)
    union = Annotated[Union[tuple(variants)], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
    fields: dict[str, Any] = {"sources": (list[union], Recipe.model_fields["sources"])}  # type: ignore[valid-type]
    for name, info in Recipe.model_fields.items():
        if name not in ("sources", "base_dir"):  # base_dir is the recipe file's folder, never written
            fields[name] = (info.annotation, info)
    doc = create_model("Recipe", __config__=Recipe.model_config, **fields)
    schema = doc.model_json_schema()
    return {"$schema": SCHEMA_DRAFT, "$id": BASE_URL + "recipe.schema.json",
            "title": "Steward recipe", **{k: v for k, v in schema.items() if k != "title"}}


def catalog_schema() -> dict[str, Any]:
    """One catalog document: a ``oneOf`` over apiVersion + kind (Steward's kinds and Backstage's)."""
    from steward.sources.catalog import models as c

    defs: dict[str, Any] = {}

    def model_ref(model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        name = model.__name__.lstrip("_")
        schema["title"] = name
        defs[name] = schema
        return {"$ref": f"#/$defs/{name}"}

    metadata = model_ref(c._Metadata)
    branches: list[dict[str, Any]] = []

    def branch(api: dict[str, Any], kind: str, spec: type[BaseModel], description: str) -> dict[str, Any]:
        spec_required = any(f.is_required() for f in spec.model_fields.values())
        return {
            "title": f"{kind}",
            "description": description,
            "type": "object",
            "properties": {"apiVersion": api, "kind": {"const": kind}, "metadata": metadata,
                           "spec": model_ref(spec)},
            "required": ["apiVersion", "kind", "metadata", *(["spec"] if spec_required else [])],
        }

    steward_api = {"const": c.STEWARD_API}
    backstage_api = {"type": "string", "pattern": "^backstage\\.io/"}
    about = {
        "Person": "A person, known by an e-mail; aliases name them in other systems (@handle, MLflow user).",
        "Team": "A team: members, a CODEOWNERS handle, and its place in the hierarchy (parent, children).",
        "Ownership": "Who owns (and who stewards) an artifact, by node id (e.g. model:churn).",
        "Deployment": "A deployment in an environment: what it serves, what it depends on, who owns it.",
        "Playbook": "What to do when an artifact breaks: failure modes, rollback criteria, data-integrity checks "
        "and communication, with owners; applies to kinds, tags or named artifacts.",
    }
    for kind, spec in c._STEWARD_SPECS.items():
        b = branch(steward_api, kind, spec, about[kind])
        b["additionalProperties"] = False
        branches.append(b)
    bs_about = {
        "User": "A Backstage user: becomes a person (by profile.email), member of spec.memberOf.",
        "Group": "A Backstage group: becomes a team.",
        "Component": "A Backstage component: with the annotation steward/artifact, declares its owner.",
        "Resource": "A Backstage resource: with the annotation steward/artifact, declares its owner.",
    }
    for kind, spec in c._BACKSTAGE_SPECS.items():
        branches.append(branch(backstage_api, kind, spec, bs_about[kind]))
    branches.append({
        "title": "Other Backstage kind",
        "description": "Other Backstage kinds (System, API, ...) are counted and otherwise ignored.",
        "type": "object",
        "properties": {"apiVersion": backstage_api,
                       "kind": {"type": "string", "not": {"enum": sorted(c._BACKSTAGE_SPECS)}},
                       "metadata": metadata},
        "required": ["apiVersion", "kind", "metadata"],
    })
    return {"$schema": SCHEMA_DRAFT, "$id": BASE_URL + "catalog.schema.json",
            "title": "Steward catalog document",
            "description": "One document of a catalog YAML file (files hold several, separated by ---).",
            "oneOf": branches, "$defs": dict(sorted(defs.items()))}


SCHEMAS = {"recipe": recipe_schema, "catalog": catalog_schema}


def schema_text(name: str) -> str:
    """The schema as the repository publishes it (stable key order, trailing newline)."""
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
