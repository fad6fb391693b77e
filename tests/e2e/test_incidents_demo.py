"""The demo organisation carries a playbook and a past (resolved) incident with its postmortem."""

from __future__ import annotations

from steward.analysis import blast_radius
from steward.demo import story
from steward.graph import NodeKind
from steward.incidents import get_incident, list_incidents, matching_playbooks, suspects
from tests.e2e.test_demo import Demo, offline

__all__ = ["offline"]  # the module-scoped demo fixture, shared by import


def test_demo_has_a_playbook_and_a_past_incident(offline: Demo) -> None:
    assert offline.result.incident is not None
    with offline.store() as st:
        doc = get_incident(st, offline.result.incident)
        assert doc["status"] == "resolved" and doc["artifact"]["id"] == story.KEY_DATASET
        assert doc["resolution"]["reason"] == story.PAST_INCIDENT["resolution"]
        assert [ln["url"] for ln in doc["links"]] == [story.PAST_INCIDENT["postmortem"]]
        assert [p["id"] for p in doc["playbooks"]] == [f"playbook:{story.PLAYBOOK[0]}"]
        assert suspects(st) == {"suspects": []}  # resolved: nothing is suspect
        (pb,) = st.find_nodes(kinds=[NodeKind.PLAYBOOK])
        assert pb.name == story.PLAYBOOK[1]
        farthest = blast_radius(st, story.KEY_DATASET)["impacted"][-1]["id"]
        history = list_incidents(st, artifact=farthest)["incidents"]
        assert [(i["id"], i["relation"]) for i in history] == [(doc["id"], "upstream")]
        node = st.get_node(farthest)
        assert node is not None and matching_playbooks(st, node)
