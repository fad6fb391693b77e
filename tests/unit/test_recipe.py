"""Recipes and the runner: loading, environment expansion, removal of what a source stopped saying,
the safety limit, dry runs, and identity resolution across sources."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from steward.analysis.ownership import read_precedence
from steward.errors import ConfigError
from steward.graph import Edge, EdgeKind, Node, NodeKind, NodeRecord
from steward.identity import Identities
from steward.recipe import load_recipe, run_recipe
from steward.resolve import Resolver
from steward.store import GraphStore, open_store

SEEN = "2026-11-26T00:00:00.000Z"


def person(email: str, *aliases: str, name: str = "") -> str:
    return textwrap.dedent(f"""\
        apiVersion: steward/v1
        kind: Person
        metadata: {{name: {name or email.split('@')[0]}}}
        spec: {{email: {email}, aliases: {list(aliases)}}}
        """)


def catalog(path: Path, n_people: int) -> None:
    path.write_text("---\n".join(person(f"p{i}@acme.com") for i in range(n_people)))


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    return open_store(f"sqlite:///{tmp_path / 'graph.db'}", create=True)


@pytest.fixture
def recipe_file(tmp_path: Path) -> Path:
    (tmp_path / "r.yaml").write_text("max_removal_share: 0.5\nsources:\n  - type: catalog\n    paths: [people.yaml]\n")
    return tmp_path / "r.yaml"


def people(store: GraphStore) -> list[str]:
    return [n.id for n in store.find_nodes(kinds=[NodeKind.PERSON])]


def test_removes_what_a_source_no_longer_says(store: GraphStore, recipe_file: Path) -> None:
    catalog(recipe_file.parent / "people.yaml", 10)
    run_recipe(load_recipe(recipe_file), store)
    assert len(people(store)) == 10
    catalog(recipe_file.parent / "people.yaml", 7)  # 3 of 10 go: under the 50% limit
    report = run_recipe(load_recipe(recipe_file), store)
    assert report.ok
    assert people(store) == [f"person:p{i}@acme.com" for i in range(7)]
    assert report.outcomes[0].removed_nodes == 3


def test_safety_limit_refuses_a_mass_removal_unless_forced(store: GraphStore, recipe_file: Path) -> None:
    catalog(recipe_file.parent / "people.yaml", 10)
    run_recipe(load_recipe(recipe_file), store)
    catalog(recipe_file.parent / "people.yaml", 2)  # 8 of 10 would go
    report = run_recipe(load_recipe(recipe_file), store)
    assert not report.ok
    assert "no longer says 8 of its 10 records (80%)" in report.outcomes[0].report.failures[0].message
    assert len(people(store)) == 10, "nothing was removed"
    dry = run_recipe(load_recipe(recipe_file), store, dry_run=True)  # as the real run: refused, 0 removed
    assert not dry.ok and dry.exit_code == report.exit_code
    assert dry.outcomes[0].report.failures[0].message == report.outcomes[0].report.failures[0].message
    assert dry.outcomes[0].would_remove == 0
    dry = run_recipe(load_recipe(recipe_file), store, dry_run=True, force=True)
    assert dry.ok and dry.outcomes[0].would_remove == 8 and dry.outcomes[0].removed_nodes == 0
    assert len(people(store)) == 10
    forced = run_recipe(load_recipe(recipe_file), store, force=True)
    assert forced.ok
    assert len(people(store)) == 2


def test_dry_run_writes_nothing(store: GraphStore, recipe_file: Path) -> None:
    catalog(recipe_file.parent / "people.yaml", 3)
    report = run_recipe(load_recipe(recipe_file), store, dry_run=True)
    assert report.ok
    assert store.counts().total_nodes == 0
    assert report.outcomes[0].report.counts["Person"] == 3
    assert report.outcomes[0].written_nodes == 3, "a dry run counts what the real run would write"
    assert store.get_state("ownership.precedence") is None


def test_dry_run_on_a_missing_store_creates_nothing(tmp_path: Path, recipe_file: Path) -> None:
    from steward.recipe import dry_run_recipe

    catalog(recipe_file.parent / "people.yaml", 3)
    report = dry_run_recipe(load_recipe(recipe_file), None, uri=f"sqlite:///{tmp_path / 'new' / 'g.db'}")
    assert report.ok and report.dry_run and report.outcomes[0].written_nodes == 3
    assert report.store == f"sqlite:///{tmp_path / 'new' / 'g.db'}"
    assert not (tmp_path / "new").exists()


def test_env_expansion_and_config_errors(tmp_path: Path) -> None:
    r = tmp_path / "r.yaml"
    r.write_text("sources:\n  - type: mlflow\n    tracking_uri: ${MLF_URI}\n    timeout_s: ${MLF_T:-12}\n")
    recipe = load_recipe(r, env={"MLF_URI": "http://mlflow:5000"})
    settings = recipe.sources[0].model_extra or {}
    assert settings["tracking_uri"] == "http://mlflow:5000"
    assert settings["timeout_s"] == "12"
    with pytest.raises(ConfigError, match="MLF_URI is not set"):
        load_recipe(r, env={})
    r.write_text("sources:\n  - type: catalog\n    paths: [a]\n  - type: catalog\n    paths: [b]\n")
    with pytest.raises(ConfigError, match="unique"):
        load_recipe(r)
    r.write_text("sources:\n  - type: catalog\n    name: codeowners\n    paths: [a]\n")
    with pytest.raises(ConfigError, match="reserved"):
        load_recipe(r)
    r.write_text("sorces: []\n")
    with pytest.raises(ConfigError, match="sources"):
        load_recipe(r)
    r.write_text("sources: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_recipe(r)


def test_identities_map_every_name_of_a_person_to_one_node() -> None:
    ids = Identities.from_records([
        NodeRecord("person:ada@acme.com", NodeKind.PERSON, "Ada",
                   {"aliases": ["ada.l@oldmail.com", "@ada", "alovelace", "user:ada"]}, ("catalog",), SEEN),
        NodeRecord("person:ada.l@oldmail.com", NodeKind.PERSON, "Ada L", {}, ("git",), SEEN),
        NodeRecord("team:churn", NodeKind.TEAM, "churn", {"handle": "@acme/churn-team"}, ("catalog",), SEEN),
        NodeRecord("person:jdoe", NodeKind.PERSON, "jdoe", {"stub": True}, ("mlflow",), SEEN),
    ])
    for raw in ("person:ada.l@oldmail.com", "person:@ada", "person:alovelace", "person:ADA@acme.com",
                "person:user:ada", "person:ada"):
        assert ids.canonical(raw) == "person:ada@acme.com", raw
    assert ids.canonical("team:@acme/churn-team") == "team:churn"
    assert ids.lookup("@ada") == "person:ada@acme.com"
    assert ids.lookup("group:churn") == "team:churn"
    assert ids.is_unresolved("person:jdoe") and not ids.is_active("person:jdoe")
    assert not ids.is_unresolved("person:ghost@acme.com")  # an e-mail nobody describes is dangling, not unresolved
    assert ids.is_active("person:ada.l@oldmail.com")  # through Ada


def test_an_alias_two_people_claim_maps_to_neither() -> None:
    ids = Identities.from_records([
        NodeRecord("person:a@x.com", NodeKind.PERSON, "A", {"aliases": ["sam"]}, ("catalog",), SEEN),
        NodeRecord("person:b@x.com", NodeKind.PERSON, "B", {"aliases": ["sam"]}, ("catalog",), SEEN),
    ])
    assert ids.canonical("person:sam") == "person:sam"
    assert ids.ambiguous == {"sam": ["person:a@x.com", "person:b@x.com"]}


def test_resolver_rewrites_model_aliases_and_keeps_the_alias_on_the_edge() -> None:
    r = Resolver()
    r.learn([Node(id="model:churn", kind=NodeKind.MODEL, source="mlflow", props={"aliases": ["champion=7"]})])
    assert r.canonical("model_version:churn@champion") == "model_version:churn/7"
    assert r.canonical("model_version:churn@unknown") == "model_version:churn@unknown"
    out = r.rewrite([
        Edge(src="model_version:churn@champion", kind=EdgeKind.DEPLOYED_TO, dst="deployment:prod/api", source="c"),
        Edge(src="person:jdoe", kind=EdgeKind.LAUNCHED, dst="run:1", source="mlflow"),
    ])
    served, launched = out
    assert isinstance(served, Edge) and served.src == "model_version:churn/7"
    assert served.props["alias"] == "churn@champion"
    assert isinstance(launched, Edge) and launched.src == "person:jdoe"  # people are resolved at read time


def test_precedence_belongs_to_the_store_and_a_disagreeing_recipe_is_refused(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(textwrap.dedent("""
        apiVersion: steward/v1
        kind: Person
        metadata: {name: ada}
        spec: {email: ada@x.com}
        """))
    first = tmp_path / "first.yaml"
    first.write_text("precedence: [codeowners, catalog]\nsources: [{type: catalog, paths: [catalog.yaml]}]\n")
    run_recipe(load_recipe(first), store)
    assert read_precedence(store) == ("codeowners", "catalog")
    silent = tmp_path / "silent.yaml"
    silent.write_text("sources: [{type: catalog, paths: [catalog.yaml]}]\n")
    run_recipe(load_recipe(silent), store)  # a recipe that says nothing takes the store's
    assert read_precedence(store) == ("codeowners", "catalog")
    other = tmp_path / "other.yaml"
    other.write_text("precedence: [catalog, codeowners]\nsources: [{type: catalog, paths: [catalog.yaml]}]\n")
    with pytest.raises(ConfigError, match=r"disagrees with the store's \(codeowners, catalog\).*steward precedence"):
        run_recipe(load_recipe(other), store)
    assert read_precedence(store) == ("codeowners", "catalog")
    store.close()


@pytest.mark.parametrize(
    ("text", "where", "needle"),
    [
        # a bad indentation: the line that breaks the block
        ("sources:\n  - type: catalog\n    paths: [a.yaml]\n   name: x\n  - type: openlineage\n    paths: [b]\n",
         "4:4", "indented"),
        # an unclosed bracket: where it opens, not the next line where PyYAML gives up
        ("sources:\n  - type: catalog\n    paths: [a.yaml, b.yaml\n  - type: openlineage\n    paths: [b]\n",
         "3:12", "flow sequence that starts here"),
        # a tab
        ("sources:\n  - type: catalog\n\tpaths: [a.yaml]\n", "3:1", "spaces only"),
        # an unclosed quote: PyYAML notices at the end of the file, four lines later
        ("sources:\n  - type: catalog\n    paths: ['a.yaml]\n  - type: openlineage\n    paths: [b]\nx: 1\n",
         "3:13", "quoted scalar that starts here"),
        # an unknown source type: the file and the line of the entry
        ("sources:\n  - type: catalog\n    paths: [a.yaml]\n  - type: kafka\n    paths: [b]\n",
         "4", "unknown source type 'kafka'"),
        # a bad setting of a source
        ("sources:\n  - type: catalog\n    paths: [a.yaml]\n  - type: openlineage\n    pathz: [b]\n",
         "4", "pathz"),
    ],
    ids=["indentation", "bracket", "tab", "quote", "unknown-type", "bad-setting"],
)
def test_recipe_errors_name_the_file_and_the_line_of_the_mistake(
    tmp_path: Path, text: str, where: str, needle: str
) -> None:
    r = tmp_path / "recipe.yaml"
    r.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_recipe(r)
    message = err.value.message
    assert message.startswith(f"{r}:{where}: "), message
    assert needle in message
    assert "<unicode string>" not in message and "\n" not in message
