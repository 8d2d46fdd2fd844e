"""What a visitor takes away from a run folder: the scenario as run, the whole folder as a zip, the brief."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from simulator.report.brief import language_suffix

MIME = {".yaml": "application/yaml", ".zip": "application/zip", ".html": "text/html", ".pdf": "application/pdf"}


def zipped(folder: Path) -> bytes:
    """Every file of a run folder in a zip under the folder's name, in name order (hidden files left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                archive.write(path, f"{folder.name}/{relative.as_posix()}")
    return buffer.getvalue()


def brief_files(folder: Path, lang: str) -> dict[str, Path]:
    """The brief of a run folder in a language, by extension ('.html', '.pdf'), those that exist."""
    suffix = language_suffix(lang)
    found = {extension: folder / f"brief{suffix}{extension}" for extension in (".html", ".pdf")}
    return {extension: path for extension, path in found.items() if path.is_file()}


def figure_files(folder: Path, lang: str) -> list[Path]:
    """The PNG figures of a run folder in a language (English: names without a language code)."""
    suffix = language_suffix(lang)
    figures = sorted((folder / "figures").glob("*.png"))
    if suffix:
        return [path for path in figures if path.name.endswith(f"{suffix}.png")]
    return [path for path in figures if path.suffixes == [".png"]]
