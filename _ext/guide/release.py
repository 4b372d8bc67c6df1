"""The published release (version, dates, licence, publisher, authors), read once.

One loader, `load_release()`, reads the table `guide_release_table` of the TOML file
`guide_release_file` (this guide: [tool.guide.release] of pyproject.toml). At `config-inited`
the extension loads it for the application and fills, where conf.py left them empty, Sphinx's
`version`, `release`, `author`, `copyright`, and MyST's substitutions ({{ version_title }}…):
conf.py never reads the file itself. Everything else (templates, PDF name and metadata,
checks) asks `release_of(app)`; scripts outside Sphinx ask `project_release(folder of conf.py)`.
"""

from __future__ import annotations

import datetime as dt
import re
import runpy
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from .config import DEFAULT_LICENCES, PREFIX, GuideConfig, default_of, settings

logger = logging.getLogger(__name__)

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")

KEYS = ("version", "version_title", "target_version", "published", "updated", "licence",
        "publisher", "authors")


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

    def __init__(self, message: str, path: Path | None = None, line: int | None = None,
                 key: str | None = None):
        super().__init__(message)
        self.path, self.line, self.key = path, line, key


def date_fr(day: dt.date) -> str:
    """29 avril 2021 (1er for the first day of the month)."""
    d = "1er" if day.day == 1 else str(day.day)
    return f"{d}\u00a0{MONTHS_FR[day.month - 1]}\u00a0{day.year}"


def month_fr(day: dt.date) -> str:
    return f"{MONTHS_FR[day.month - 1]} {day.year}"


def _ascii(word: str) -> str:
    return word.replace("é", "e").replace("û", "u")


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
    licence_name: str = ""
    licence_url: str = ""
    pdf_pattern: str = "guide-{version}.pdf"

    @property
    def pdf_name(self) -> str:
        """The PDF's file name, from guide_pdf_name (this guide:
        guide-achats-numeriques-responsables-version-beta-avril-2021.pdf)."""
        return self.pdf_pattern.format(version=self.version, year=self.published.year,
                                       month=_ascii(MONTHS_FR[self.published.month - 1]),
                                       day=f"{self.published.day:02d}")

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


def _as_date(value, key: str, where: str) -> dt.date:
    day = parse_date(value)
    if day is None:
        raise ReleaseError(f"{where} {key} = {value!r} n'est pas une date AAAA-MM-JJ ; écrivez "
                           "par exemple 2021-04-29", key=key)
    return day


def load_release(path: Path | str, table: str = "tool.guide.release", *,
                 licences: dict | None = None, pdf_name: str = "guide-{version}.pdf") -> Release:
    """The release described by `[table]` of the TOML file `path`. Raises ReleaseError."""
    path = Path(path)
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        for part in table.split("."):
            data = data[part]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ReleaseError(f"{path}: fichier de la version illisible ({exc})", path,
                           int(line.group(1)) if line else None) from None
    except (KeyError, TypeError):
        raise ReleaseError(f"{path}: table [{table}] absente ; elle décrit la version publiée "
                           f"({', '.join(KEYS)})", path) from None
    header = re.search(rf"^\[\s*{re.escape(table)}\s*\]", text, re.M)
    line = text[: header.start()].count("\n") + 1 if header else None
    try:
        return _release(data, path, table, line, licences, pdf_name)
    except ReleaseError as exc:
        # A wrong value: at its key's line (the table's header for a missing key).
        raise ReleaseError(str(exc), path, _key_line(text, header, exc.key) or line,
                           exc.key) from None


def _key_line(text: str, header, key: str | None) -> int | None:
    """The line of `key = …` in the table that starts at `header` (a re.Match), if found."""
    if not key or header is None:
        return None
    rest = text[header.end():]
    end = re.search(r"^\s*\[", rest, re.M)
    m = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", rest[: end.start() if end else None],
                  re.M)
    return text[: header.end() + m.start()].count("\n") + 1 if m else None


def _release(data, path: Path, table: str, line, licences, pdf_name) -> Release:
    from .licence import spdx_problem

    where = f"{path}: [{table}]"
    if not isinstance(data, dict):
        raise ReleaseError(f"{where} n'est pas une table")
    missing = [k for k in KEYS if k not in data]
    if missing:
        raise ReleaseError(f"{where} : clé(s) manquante(s) {', '.join(missing)}")
    texts = [k for k in KEYS if k not in ("published", "updated", "authors")
             if not isinstance(data[k], str) or not data[k]]
    if texts:
        raise ReleaseError(f"{where} : {', '.join(texts)} doi(ven)t être du texte non vide",
                           key=texts[0])
    if not isinstance(data["authors"], list) or not all(isinstance(a, str) for a in data["authors"]):
        raise ReleaseError(f"{where} authors doit être une liste de noms", key="authors")
    licences = DEFAULT_LICENCES if licences is None else licences
    lic = data["licence"]
    if lic in licences:
        name, url = licences[lic]
    elif not lic.startswith("LicenseRef-") and spdx_problem(lic) is None:
        name, url = lic, f"https://spdx.org/licenses/{lic}.html"
    else:
        raise ReleaseError(f"{where} licence = {lic!r} : ni identifiant SPDX ni licence de "
                           f"guide_licences ({', '.join(sorted(licences))})", key="licence")
    published = _as_date(data["published"], "published", where)
    updated = _as_date(data["updated"], "updated", where)
    if updated < published:
        raise ReleaseError(f"{where} updated = {updated} précède published = {published}",
                           key="updated")
    return Release(
        version=data["version"], version_title=data["version_title"],
        target_version=data["target_version"], published=published, updated=updated,
        licence=lic, publisher=data["publisher"], authors=tuple(data["authors"]),
        source=str(path), licence_name=name, licence_url=url, pdf_pattern=pdf_name)


def _load_for(confdir: Path, cfg: GuideConfig) -> Release:
    return load_release(Path(confdir) / cfg.release_file, cfg.release_table,
                        licences=cfg.licences, pdf_name=cfg.pdf_name)


def release_of(app: Sphinx) -> Release:
    """The release of this application (loaded at config-inited)."""
    rel = getattr(app, "_guide_release", None)
    if rel is None:
        rel = app._guide_release = _load_for(app.confdir, settings(app))  # noqa: SLF001
    return rel


def project_release(confdir: Path | str) -> Release:
    """The release of the Sphinx project whose conf.py is in `confdir`, for scripts and tests
    that run outside Sphinx (bench/, test_pdf.py): same settings, same loader."""
    namespace = runpy.run_path(str(Path(confdir) / "conf.py"))
    fields = {f.name: namespace.get(PREFIX + f.name, default_of(f))
              for f in GuideConfig.__dataclass_fields__.values()}
    from .config import licence_table, pdf_name
    cfg = GuideConfig(**{**fields, "licences": licence_table(fields["licences"]),
                         "pdf_name": pdf_name(fields["pdf_name"])})
    return _load_for(Path(confdir), cfg)


def _init_release(app: Sphinx, config: Config) -> None:
    """config-inited (after the settings are validated): load the release, fill the project's
    version, author, copyright and MyST substitutions where conf.py left them unset."""
    try:
        rel = app._guide_release = _load_for(app.confdir, settings(app))  # noqa: SLF001
    except ReleaseError as exc:
        # Nothing can be built without the release (version line, footer, PDF name): stop with
        # the file, the line and what is wrong, exit status 2 as for any Sphinx configuration
        # error, but without the traceback Sphinx prints for an exception.
        where = f"{exc.path}:{exc.line}" if exc.path and exc.line else None
        message = str(exc).removeprefix(f"{exc.path}: ") if where else str(exc)
        fix = "corrigez le fichier, ou guide_release_file et guide_release_table dans conf.py"
        logger.error(f"{message} ; {fix}", location=where, type="guide", subtype="release")
        # The reports of an earlier build must not stay presented as this build's: they are
        # replaced by this error, which is their only finding.
        from . import findings
        error = findings.make(app, "metadata", "release-unreadable", message, fix,
                              path=exc.path, line=exc.line)
        findings.write_reports(app, [error], error=f"{error.where()}: {error.text()}")
        raise SystemExit(2) from None
    if not config.version:
        config.version = rel.version_title
    if not config.release:
        config.release = rel.version_title
    if config.author in ("", "Author name not set"):
        config.author = ", ".join(rel.authors)
    if not config.copyright:
        config.copyright = f"{rel.published.year}, {rel.publisher}"
    if hasattr(config, "myst_substitutions"):
        config.myst_substitutions = {**rel.substitutions(), **config.myst_substitutions}


def setup_release(app: Sphinx) -> None:
    app.connect("config-inited", _init_release, priority=350)
