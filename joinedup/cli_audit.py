"""``joinedup audit verify|checkpoint|prove|check-proof``: the tamper-evident log, from the
command line of the hub and of a partner agency holding its checkpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from joinedup.cli_base import DbOption, err, out, progress, settings_for, store
from joinedup.errors import BadInput
from joinedup.govern import checkpoints, keys, verification
from joinedup.govern.session import governed

OutOption = Annotated[Path | None, typer.Option(
    "-o", "--output", help="Write the JSON here instead of printing it.")]


def _emit(document: dict[str, Any], output: Path | None) -> None:
    text = json.dumps(document, indent=2, sort_keys=True)
    if output is None:
        out.print(text, highlight=False, soft_wrap=True)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: cannot read the {what} as JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise BadInput(f"{path}: expected a JSON object for the {what}")
    return document


def verify_command(db: DbOption = None) -> None:
    """Check the audit log; exit 1 naming the first bad event.

    Recomputes every event, personal-details commitment and signed checkpoint.
    """
    settings = settings_for(db)
    public = keys.public_key_pem(settings.key_dir)
    with store(db) as engine, engine.connect() as connection, \
            progress("verifying the audit log") as update:
        result = verification.verify(connection, public, progress=lambda n: update(n, 0))
    if not result.ok:
        err.print(f"[red]audit log FAILS verification:[/red] {result.problem}",
                  highlight=False)
        raise typer.Exit(1)
    out.print(f"audit log intact: {result.events:,} events, {result.checkpoints} signed "
              f"checkpoints verified, {result.redacted:,} redacted by erasure; root "
              f"{result.root_hash}", highlight=False)


def checkpoint_command(output: OutOption = None, db: DbOption = None) -> None:
    """Verify the log, then sign its size and root.

    Hand the file (and the public key) to partner agencies, who can later check the log was
    not rewritten.
    """
    settings = settings_for(db)
    with store(db) as engine, governed(engine) as connection, \
            progress("verifying before signing") as update:
        cp = verification.sign_checkpoint(connection, settings.key_dir,
                                   progress=lambda n: update(n, 0))
    document = {**cp.as_dict(),
                "public_key": keys.public_key_pem(settings.key_dir).decode()}
    _emit(document, output)
    if output is not None:
        out.print(f"signed checkpoint: {cp.tree_size:,} events, root {cp.root_hash}",
                  highlight=False)


def prove_command(
    seq: Annotated[int | None, typer.Argument(help="The event to prove is in the log.")] = None,
    size: Annotated[int | None, typer.Option(
        help="Tree size to prove against (default: the latest checkpoint's).")] = None,
    since: Annotated[int | None, typer.Option(
        "--since", help="Instead: prove the log of SIZE events extends the one of this many.")
    ] = None,
    output: OutOption = None,
    db: DbOption = None,
) -> None:
    """Prove an event is in the log, or the log extends another.

    An inclusion proof for one event, or a consistency proof between two tree sizes.
    """
    if (seq is None) == (since is None):
        raise BadInput("give an event number to prove, or --since OLD_SIZE for a consistency "
                       "proof")
    with store(db) as engine, engine.connect() as connection:
        tree_size = size if size is not None \
            else checkpoints.latest_checkpoint(connection).tree_size
        if seq is not None:
            document = checkpoints.inclusion(connection, seq, tree_size)
        else:
            assert since is not None
            document = checkpoints.consistency(connection, since, tree_size)
    _emit(document, output)


def check_proof_command(
    proof: Annotated[Path, typer.Argument(help="A proof from `joinedup audit prove`.")],
    checkpoint: Annotated[Path, typer.Option(help="The signed checkpoint it should match "
                                                  "(for consistency: the newer one).")],
    old: Annotated[Path | None, typer.Option(
        help="For a consistency proof: the older checkpoint.")] = None,
    public_key: Annotated[Path | None, typer.Option(
        help="The hub's public key you keep (default: the one in the checkpoint file).")
    ] = None,
) -> None:
    """Check a proof offline, as a partner agency.

    Needs no database: only the proof, the checkpoint and the hub's public key.
    """
    cp = _read_json(checkpoint, "checkpoint")
    pem = public_key.read_bytes() if public_key else str(cp.get("public_key", "")).encode()
    document = _read_json(proof, "proof")
    if document.get("kind") == "consistency":
        if old is None:
            raise BadInput("a consistency proof is checked against two checkpoints: "
                           "add --old OLDER.json")
        problem = checkpoints.check_consistency(document, _read_json(old, "checkpoint"), cp, pem)
    else:
        problem = checkpoints.check_inclusion(document, cp, pem)
    if problem:
        err.print(f"[red]proof REJECTED:[/red] {problem}", highlight=False)
        raise typer.Exit(1)
    out.print("proof verified against the signed checkpoint", highlight=False)
    if public_key is None:
        err.print("note: checked with the key inside the checkpoint file; pass --public-key "
                  "with the copy of the hub's key you keep to rule out a substituted key")
