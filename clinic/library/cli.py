"""``flask --app clinic check-content``: registered as a Flask plugin command so it runs
even when bad content stops the app itself from starting."""

from pathlib import Path

import click

from clinic.library.content import ContentError, load_library


@click.command("check-content")
@click.option(
    "--path",
    "root",
    type=click.Path(path_type=Path),
    default=None,
    help="The content folder (default: handouts/ of the project).",
)
def check_content(root):
    """Validate every content file and print every problem at once."""
    from clinic import PROJECT_ROOT

    root = root or PROJECT_ROOT / "handouts"
    try:
        library = load_library(root)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(f"{len(error.problems)} problem(s) in {root}") from None
    click.echo(
        f"{len(library.handouts)} handouts and {len(library.exercises)} exercises OK in {root}"
    )
