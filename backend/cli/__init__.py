"""Operator commands: `flask --app wsgi <command>`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade as alembic_upgrade

from backend.services.data import demo, demo_staff, reference_data, seeding
from backend.services.unit_of_work import unit_of_work


def _print_report(report: reference_data.ImportReport) -> None:
    for line, reason in report.rejected:
        click.echo(f"  line {line}: {reason}", err=True)
    click.echo(report.summary())


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return max(0, sum(1 for _ in fh) - 1)


def register(app: Flask) -> None:
    """Attach the operator commands to the app's CLI."""
    from backend.cli import dialog_commands

    dialog_commands.register(app)
    from backend.cli import settlement_commands

    settlement_commands.register(app)
    from backend.cli import staff_commands

    staff_commands.register(app)

    @app.cli.command("upgrade")
    def upgrade_command():
        """Create or migrate the database schema to the latest version."""
        alembic_upgrade()
        click.echo("database schema is up to date")

    @app.cli.command("init-db")
    def init_db_command():
        """Create the schema and load the reference data (areas, diseases)."""
        alembic_upgrade()
        _load_reference()

    @app.cli.command("load-reference")
    def load_reference_command():
        """Load the shipped areas and chronic diseases."""
        _load_reference()

    @app.cli.command("load-demo")
    def load_demo_command():
        """Load areas, diseases, SAMPLE policies, SAMPLE institutions and DEMO people."""
        _load_reference()
        _print_report(reference_data.import_policies(reference_data.SAMPLE_POLICIES_YAML))
        path = reference_data.SAMPLE_INSTITUTIONS_CSV
        _print_report(reference_data.import_institutions(path))
        from backend.cli.settlement_commands import SAMPLE_CATALOGUE_YAML
        from backend.settlement import service as settlement_service

        click.echo(f"{settlement_service.import_catalogue(SAMPLE_CATALOGUE_YAML)} SAMPLE catalogue items")
        click.echo(f"{demo.load_demo_people()} demo people")
        click.echo("\n".join(demo_staff.load_demo_staff()))

    @app.cli.command("import-institutions")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_institutions_command(path: Path):
        """Import institutions from a CSV file; bad rows are reported and skipped."""
        with click.progressbar(length=_count_lines(path), label="importing", file=sys.stderr) as bar:
            report = reference_data.import_institutions(path, progress=bar.update)
        _print_report(report)

    @app.cli.command("import-policies")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_policies_command(path: Path):
        """Import area policies from a YAML file; invalid entries are reported and skipped."""
        _print_report(reference_data.import_policies(path))

    @app.cli.command("seed-institutions")
    @click.option("--count", default=650_000, show_default=True, type=click.IntRange(1, 5_000_000))
    @click.option("--seed", default=2025, show_default=True, help="random seed, for repeatable sets")
    def seed_institutions_command(count: int, seed: int):
        """Generate COUNT fictional institutions over every area (benchmark data)."""
        started = time.perf_counter()
        with click.progressbar(length=count, label="seeding", file=sys.stderr) as bar:
            made = seeding.seed_institutions(count, seed=seed, progress=bar.update)
        click.echo(f"seeded {made} institutions in {time.perf_counter() - started:.1f}s")


def _load_reference() -> None:
    with unit_of_work():
        areas = reference_data.load_areas()
        diseases = reference_data.load_diseases()
    click.echo(f"{areas} areas, {diseases} diseases")
