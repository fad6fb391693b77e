"""The log's Merkle tree (RFC 6962), consistency proofs, checkpoint notes and keys."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.errors import ConfigError, InvalidInputError
from steward.governance.log import (
    EMPTY_ROOT,
    Checkpoint,
    Frontier,
    consistency_proof,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    merkle_root,
    node_hash,
    public_key_pem,
    verify_consistency,
)

# The inputs of the RFC 6962 test vectors used by certificate-transparency (merkle_tree_test).
INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58)),
          bytes(range(0x60, 0x70))]
LEAVES = [hashlib.sha256(b"\x00" + x).digest() for x in INPUTS]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
PROOFS = {  # (m, n): PROOF(m, D[n]) from the same test data
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}


def test_roots_match_the_rfc_6962_vectors() -> None:
    assert merkle_root([]) == EMPTY_ROOT == Frontier().root()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n, want in ROOTS.items():
        assert merkle_root(LEAVES[:n]).hex() == want
        assert Frontier.of(LEAVES[:n]).root().hex() == want


def test_three_leaves_by_hand() -> None:
    """The split rule: 3 leaves are ((0, 1), 2), not (0, (1, 2)) and not a duplicated last leaf."""
    a, b, c = LEAVES[:3]
    assert merkle_root([a, b, c]) == node_hash(node_hash(a, b), c)
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert merkle_root([a, b, c]) != node_hash(node_hash(a, b), node_hash(c, c))


def test_consistency_proofs_match_the_vectors() -> None:
    for (m, n), want in PROOFS.items():
        proof = consistency_proof(LEAVES[:n], m)
        assert [p.hex() for p in proof] == want
        assert verify_consistency(m, n, merkle_root(LEAVES[:m]), merkle_root(LEAVES[:n]), proof)


leaf_lists = st.lists(st.binary(min_size=32, max_size=32), min_size=0, max_size=70)


@settings(max_examples=200, deadline=None)
@given(leaves=leaf_lists)
def test_the_frontier_is_the_rfc_root_at_every_size(leaves: list[bytes]) -> None:
    f = Frontier()
    for i, leaf in enumerate(leaves):
        f.push(leaf)
        assert f.root() == merkle_root(leaves[: i + 1])
        again = Frontier(f.size, f.hashes)  # what the head record stores is enough to go on
        assert again.root() == f.root()


@settings(max_examples=200, deadline=None)
@given(leaves=leaf_lists.filter(bool), data=st.data())
def test_consistency_proofs_hold_and_catch_a_changed_prefix(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    m = data.draw(st.integers(0, n))
    proof = consistency_proof(leaves, m)
    old, new = merkle_root(leaves[:m]), merkle_root(leaves)
    assert verify_consistency(m, n, old, new, proof)
    if 0 < m < n:
        changed = list(leaves)
        j = data.draw(st.integers(0, m - 1))
        changed[j] = hashlib.sha256(changed[j]).digest()
        assert not verify_consistency(m, n, merkle_root(changed[:m]), new, proof)
        assert not verify_consistency(m, n, old, merkle_root(changed), consistency_proof(changed, m))


@settings(max_examples=100, deadline=None)
@given(leaves=leaf_lists, j=st.integers(0, 69))
def test_changing_any_leaf_changes_the_root(leaves: list[bytes], j: int) -> None:
    if not leaves:
        return
    j %= len(leaves)
    changed = [*leaves[:j], hashlib.sha256(leaves[j]).digest(), *leaves[j + 1:]]
    assert merkle_root(changed) != merkle_root(leaves)
    assert merkle_root(leaves[:-1]) != merkle_root(leaves)  # a cut tail changes it too


def test_a_signed_note_round_trips_and_names_its_key() -> None:
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    cp = Checkpoint("steward/abc", 8, bytes.fromhex(ROOTS[8]), "2026-11-26T19:00:00.000000Z").signed(key)
    text = cp.text()
    lines = text.split("\n")
    assert lines[:4] == ["steward/abc", "8", base64.b64encode(bytes.fromhex(ROOTS[8])).decode(),
                         "time 2026-11-26T19:00:00.000000Z"]
    assert lines[4] == "" and lines[5].startswith("\u2014 steward/abc ")
    sig = base64.b64decode(lines[5].split(" ")[2])
    assert sig[:4] == key_id("steward/abc", key.public_key()) and len(sig) == 68
    back = Checkpoint.parse(text)
    assert back == cp and back.signed_by(key.public_key()) and not back.signed_by(other.public_key())
    forged = Checkpoint.parse(text.replace("\n8\n", "\n9\n"))
    assert forged.size == 9 and not forged.signed_by(key.public_key())
    unsigned = Checkpoint("steward/abc", 0, EMPTY_ROOT)
    assert Checkpoint.parse(unsigned.text()) == unsigned and not unsigned.signed_by(key.public_key())
    for bad in ("", "x\n1\n", "x\nten\nAAAA\n", "x\n1\nnot base64!\n", "x\n1\n" + "A" * 44 + "\nhello\n",
                text.replace("\u2014", "-")):
        with pytest.raises(InvalidInputError):
            Checkpoint.parse(bad)


def test_keygen_writes_a_private_file_and_the_public_half_verifies(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    public = generate_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ConfigError, match="never overwritten"):
        generate_key(path)
    private = load_private_key(path)
    pem = tmp_path / "log.pub"
    pem.write_text(public_key_pem(public))
    cp = Checkpoint("o", 1, LEAVES[0]).signed(private)
    assert cp.signed_by(load_public_key(pem)) and cp.signed_by(load_public_key(path))
    (tmp_path / "junk").write_text("nope")
    with pytest.raises(ConfigError):
        load_private_key(tmp_path / "junk")
    with pytest.raises(ConfigError):
        load_private_key(tmp_path / "missing")
