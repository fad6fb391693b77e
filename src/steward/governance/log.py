"""The tamper-evident log: an RFC 6962 Merkle tree over the store's log entries, Ed25519-signed
checkpoints in the C2SP signed-note format, and the verifier that names the first bad entry.

The store appends entries (``GraphStore.upsert(..., log=[...])``): each is canonical JSON
(RFC 8785, with its ``seq`` and ``at``) and its leaf hash is ``SHA-256(0x00 || entry)``. This module
is the log's hook into that write (:class:`Checkpointer`, called inside the same transaction):

* it keeps the tree's head in the record ``checkpoint/latest``: origin, size, root, time, the
  checkpoint note (signed when a key is configured) and the tree's right edge (``frontier``), so a
  write costs O(log n), not a re-read of the log;
* with a key, EVERY entry carries, under ``checkpoint``, the signed checkpoint of the log before it
  (size = its ``seq``, plus the previous entry's leaf hash). Those signatures live inside the hashed
  entries: removing or altering one alters an entry, and each binds every earlier entry. So the
  verifier names the first bad entry even after an attacker rewrote entries, recomputed every hash
  and rewrote or deleted the stored head; when the attacker also replaced every later signature, it
  names the first entry certainly changed and says from which entry on nothing is proven;
* a signed log refuses a writer without its key (or with another), so it never has unsigned gaps.

A checkpoint note (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note)::

    steward/8d0c...e1            <- origin: this log's identity, made at its first write
    42                           <- tree size
    q1v2Jm...Zb0=                <- root hash, base64
    time 2026-11-26T19:02:11.123456Z
    prev 3KfT...9w=              <- (in entries only) the leaf hash of entry size - 1, base64
                                 <- blank line, then one signature line per key:
    — steward/8d0c...e1 AbCd...  <- em dash, key name, base64(key id (4 bytes) || Ed25519 signature)

The key id is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), as Go's
``golang.org/x/mod/sumdb/note`` computes it for Ed25519 keys. The signature covers the text before
the blank line. Without a key the note has no signature lines (and proves nothing on its own).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from steward.errors import (
    ConfigError,
    InvalidInputError,
    NotFoundError,
    QueryRefusedError,
    StewardError,
    UnsupportedError,
)
from steward.store.base import GraphStore, LogLine, LogTx, Record, leaf_hash, seal, utc_now

__all__ = [
    "HEAD_ID", "HEAD_KIND", "Checkpoint", "Checkpointer", "Frontier", "Problem", "VerifyReport",
    "consistency_proof", "export_checkpoint", "generate_key", "key_id", "load_private_key", "load_public_key",
    "merkle_root", "node_hash", "public_key_pem", "query_entry", "verify_consistency", "verify_log",
]

logger = logging.getLogger(__name__)

#: The record that holds the log's head (the latest checkpoint and the tree's right edge).
HEAD_KIND, HEAD_ID = "checkpoint", "latest"
#: The entry key under which the first entry of a batch carries the signed checkpoint before it.
ENTRY_KEY = "checkpoint"
EMPTY_ROOT = hashlib.sha256(b"").digest()
ED25519_ALG = b"\x01"
SIG_PREFIX = "\u2014 "  # em dash and a space: a signed-note signature line


# ---- the Merkle tree (RFC 6962 section 2.1) ------------------------------------------------------------
def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC: split at the largest power of two smaller than n.
    (``leaves`` are leaf hashes.) Reference implementation; :class:`Frontier` is the fast one."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


class Frontier:
    """The right edge of the tree: the roots of the perfect subtrees that make up ``size`` leaves,
    largest first. Appending a leaf is O(log n); the root is their right fold, which is the RFC's
    split rule (a perfect left subtree of the largest power of two, the rest on the right)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise InvalidInputError(f"a frontier of {size} leaves has {bin(size).count('1')} hashes, not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def of(cls, leaves: Iterable[bytes]) -> Frontier:
        f = cls()
        for leaf in leaves:
            f.push(leaf)
        return f

    def push(self, leaf: bytes) -> None:
        self.hashes.append(leaf)
        # Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        n = self.size
        while n & 1:
            right = self.hashes.pop()
            left = self.hashes.pop()
            self.hashes.append(node_hash(left, right))
            n >>= 1
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = node_hash(h, acc)
        return acc

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2: that the tree of the first ``m`` leaves is a prefix
    of the tree of all of them."""
    n = len(leaves)
    if not 0 <= m <= n:
        raise InvalidInputError(f"no consistency proof from size {m} to size {n}")
    if m in (0, n):
        return []

    def subproof(m: int, d: Sequence[bytes], whole: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if whole else [merkle_root(d)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return [*subproof(m, d[:k], whole), merkle_root(d[k:])]
        return [*subproof(m - k, d[k:], False), merkle_root(d[:k])]

    return subproof(m, leaves, True)


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: does ``proof`` show the size-``m`` tree with ``old_root`` is a prefix of
    the size-``n`` tree with ``new_root``?"""
    if not 0 <= m <= n:
        return False
    if m == n:
        return old_root == new_root and not proof
    if m == 0:
        return not proof
    path = list(proof)
    if m & (m - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---- keys ------------------------------------------------------------------------------------------------
def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 private key (PEM, PKCS#8, unencrypted) to ``path`` with mode 0600; refuse
    to overwrite. Returns its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(f"{path} exists; a log key is never overwritten (remove it yourself if you mean to)") from exc
    except OSError as exc:
        raise ConfigError(f"cannot create the key file {path}: {exc}") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The log's signing key: an Ed25519 private key, PEM PKCS#8, unencrypted (``steward log keygen``)."""
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(f"STEWARD_LOG_KEY: cannot read the log key {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("the log key %s is readable by others (mode %o): make it 0600", path, mode & 0o777)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"STEWARD_LOG_KEY: {path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"STEWARD_LOG_KEY: {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A verifier's key: an Ed25519 public key (PEM SubjectPublicKeyInfo, ``steward log public-key``),
    or the private key file itself (its public half is used)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the public key {path}: {exc}") from exc
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, key: Ed25519PublicKey) -> bytes:
    """The signed-note key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALG + _raw(key)).digest()[:4]


# ---- checkpoints -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A checkpoint note: origin, tree size, root hash, time, and its signature lines (name, key id +
    signature bytes)."""

    origin: str
    size: int
    root: bytes
    time: str | None = None
    signatures: tuple[tuple[str, bytes], ...] = ()
    #: The leaf hash of entry ``size - 1`` (in the checkpoints entries carry): lets the verifier prove the
    #: entries before a deleted one.
    prev: bytes | None = None

    def body(self) -> str:
        text = f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
        text += f"time {self.time}\n" if self.time else ""
        return text + (f"prev {base64.b64encode(self.prev).decode()}\n" if self.prev is not None else "")

    def text(self) -> str:
        if not self.signatures:
            return self.body()
        lines = "".join(f"{SIG_PREFIX}{name} {base64.b64encode(sig).decode()}\n" for name, sig in self.signatures)
        return f"{self.body()}\n{lines}"

    def signed(self, key: Ed25519PrivateKey) -> Checkpoint:
        name = self.origin
        sig = key_id(name, key.public_key()) + key.sign(self.body().encode())
        return Checkpoint(self.origin, self.size, self.root, self.time, (*self.signatures, (name, sig)), self.prev)

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        """Whether one of the signature lines is a valid signature by ``key`` over the body."""
        body = self.body().encode()
        for name, sig in self.signatures:
            if len(sig) != 68 or sig[:4] != key_id(name, key):
                continue
            try:
                key.verify(sig[4:], body)
            except InvalidSignature:
                continue
            return True
        return False

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint note (signed or not); InvalidInputError saying what is wrong."""
        body, _, sigs = text.partition("\n\n")
        body = body if body.endswith("\n") else body + "\n"
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidInputError("not a checkpoint: it needs an origin, a tree size and a root hash line")
        origin, size_text, root_text, *ext = lines
        if not origin or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise InvalidInputError(f"not a checkpoint: origin {origin!r}, size {size_text!r}")
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError as exc:
            raise InvalidInputError(f"not a checkpoint: the root hash {root_text!r} is not base64") from exc
        if len(root) != 32:
            raise InvalidInputError("not a checkpoint: the root hash is not 32 bytes")
        time = ext.pop(0)[5:] if ext and ext[0].startswith("time ") else None
        prev = None
        if ext and ext[0].startswith("prev "):
            try:
                prev = base64.b64decode(ext.pop(0)[5:], validate=True)
            except ValueError as exc:
                raise InvalidInputError("not a checkpoint: its prev line is not base64") from exc
        signatures = []
        for line in sigs.split("\n"):
            if not line:
                continue
            if not line.startswith(SIG_PREFIX) or line.count(" ") != 2:
                raise InvalidInputError(f"not a checkpoint signature line: {line!r}")
            _, name, b64 = line.split(" ")
            try:
                signatures.append((name, base64.b64decode(b64, validate=True)))
            except ValueError as exc:
                raise InvalidInputError(f"a signature line is not base64: {line!r}") from exc
        parsed = cls(origin, int(size_text), root, time, tuple(signatures), prev)
        if parsed.body() != body:  # what a signature covers must be exactly what we check
            raise InvalidInputError("not a checkpoint this verifier reads: unknown extension lines")
        return parsed


# ---- the write hook --------------------------------------------------------------------------------------
class Checkpointer:
    """The store's log hook (``GraphStore.log_hook``): seals a batch and moves the log's head.

    Runs inside the write transaction, so the entries (with a key, each with the signed checkpoint of
    the log before it) and the head record land together or not at all.
    """

    def __init__(self, key: Ed25519PrivateKey | None = None) -> None:
        self.key = key

    def seal_batch(
        self, start: int, entries: Sequence[Mapping[str, Any]], tx: LogTx,
    ) -> tuple[list[LogLine], list[Record]]:
        head = tx.record(HEAD_KIND, HEAD_ID)
        known = head.doc.get("origin") if head is not None else None
        origin = str(known) if known else f"steward/{uuid.uuid4().hex}"
        frontier: Frontier | None = None
        prev: bytes | None = None  # the leaf hash of entry start - 1
        if head is not None and head.doc.get("size") == start:
            try:
                frontier = Frontier(start, [bytes.fromhex(h) for h in head.doc.get("frontier", [])])
                prev = bytes.fromhex(head.doc["last_leaf"]) if start else None
            except (InvalidInputError, ValueError, TypeError, KeyError):
                frontier = None
        if frontier is None:  # no head yet, or the log moved under it: rebuild from the stored leaves
            if head is not None:
                logger.warning("the log's head says %s entries, the store holds %s: rebuilding the tree's head "
                               "(run `steward log verify`)", head.doc.get("size"), start)
            leaves = [bytes.fromhex(h) for h in tx.leaf_hashes(start)]
            frontier = Frontier.of(leaves)
            prev = leaves[-1] if leaves else None
        key_hex = key_id(origin, self.key.public_key()).hex() if self.key is not None else None
        if head is not None and head.doc.get("signed") and head.doc.get("key_id") != key_hex:
            raise ConfigError(
                "this store's log is signed" + (" with another key" if key_hex else "") + f" (key id "
                f"{head.doc.get('key_id')}): set STEWARD_LOG_KEY to that key to write to it, so that every entry "
                "stays signed (see `steward log public-key`)")
        now = utc_now()
        lines = []
        for i, entry in enumerate(entries):
            body = dict(entry)
            if self.key is not None:  # the signed checkpoint of everything before this entry
                cp = Checkpoint(origin, frontier.size, frontier.root(), now, prev=prev)
                body[ENTRY_KEY] = cp.signed(self.key).text()
            line = seal(body, start + i)
            prev = bytes.fromhex(line.leaf_hash)
            frontier.push(prev)
            lines.append(line)
        cp = Checkpoint(origin, frontier.size, frontier.root(), now)
        if self.key is not None:
            cp = cp.signed(self.key)
        doc = {"origin": origin, "size": cp.size, "root": cp.root.hex(), "time": cp.time, "signed": bool(cp.signatures),
               "key_id": key_hex, "note": cp.text(), "frontier": [h.hex() for h in frontier.hashes],
               "last_leaf": prev.hex() if prev is not None else None}
        return lines, [Record(HEAD_KIND, HEAD_ID, doc)]


def export_checkpoint(store: GraphStore, key: Ed25519PrivateKey | None = None) -> Checkpoint:
    """The log's checkpoint to keep elsewhere: the head as last written when it covers the whole log and
    is signed (or no key is at hand); else, with ``key``, a fresh one signed now over the stored leaves."""
    head = store.get_record(HEAD_KIND, HEAD_ID)
    size = store.log_size()
    stored: Checkpoint | None = None
    if head is not None and isinstance(head.doc.get("note"), str):
        stored = Checkpoint.parse(head.doc["note"])
        if stored.size == size and (key is None or stored.signed_by(key.public_key())):
            return stored
    lines = store.log_lines(0, size)
    if not lines:
        raise NotFoundError("the log is empty: there is no checkpoint yet (the first logged change writes one)")
    origin = stored.origin if stored is not None else _entry_origin(lines[0])
    if origin is None:
        raise InvalidInputError("the log's head is missing and its entries are not signed, so its origin is "
                                "unknown: run `steward log verify`")
    leaves = [bytes.fromhex(leaf_hash(ln.entry.encode())) for ln in lines]  # of the entries, as verify reads them
    cp = Checkpoint(origin, len(leaves), Frontier.of(leaves).root(), utc_now())
    return cp.signed(key) if key is not None else cp


def _entry_origin(line: LogLine) -> str | None:
    try:
        note = line.data().get(ENTRY_KEY)
        return Checkpoint.parse(note).origin if isinstance(note, str) else None
    except (ValueError, InvalidInputError):
        return None


# ---- verification ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing found wrong: the entry it is about (None when it is about a checkpoint), what, and how."""

    seq: int | None
    kind: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "message": self.message}


@dataclass
class VerifyReport:
    """What ``steward log verify`` found. ``first_bad`` is the lowest entry that is (or, with
    """

    origin: str | None
    size: int
    key_checked: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The first bad entry, when the evidence names one: the lowest entry found bad for certain (deleted,
    #: moved, edited, unsigned, cut off), else the single entry that checkpoints leave between proven and bad.
    first_bad: int | None = None
    #: The largest size proven by a checkpoint signed by the key, or an exported checkpoint.
    proven_size: int = 0
    signed_entries: int = 0
    #: The first bad entry lies in bad_from..bad_upto: below bad_from every entry is proven by a signature
    #: (or, without a key, consistent), bad_upto is bad for certain (or the last entry a mismatching
    #: checkpoint covers).
    bad_from: int | None = None
    bad_upto: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "origin": self.origin, "size": self.size, "key_checked": self.key_checked,
                "proven_size": self.proven_size, "signed_checkpoints_in_entries": self.signed_entries,
                "first_bad": self.first_bad, "bad_from": self.bad_from, "bad_upto": self.bad_upto,
                "problems": [p.to_json() for p in self.problems], "warnings": self.warnings}

    def summary(self) -> str:
        if self.ok:
            if not self.key_checked:
                return f"the log is consistent ({self.size} entries), but NOT proven: no signature was checked"
            return f"the log verifies: {self.size} entries, proven up to size {self.proven_size}"
        if self.bad_from is None or self.bad_upto is None:
            return "the log does NOT verify: its checkpoints are bad (every entry is consistent)"
        if self.first_bad is None:
            return (f"the log does NOT verify: an entry among seq {self.bad_from}..{self.bad_upto} was changed "
                    f"(entries below {self.bad_from} are proven)")
        if self.bad_from < self.first_bad:
            return (f"the log does NOT verify: the first bad entry found is seq {self.first_bad}; entries "
                    f"{self.bad_from}..{self.first_bad - 1} are covered by no surviving signature")
        return f"the log does NOT verify: the first bad entry is seq {self.first_bad}"


@dataclass(frozen=True, slots=True)
class _Anchor:
    size: int
    cp: Checkpoint
    trusted: bool
    where: str


def verify_log(
    store: GraphStore, *, public_key: Ed25519PublicKey | None = None, checkpoints: Sequence[Checkpoint] = (),
) -> VerifyReport:
    """Check the stored log against itself, its signatures and the given (exported) checkpoints.

    Per entry (no key needed): positions run 0, 1, 2... without a gap (a deleted entry), each entry's own
    ``seq`` is its position (a reordered or renumbered entry), its stored leaf hash is the hash of its
    text (an edited entry); with a key, each entry's signed checkpoint (of the entries before it) is
    signed by the key and present once the log is signed. Then the tree: the root over the entries'
    texts at each checkpoint's size is compared with the checkpoint. Trusted checkpoints are the
    exported ones given here and those signed by ``public_key``; one that matches proves the entries
    below its size, one that does not says an entry below its size is bad, one larger than the log says
    its tail was cut.
    """
    lines = store.log_lines()
    head = store.get_record(HEAD_KIND, HEAD_ID)
    report = VerifyReport(origin=None, size=len(lines), key_checked=public_key is not None)
    bad: list[int] = []  # entries found bad, each for certain

    def problem(seq: int | None, kind: str, message: str) -> None:
        report.problems.append(Problem(seq, kind, message))
        if seq is not None:
            bad.append(seq)

    head_cp: Checkpoint | None = None
    if head is not None:
        try:
            head_cp = Checkpoint.parse(str(head.doc.get("note", "")))
        except InvalidInputError as exc:
            problem(None, "head", f"the stored head checkpoint is unreadable: {exc}")
    # The log's identity: from its first signed entry (the head and exported checkpoints are compared with it).
    origin: str | None = None
    anchors: list[_Anchor] = []
    leaves: list[bytes] = []
    signed_from: int | None = None  # the first entry that carries a signed checkpoint
    gap_at: int | None = None  # the first position where an entry is missing
    gap_proven = 0  # entries below this are proven by the checkpoint after a deleted entry
    for i, line in enumerate(lines):
        if line.seq != i and gap_at is None:
            gap_at = i
            problem(i, "missing", f"entry {i} is missing: the stored log goes from seq {i - 1} to seq {line.seq}"
                    if i else f"entry 0 is missing: the stored log starts at seq {line.seq}")
        leaves.append(bytes.fromhex(leaf_hash(line.entry.encode())))
        try:
            data = json.loads(line.entry)
        except ValueError:
            problem(line.seq, "edited", f"entry {line.seq} is not JSON any more (edited)")
            continue
        if not isinstance(data, dict) or data.get("seq") != line.seq:
            claimed = data.get("seq") if isinstance(data, dict) else None
            problem(line.seq, "moved", f"the entry stored at seq {line.seq} says it is entry {claimed} "
                    "(reordered, renumbered or moved)")
        if line.leaf_hash != leaf_hash(line.entry.encode()):
            problem(line.seq, "edited", f"entry {line.seq} does not match its stored hash (edited)")
        note = data.get(ENTRY_KEY) if isinstance(data, dict) else None
        if note is None:
            if signed_from is not None and public_key is not None:
                problem(line.seq, "unsigned", f"entry {line.seq} carries no signed checkpoint although the log is "
                        f"signed from entry {signed_from} on (its signature was stripped, or it was written without "
                        "the key)")
            continue
        try:
            cp = Checkpoint.parse(str(note))
        except InvalidInputError as exc:
            problem(line.seq, "edited", f"entry {line.seq}'s signed checkpoint is unreadable (edited): {exc}")
            continue
        if public_key is not None and not cp.signed_by(public_key):
            problem(line.seq, "edited",
                    f"entry {line.seq}'s checkpoint is not signed by the key (edited, or forged with another key)")
            continue
        if origin is not None and cp.origin != origin:
            problem(line.seq, "edited", f"entry {line.seq}'s checkpoint is for log {cp.origin}, not {origin}")
            continue
        origin = origin or cp.origin
        report.signed_entries += 1
        signed_from = line.seq if signed_from is None else signed_from
        # A signed checkpoint speaks of the first cp.size entries wherever it now sits (a moved entry's too).
        anchors.append(_Anchor(cp.size, cp, public_key is not None, f"the checkpoint in entry {line.seq}"))
        if cp.size == i:
            continue
        if cp.size == line.seq and gap_at is not None:  # consistent with its own seq: the gap is the problem
            if line.seq == gap_at + 1 and cp.prev is not None and public_key is not None:
                # One entry was deleted, and this checkpoint names its leaf: the entries before it are proven.
                f = Frontier.of(leaves[:gap_at])
                f.push(cp.prev)
                if f.root() == cp.root:
                    gap_proven = gap_at
            continue
        problem(line.seq, "moved", f"entry {line.seq} carries the checkpoint of size {cp.size}, which belongs "
                f"to entry {cp.size} (moved)")
    origin = origin or (head_cp.origin if head_cp else (checkpoints[0].origin if checkpoints else None))
    report.origin = origin
    n = len(lines)

    if head_cp is not None:
        if origin is not None and head_cp.origin != origin:
            problem(None, "head", f"the stored head checkpoint is for log {head_cp.origin}, not {origin}")
        elif public_key is not None and (head_cp.signatures or signed_from is not None) \
                and not head_cp.signed_by(public_key):
            problem(None, "head", f"the stored head checkpoint (size {head_cp.size}) is not signed by the key "
                    "(rewritten or forged)")
        else:
            anchors.append(_Anchor(head_cp.size, head_cp, public_key is not None and bool(head_cp.signatures),
                                   "the stored head checkpoint"))
    elif n:
        problem(None, "head", "the stored head checkpoint is missing (deleted)")
    for k, cp in enumerate(checkpoints):
        where = "the exported checkpoint" + (f" #{k + 1}" if len(checkpoints) > 1 else "")
        if origin is not None and cp.origin != origin:
            problem(None, "exported", f"{where} is for log {cp.origin}, not this store's {origin}")
            continue
        if public_key is not None and not cp.signed_by(public_key):
            problem(None, "exported", f"{where} (size {cp.size}) is not signed by the key")
            continue
        if not cp.signatures:
            report.warnings.append(f"{where} is not signed: it is trusted as you kept it")
        anchors.append(_Anchor(cp.size, cp, True, where))

    roots = _roots_at(leaves, {a.size for a in anchors if a.size <= n})
    matches: list[_Anchor] = []
    hi: int | None = None  # some entry below hi is bad
    for a in sorted(anchors, key=lambda a: a.size):
        if a.size > n:
            problem(n, "truncated", f"{a.where} covers {a.size} entries, the store holds {n}: entries {n}.."
                    f"{a.size - 1} are missing (the tail was cut)")
        elif roots[a.size] == a.cp.root:
            matches.append(a)
        else:
            problem(None, "root", f"{a.where} (size {a.size}) does not match the stored entries: an entry below "
                    f"seq {a.size} was changed")
            if a.trusted or not any(x.trusted for x in anchors):
                hi = a.size if hi is None else min(hi, a.size)
    trusted = [a for a in anchors if a.trusted]
    report.proven_size = max([a.size for a in matches if a.trusted] + [gap_proven])
    upper = min([*bad, *([hi - 1] if hi is not None else [])], default=None)
    if upper is not None:
        if report.proven_size > upper:
            problem(None, "fork", f"trusted checkpoints disagree: one proves the first {report.proven_size} entries, "
                    f"another says entry {upper} or one below it is bad")
        # Entries below the largest trusted size that matches are proven: the first bad one is at or above it.
        lo = max([a.size for a in matches if a.trusted and a.size <= upper] + [min(gap_proven, upper)]) \
            if trusted or gap_proven else upper
        report.bad_from, report.bad_upto = lo, upper
        found = min(bad) if bad else None
        report.first_bad = found if found is not None and found == upper else (lo if lo == upper else None)
        if report.first_bad is not None and lo < report.first_bad:
            report.warnings.append(
                f"entries {lo}..{report.first_bad - 1} are covered by no surviving signature: the change may begin "
                f"as early as seq {lo}")
    if public_key is None:
        report.warnings.append(
            "NOT TAMPER-EVIDENT: no public key was given, so no signature was checked; anyone who can write the "
            "store can rewrite the log and its checkpoints. Pass --public-key (or set STEWARD_LOG_KEY), and "
            "compare with a checkpoint exported and kept elsewhere (--checkpoint)")
    elif signed_from is None and n:
        report.warnings.append("NOT TAMPER-EVIDENT: the log was written without a signing key (STEWARD_LOG_KEY): "
                               "no entry carries a signed checkpoint")
    elif signed_from:
        report.warnings.append(f"entries 0..{signed_from - 1} were written before the log was signed: only the "
                               "signatures after them vouch for them")
    return report


def _roots_at(leaves: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    f = Frontier()
    if 0 in sizes:
        out[0] = f.root()
    for leaf in leaves:
        f.push(leaf)
        if f.size in sizes:
            out[f.size] = f.root()
    return out


# ---- what the log records for analyst queries ----------------------------------------------------------------
#: Parameters larger than this (as JSON) are logged as their digest.
MAX_LOGGED_PARAMS = 4096


def query_entry(
    *, actor: str, query: str, params: Mapping[str, Any] | None = None, result: Mapping[str, Any] | None = None,
    error: StewardError | None = None,
) -> dict[str, Any]:
    """The ``cypher.query`` entry: who asked what, how many rows came back and whether they were cut,
    or that the query was refused (or failed) and why. Parameters that are large, or that canonical JSON
    cannot hold (integers beyond 2^53, NaN), are logged as their digest."""
    params = dict(params or {})
    text = json.dumps(params, sort_keys=True, default=str)
    logged: Any = params
    try:
        rfc8785.dumps(params)
    except Exception:  # the canonical form refuses the value itself: log what it was, by digest
        logged = None
    if logged is None or len(text) > MAX_LOGGED_PARAMS:
        logged = {"sha256": hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest(), "bytes": len(text)}
    entry: dict[str, Any] = {"type": "cypher.query", "actor": actor, "query": _text(query), "params": logged}
    if result is not None:
        entry.update(rows=len(result.get("rows", [])), truncated=result.get("truncated", False), refused=False)
    else:
        entry.update(rows=0, truncated=False, refused=isinstance(error, QueryRefusedError | UnsupportedError),
                     error={"code": error.code, "message": _text(error.message)} if error is not None else None)
    return entry


def _text(value: str) -> str:
    """A string canonical JSON can hold (lone surrogates escaped)."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
