"""The guide's release, read once from pyproject.toml ([tool.guide.release]).

Every other place (conf.py, templates, PDF name and metadata, checks) asks this module.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")

LICENCES = {
    # SPDX id -> (name shown to readers, URL of the text)
    "etalab-2.0": ("Licence Ouverte / Etalab 2.0",
                   "https://github.com/etalab/licence-ouverte/blob/master/LO.md"),
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International",
                  "https://creativecommons.org/licenses/by/4.0/deed.fr"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"),
    "CC0-1.0": ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/deed.fr"),
    "MIT": ("Licence MIT", "https://spdx.org/licenses/MIT.html"),
}


def parse_date(value) -> dt.date | None:
    """A front-matter date (a date object, or an ISO string as MyST stores it), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


class ReleaseError(ValueError):
    """The release table is missing or malformed (message in French, names the file)."""


def date_fr(day: dt.date) -> str:
    """29 avril 2021 (1er for the first day of the month)."""
    d = "1er" if day.day == 1 else str(day.day)
    return f"{d}\u00a0{MONTHS_FR[day.month - 1]} {day.year}"


def month_fr(day: dt.date) -> str:
    return f"{MONTHS_FR[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Release:
    version: str
    version_title: str
    target_version: str
    published: dt.date
    updated: dt.date
    licence: str
    publisher: str
    authors: tuple[str, ...]
    source: str = "pyproject.toml"

    @property
    def licence_name(self) -> str:
        return LICENCES[self.licence][0]

    @property
    def licence_url(self) -> str:
        return LICENCES[self.licence][1]

    @property
    def pdf_name(self) -> str:
        """guide-achats-numeriques-responsables-version-beta-avril-2021.pdf"""
        month = MONTHS_FR[self.published.month - 1].replace("é", "e").replace("û", "u")
        return (f"guide-achats-numeriques-responsables-version-{self.version}-"
                f"{month}-{self.published.year}.pdf")

    def substitutions(self) -> dict[str, str]:
        """MyST substitutions: pages write {{ version_title }} instead of typing the version."""
        return {
            "version_title": self.version_title,
            "target_version": self.target_version,
            "published_fr": date_fr(self.published),
            "updated_fr": date_fr(self.updated),
            "licence_name": self.licence_name,
            "licence_url": self.licence_url,
            "licence_link": f"[{self.licence_name}]({self.licence_url})",
            "publisher": self.publisher,
            "pdf_name": self.pdf_name,
        }


def _as_date(value, key: str, source: str) -> dt.date:
    day = parse_date(value)
    if day is None:
        raise ReleaseError(f"{source}: [tool.guide.release] {key} = {value!r} n'est pas une date "
                           "AAAA-MM-JJ ; écrivez par exemple 2021-04-29")
    return day


def load_release(path: Path | str) -> Release:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["guide"]["release"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise ReleaseError(f"{path}: table [tool.guide.release] illisible ou absente ({exc})") from None
    missing = [k for k in ("version", "version_title", "target_version", "published", "updated",
                           "licence", "publisher", "authors") if k not in data]
    if missing:
        raise ReleaseError(f"{path}: [tool.guide.release] : clé(s) manquante(s) {', '.join(missing)}")
    if data["licence"] not in LICENCES:
        raise ReleaseError(f"{path}: [tool.guide.release] licence = {data['licence']!r} inconnue ; "
                           f"identifiants SPDX acceptés : {', '.join(sorted(LICENCES))}")
    return Release(
        version=str(data["version"]), version_title=str(data["version_title"]),
        target_version=str(data["target_version"]),
        published=_as_date(data["published"], "published", str(path)),
        updated=_as_date(data["updated"], "updated", str(path)),
        licence=data["licence"], publisher=str(data["publisher"]),
        authors=tuple(data["authors"]), source=str(path),
    )


def release_of(app: Sphinx) -> Release:
    """The guide's release, read once per application from guide_release_file."""
    rel = getattr(app, "_guide_release", None)
    if rel is None:
        rel = load_release(app.confdir / app.config.guide_release_file)
        app._guide_release = rel  # noqa: SLF001 - cache on the app, not in a global
    return rel
