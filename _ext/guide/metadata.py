"""Version metadata: every page's front matter checked against a schema, and the version facts
checked for consistency with the guide's release (pyproject.toml, [tool.guide.release]).

The front matter is parsed here from the source with PyYAML (MyST turns every value into a
string, which would hide `1.10` read as the float 1.1, or a date written as a number), located
line by line, and validated with `jsonschema` against the schema of the page's kind.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import os
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from . import findings
from .release import parse_date
from .theme import release_of

CHECK = "metadata"
MAX_PAGE_BYTES = 1_000_000  # a page larger than this is almost certainly a pasting accident

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TEXT = {"type": "string", "minLength": 1}
COMMON = {
    "title": _TEXT,
    "description": {"type": "string", "minLength": 20, "maxLength": 300},
    "type": {"enum": ["home", "page", "section", "fiche", "news"]},
    "date": _DATE,
    "updated": _DATE,
    "version": {"type": "string"},
    "licence": {"type": "string"},
    "orphan": {"type": "boolean"},
}
NEWS = {"link": {"type": "string", "pattern": r"^https?://"}, "linkTitle": _TEXT,
        "announces": {"type": "string"}}

#: required keys per page kind; the union of COMMON (+ NEWS for posts) is what is allowed
REQUIRED = {
    "home": ["title", "description", "type", "date", "updated"],
    "page": ["title", "description", "type", "date", "updated"],
    "section": ["title", "description", "type", "date", "updated"],
    "fiche": ["title", "description", "type", "date", "updated"],
    "news": ["title", "description", "type", "date", "link", "linkTitle"],
}


def schema_for(kind: str) -> dict:
    props = dict(COMMON, **(NEWS if kind == "news" else {}))
    return {"type": "object", "properties": props, "required": REQUIRED.get(kind, REQUIRED["page"]),
            "additionalProperties": False}


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[str | None, str]:
    m = _FRONT.match(text)
    if not m:
        return None, text
    return m.group(1), text[m.end():]


def key_lines(front: str) -> dict[str, int]:
    """Line (1-based, in the file: the opening --- is line 1) of each top-level key."""
    lines = {}
    for i, line in enumerate(front.splitlines(), start=2):
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if m:
            lines.setdefault(m.group(1), i)
    return lines


def _today() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _describe(value) -> str:
    return {bool: "un booléen", int: "un nombre", float: "un nombre décimal", list: "une liste",
            dict: "un dictionnaire", dt.date: "une date", dt.datetime: "une date et une heure",
            type(None): "vide"}.get(type(value), "du texte")


def check_front_matter(app: Sphinx, docname: str, text: str) -> list[findings.Finding]:
    """All metadata findings of one page, from its raw source text."""
    out: list[findings.Finding] = []

    def add(code, message, fix, line=1):
        out.append(findings.make(app, CHECK, code, message, fix, docname=docname, line=line))

    size = len(text.encode("utf-8"))
    if size > MAX_PAGE_BYTES:
        add("page-too-large", f"page de {size / 1e6:.1f} Mo, au-delà de la limite de "
            f"{MAX_PAGE_BYTES / 1e6:.0f} Mo", "découpez-la en plusieurs pages ou retirez le "
            "contenu collé par erreur")
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        add("not-utf8", "le fichier n'est pas en UTF-8 (caractères illisibles)",
            "réenregistrez-le en UTF-8 dans votre éditeur", line)
    front, body = split_front_matter(text)
    if front is None:
        add("no-front-matter", "la page n'a pas de front matter",
            "ajoutez en tête un bloc --- avec title, description, type, date et updated ---")
        return out
    if not body.strip():
        add("empty-page", "la page est vide (aucun contenu après le front matter)",
            "écrivez au moins son titre « # … » et un paragraphe, ou supprimez le fichier")
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = " ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None)))) \
            or str(exc).splitlines()[0]
        add("yaml-malformed", f"front matter YAML illisible : {problem}",
            "vérifiez l'indentation, les deux-points et les guillemets de cette ligne", line)
        return out
    if not isinstance(data, dict):
        add("front-matter-not-mapping", f"le front matter est {_describe(data)}, pas une liste de "
            "clés « clé: valeur »", "écrivez une clé par ligne, par exemple « title: Mon titre »")
        return out
    lines = key_lines(front)
    kind = data.get("type") if data.get("type") in REQUIRED else "page"
    # YAML types first: dates read as dates, versions read as numbers.
    normalised = {}
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif key == "version" and isinstance(value, int | float):
            written = front.splitlines()[lines.get(key, 2) - 2].split(":", 1)[1].strip()
            add("version-not-string", f"« version: {written} » est lu par YAML comme le nombre "
                f"{value!r}, pas comme du texte (« 1.10 » deviendrait « 1.1 »)",
                f"écrivez la version entre guillemets : version: \"{written}\"", lines.get(key, 1))
            continue
        normalised[str(key)] = value
    validator = Draft202012Validator(schema_for(kind), format_checker=Draft202012Validator.FORMAT_CHECKER)
    allowed = sorted(schema_for(kind)["properties"])
    seen: set[tuple[str, str]] = set()
    for error in sorted(validator.iter_errors(normalised), key=lambda e: list(e.path)):
        if error.validator == "additionalProperties":
            known = set(schema_for(kind)["properties"])
            for key in sorted(set(normalised) - known):
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = (f"vouliez-vous dire « {close[0]} » ?" if close else
                        f"clés permises pour une page « {kind} » : {', '.join(allowed)}")
                add("unknown-key", f"« {key} » : clé inconnue", hint, lines.get(key, 1))
        elif error.validator == "required":
            missing = error.message.split("'")[1]
            add("missing-key", f"clé obligatoire « {missing} » absente (page de type « {kind} »)",
                f"ajoutez « {missing}: … » au front matter", 1)
        else:
            key = str(error.path[0]) if error.path else ""
            value = normalised.get(key)
            kind_of_error = "date" if error.validator in ("format", "pattern") else error.validator
            if (key, kind_of_error) in seen:
                continue
            seen.add((key, kind_of_error))
            if error.validator in ("format", "pattern") and COMMON.get(key) is _DATE:
                msg, fix = (f"« {key}: {value} » n'est pas une date AAAA-MM-JJ",
                            f"écrivez par exemple « {key}: 2021-04-29 »")
            elif error.validator == "enum":
                msg, fix = (f"« {key}: {value} » : valeur non permise",
                            f"valeurs permises : {', '.join(map(str, error.validator_value))}")
            elif error.validator == "type":
                msg, fix = (f"« {key} » est {_describe(value)} au lieu de "
                            f"{'du texte' if error.validator_value == 'string' else error.validator_value}",
                            "mettez la valeur entre guillemets")
            elif error.validator in ("minLength", "maxLength"):
                msg, fix = (f"« {key} » fait {len(str(value))} caractères",
                            "une description de 20 à 300 caractères, qui résume la page")
            else:
                msg, fix = (f"« {key} » : {error.message}", "corrigez la valeur")
            add(f"invalid-{kind_of_error}", msg, fix, lines.get(key, 1))
    # Licence of the page, if it declares one (see licence.py for what is accepted).
    if "licence" in normalised:
        from .licence import licence_problem
        problem = licence_problem(app, str(normalised["licence"]))
        if problem:
            add("licence-unknown", *problem, lines.get("licence", 1))
    return out


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    for finding in check_front_matter(app, docname, source[0]):
        findings.record(app.env, finding)
    # Keep typed dates for the consistency rules (MyST's metadata holds strings only).
    front, _ = split_front_matter(source[0])
    try:
        data = yaml.safe_load(front) if front else None
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
        app.env.guide_lines = getattr(app.env, "guide_lines", {})
        app.env.guide_lines[docname] = key_lines(front)


def check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    """Rules that compare a page with the release, and the release with the CHANGELOG."""
    rel = release_of(app)
    today = _today()
    lines_of = getattr(env, "guide_lines", {})
    for docname in sorted(env.found_docs):
        meta = env.metadata.get(docname, {})
        lines = lines_of.get(docname, {})

        def emit(code, message, fix, key, docname=docname, lines=lines):
            findings.emit(app, findings.make(app, CHECK, code, message, fix, docname=docname,
                                             line=lines.get(key, 1)))

        published, updated = parse_date(meta.get("date")), parse_date(meta.get("updated"))
        if published and updated and updated < published:
            emit("updated-before-date", f"mise à jour ({updated}) antérieure à la publication "
                 f"({published})", "corrigez « updated » : il ne peut précéder « date »", "updated")
        for key, day in (("date", published), ("updated", updated)):
            if day and day > today:
                emit("date-in-future", f"« {key}: {day} » est dans le futur",
                     "une page ne peut être publiée ou mise à jour qu'à une date passée", key)
        if updated and updated > rel.updated:
            emit("updated-after-release", f"page mise à jour le {updated}, après la dernière mise "
                 f"à jour du guide ({rel.updated})", "mettez à jour « updated » dans "
                 "[tool.guide.release] de pyproject.toml (et le CHANGELOG)", "updated")
        version = meta.get("version")
        if version is not None and str(version) != rel.version:
            emit("version-mismatch", f"version « {version} » différente de celle du guide "
                 f"(« {rel.version} »)", "retirez la clé « version » ou alignez-la sur pyproject.toml",
                 "version")
        announces = meta.get("announces")
        if meta.get("type") == "news" and announces is not None:
            if str(announces) != rel.version:
                emit("news-unknown-release", f"le billet annonce la version « {announces} », "
                     f"qui n'est pas celle du guide (« {rel.version} »)",
                     "corrigez « announces »", "announces")
            elif published and published < rel.published:
                emit("news-before-release", f"billet daté du {published}, avant la publication de "
                     f"la version qu'il annonce ({rel.published})", "corrigez « date »", "date")
    _check_changelog(app, rel)


_CHANGELOG_ENTRY = re.compile(r"^##\s+\[?(?P<version>[^\]\s–-]+)\]?\s*[–-]\s*(?P<date>\d{4}-\d{2}-\d{2})",
                              re.M)


def _check_changelog(app: Sphinx, rel) -> None:
    path = Path(rel.source).with_name("CHANGELOG.md")
    if not path.exists():
        findings.emit(app, findings.make(app, CHECK, "changelog-missing", "CHANGELOG.md absent",
                                         "créez-le : une entrée « ## [version] – AAAA-MM-JJ » par version",
                                         path=path))
        return
    text = path.read_text(encoding="utf-8")
    m = _CHANGELOG_ENTRY.search(text)
    line = text[: m.start()].count("\n") + 1 if m else 1
    if not m:
        findings.emit(app, findings.make(app, CHECK, "changelog-empty", "CHANGELOG.md ne contient "
                      "aucune entrée « ## [version] – AAAA-MM-JJ »", "ajoutez l'entrée de la version "
                      f"{rel.version}", path=path, line=1))
    elif m.group("version") not in (rel.version, rel.version_title) or \
            m.group("date") != rel.updated.isoformat():
        findings.emit(app, findings.make(
            app, CHECK, "changelog-mismatch",
            f"dernière entrée du CHANGELOG « {m.group('version')} – {m.group('date')} » différente de "
            f"la version du guide « {rel.version_title} – {rel.updated} » (pyproject.toml)",
            "ajoutez en tête du CHANGELOG l'entrée de la version publiée, ou corrigez pyproject.toml",
            path=path, line=line))


def _purge(app, env, docname):
    getattr(env, "guide_lines", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    mine = env.guide_lines = getattr(env, "guide_lines", {})
    for docname in docnames:
        if docname in getattr(other, "guide_lines", {}):
            mine[docname] = other.guide_lines[docname]


# A page saved in Latin-1 by mistake must be a finding, not « Encoding error! » and a stopped
# build: sources are decoded as UTF-8 with undecodable bytes replaced by U+FFFD, which
# check_front_matter() then reports at the line where the first one stands.
TOLERANT_UTF8 = "utf_8_guide_tolerant"


def _tolerant_codec(name: str):
    if name != TOLERANT_UTF8:
        return None
    sig = codecs.lookup("utf-8-sig")
    return codecs.CodecInfo(
        name=TOLERANT_UTF8, encode=sig.encode,
        decode=lambda data, errors="strict": sig.decode(data, "replace"),
        incrementalencoder=sig.incrementalencoder,
        incrementaldecoder=lambda errors="strict": sig.incrementaldecoder("replace"),
        streamreader=sig.streamreader, streamwriter=sig.streamwriter)


def _tolerant_sources(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    # env.settings, not config.source_encoding: Sphinx deprecates non-UTF-8 source encodings
    # in the configuration, and this *is* UTF-8, only without the crash.
    if str(env.settings.get("input_encoding", "")).lower().replace("_", "-") in ("utf-8-sig", "utf-8"):
        env.settings["input_encoding"] = TOLERANT_UTF8


def setup_metadata(app: Sphinx) -> None:
    codecs.register(_tolerant_codec)
    app.connect("env-before-read-docs", _tolerant_sources)
    app.connect("source-read", _source_read)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", check_consistency)
