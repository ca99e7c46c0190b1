"""``course-app media``: prepare lesson videos (the sizes learners choose from, and a poster)."""

from __future__ import annotations

from pathlib import Path

import click

from ..content.video_ladder import EncoderMissing, EncodingFailed, encode_ladder
from ..templating import file_size


@click.group()
def media() -> None:
    """Prepare lesson videos."""


@media.command("encode")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results (default: beside the source).")
def media_encode(source: Path, out_dir: Path | None) -> None:
    """Make the small sizes (360p, 240p, audio only) and a poster of SOURCE with ffmpeg."""
    try:
        files = encode_ladder(source, out_dir)
    except (EncoderMissing, EncodingFailed) as error:
        raise click.ClickException(str(error)) from None
    width = max(len(str(file.path)) for file in files)
    for file in files:
        click.echo(f"{str(file.path):<{width}}  {file_size(file.size):>8}  ({file.key})")


