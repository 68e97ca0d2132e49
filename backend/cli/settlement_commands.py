"""Commands for the settlement side and the hand-off worker."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from backend.adapters import queue
from backend.settlement import service

SAMPLE_CATALOGUE_YAML = Path(__file__).resolve().parent.parent / "data" / "sample_catalogue.yaml"


def register(app: Flask) -> None:
    """Attach the worker and catalogue commands."""

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="deliver what is due now and exit")
    def worker_command(once: bool):
        """Deliver the outbox (hand-offs, notifications): RQ with REDIS_URL, else a polling loop."""
        if not once:
            mode = current_app.config.get("OUTBOX_WORKER")
            click.echo(f"outbox worker running ({'rq' if mode == 'rq' else 'polling'}); Ctrl-C to stop", err=True)
        queue.run_worker(current_app._get_current_object(), once=once)

    @app.cli.command("import-catalogue")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_catalogue_command(path: Path):
        """Import a treatment-area catalogue (items with A/B/C, first self-pay shares, price ceilings)."""
        click.echo(f"{service.import_catalogue(path)} catalogue items")
