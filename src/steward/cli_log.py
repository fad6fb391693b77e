"""``steward log ...``: the tamper-evident governance log (keys, checkpoints, entries, verification)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from steward.render import Format, Table

__all__ = ["LOG_VERIFY_FAILED", "log_app"]

#: ``steward log verify``'s exit status when the log does not verify.
LOG_VERIFY_FAILED = 9

log_app = typer.Typer(
    name="log",
    help="The tamper-evident log of every change: keys, signed checkpoints, entries, verification.",
    no_args_is_help=True,
)

KeyOpt = Annotated[
    Path | None,
    typer.Option("--key", envvar="STEWARD_LOG_KEY", show_envvar=True,
                 help="The log's signing key (Ed25519 PEM, made by `steward log keygen`)."),
]


@log_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the private key (mode 0600; never "
                                      "overwritten). Keep it outside the store, readable only by the service.")],
) -> None:
    """Make a new Ed25519 signing key for the log; prints its public key (PEM) for verifiers."""
    from steward.governance.log import generate_key, public_key_pem

    public = generate_key(out)
    sys.stdout.write(public_key_pem(public))
    Console(stderr=True).print(f"wrote the private key to {out} (mode 0600). Point STEWARD_LOG_KEY at it on every "
                               "writer (the server and the CLI); give verifiers the public key above.", highlight=False)


@log_app.command("public-key")
def public_key(key: KeyOpt = None) -> None:
    """Print the public key (PEM) of the signing key, for verifiers (`steward log verify --public-key`)."""
    from steward.errors import ConfigError
    from steward.governance.log import load_private_key, public_key_pem

    if key is None:
        raise ConfigError("no signing key: pass --key FILE or set STEWARD_LOG_KEY")
    sys.stdout.write(public_key_pem(load_private_key(key).public_key()))


StoreOpt = Annotated[str | None, typer.Option(
    "--store", "-s", envvar="STEWARD_STORE", show_envvar=True,
    help="Store URI: sqlite:///PATH (embedded) or neo4j://HOST:7687 / bolt://HOST:7687.")]


@log_app.command("checkpoint")
def checkpoint(store: StoreOpt = None, key: KeyOpt = None) -> None:
    """Print the log's current checkpoint (a signed note) to keep somewhere the store's administrators
    cannot rewrite: `steward log checkpoint > cp.txt`."""
    from steward.cli import opened
    from steward.governance.log import export_checkpoint, load_private_key

    private = load_private_key(key) if key is not None else None
    with opened(store) as st:
        cp = export_checkpoint(st, private)
    sys.stdout.write(cp.text())
    if not cp.signatures:
        Console(stderr=True).print("[bold yellow]warning[/bold yellow]: this checkpoint is NOT signed (no "
                                   "STEWARD_LOG_KEY): it proves nothing unless you keep it where nobody can "
                                   "change it", highlight=False)


@log_app.command("show")
def show(
    store: StoreOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output: table, json, markdown, csv.")] = Format.table,
    since: Annotated[int, typer.Option("--since", min=0, help="From this seq on.")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many entries.")] = 100,
) -> None:
    """Print log entries (oldest first) from --since."""
    from steward.cli import emit, opened

    with opened(store) as st:
        lines = st.log_lines(since, since + limit)
    entries = [ln.data() for ln in lines]
    rows = [[e.get("seq"), e.get("at"), e.get("type"), e.get("actor"), e.get("subject"),
             json.dumps({k: v for k, v in e.items() if k not in {"seq", "at", "type", "actor", "subject",
                                                                 "checkpoint"}}, sort_keys=True)[:160]]
            for e in entries]
    emit({"entries": entries, "since": since, "limit": limit},
         [Table("Log", ["seq", "at", "type", "actor", "subject", "details"], rows)], fmt)


@log_app.command("verify")
def verify(
    store: StoreOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output: table, json, markdown, csv.")] = Format.table,
    checkpoint_files: Annotated[list[Path] | None, typer.Option(
        "--checkpoint", "-c", help="A checkpoint exported earlier (`steward log checkpoint`); repeatable.")] = None,
    public_key_file: Annotated[Path | None, typer.Option(
        "--public-key", help="The log's public key (PEM); default: derived from STEWARD_LOG_KEY.")] = None,
    key: KeyOpt = None,
) -> None:
    """Check the log: every entry, the Merkle tree, the signatures and the given checkpoints. Exits 9 and
    names the first bad entry when something was edited, deleted, reordered, cut off or rewritten."""
    from steward.cli import emit, opened
    from steward.errors import ConfigError, InvalidInputError
    from steward.governance.log import Checkpoint, load_private_key, load_public_key, verify_log

    public = load_public_key(public_key_file) if public_key_file is not None else \
        (load_private_key(key).public_key() if key is not None else None)
    exported = []
    for path in checkpoint_files or []:
        try:
            exported.append(Checkpoint.parse(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
        except InvalidInputError as exc:
            raise InvalidInputError(f"{path}: {exc.message}") from exc
    with opened(store) as st:
        report = verify_log(st, public_key=public, checkpoints=exported)
    err = Console(stderr=True)
    for w in report.warnings:
        err.print(f"[bold yellow]WARNING[/bold yellow]: {w}", highlight=False)
    emit({**report.to_json(), "summary": report.summary()},
         [Table(report.summary(), ["seq", "problem", "detail"],
                [[p.seq, p.kind, p.message] for p in report.problems], empty="(no problem found)")], fmt)
    if not report.ok:
        raise typer.Exit(LOG_VERIFY_FAILED)
