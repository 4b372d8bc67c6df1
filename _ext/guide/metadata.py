"""Version metadata: every page's front matter checked against a schema, and the version facts
checked for consistency with the guide's release (pyproject.toml, [tool.guide.release]).

The front matter is read here, once per page, from the source with PyYAML (MyST turns every
value into a string, which would hide `1.10` read as the float 1.1, or a date written as a
number). Reading never raises: whatever the writer typed (an impossible date, an unknown YAML
tag, binary data, a duplicated key, a nesting too deep…) becomes a problem at its line. The
values are then validated with `jsonschema` against the schema of the page's kind.

`read_front_matter()` and `check_front_matter()` are pure functions of the page's text (the
property-based tests call them directly on generated front matters); the Sphinx side only turns
their problems into findings.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from jsonschema import Draft202012Validator
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from . import findings
from .collector import Page, pages
from .config import settings
from .release import parse_date, release_of

CHECK = "metadata"
MAX_PAGE_BYTES = 1_000_000  # a page larger than this is almost certainly a pasting accident

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TEXT = {"type": "string", "minLength": 1}


# -- reading: never raises ---------------------------------------------------------------------

class Problem(NamedTuple):
    """One thing wrong with a page, before it becomes a finding (file and check added)."""
    code: str
    message: str
    fix: str
    line: int = 1


class InvalidDate(str):
    """A YAML scalar that looks like a date but is none (2021-04-31, 2021-31-12): kept as text,
    so that the schema reports it at its key instead of PyYAML raising ValueError."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, made total: a value it cannot build (`!!bool maybe`, `!!int 0x`,
    `!!timestamp demain`…) raises a YAML error that carries the line, never a bare ValueError,
    KeyError or AttributeError."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"valeur illisible ({node.tag.rsplit(':', 1)[-1]} : {node.value!r:.60})",
                node.start_mark) from exc

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            # Written like a date (YAML's timestamp pattern matched) but no such day: text.
            # Anything else tagged !!timestamp is unreadable (AttributeError -> error above).
            return InvalidDate(self.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass
class FrontMatter:
    """A page's front matter as read: the YAML-typed mapping (None if absent or unreadable),
    the file line of each top-level key, and what went wrong while reading it."""
    data: dict | None = None
    lines: dict[str, int] = field(default_factory=dict)
    present: bool = False
    yaml_text: str = ""
    body: str = ""
    span: tuple[int, int] = (0, 0)     # character offsets of the YAML text in the page
    problems: list[Problem] = field(default_factory=list)

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


_FRONT = re.compile(r"\A---[ \t]*\r?\n(?:(.*?)\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.S)
_OPENING = re.compile(r"\A(---)[ \t]*\r?\n")
_FIRST_LINE = 2   # the YAML text starts on the line after the opening ---


MAX_NESTING = 50
#: what PyYAML says (in English) of the most frequent mistakes, said in French
_YAML_PROBLEMS = (
    ("while scanning a quoted scalar", "guillemets ouverts et jamais fermés"),
    ("mapping values are not allowed here", "deux-points dans une valeur : mettez-la entre "
                                            "guillemets"),
    ("could not find expected ':'", "ligne sans « clé: valeur »"),
    ("found character '\\t' that cannot start any token", "tabulation : indentez avec des "
                                                           "espaces"),
    ("found unhashable key", "une liste ou un dictionnaire en guise de clé"),
    ("expected <block end>, but found", "texte inattendu après une valeur (guillemets fermés "
                                        "avant la fin de la valeur, ou indentation irrégulière)"),
)


def _too_deep(yaml_text: str) -> int:
    """Line (1-based, in the YAML text) where [ ] / { } nesting exceeds MAX_NESTING, else 0."""
    if yaml_text.count("[") + yaml_text.count("{") <= MAX_NESTING:
        return 0
    depth, line = 0, 1
    for char in yaml_text:
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "\n":
            line += 1
    return 0


def read_front_matter(text: str) -> FrontMatter:
    """Read the front matter of a page. Never raises: problems are returned with their line."""
    fm = FrontMatter()
    m = _FRONT.match(text)
    if not m:
        opening = _OPENING.match(text)
        if opening:
            # Opened by --- and never closed (review M7): not « no front matter ». The opening
            # line alone is what MyST would misread (a transition before the title).
            fm.present, fm.body, fm.span = True, text[opening.end():], (0, len(opening.group(1)))
            fm.problems.append(Problem("front-matter-unclosed", "front matter non fermé",
                                       "ajoutez une ligne --- après la dernière clé", 1))
            return fm
        fm.body = text
        return fm
    fm.present, fm.yaml_text, fm.body = True, m.group(1) or "", text[m.end():]
    fm.span = (m.start(1), m.end(1)) if m.group(1) is not None else (m.end(), m.end())
    deep = _too_deep(fm.yaml_text)
    if deep:
        # PyYAML's parser is quadratic in the nesting of [ ] and { }: refuse before parsing.
        fm.problems.append(Problem("yaml-malformed", "front matter YAML illisible : imbrication "
                                   f"de plus de {MAX_NESTING} niveaux",
                                   "écrivez des valeurs simples, une clé par ligne",
                                   deep + _FIRST_LINE - 1))
        return fm
    loader = None
    try:
        loader = _Loader(fm.yaml_text)   # may already refuse a control character
        node = loader.get_single_node()
        if node is None:
            fm.data = {}
            return fm
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                try:
                    name = str(loader.construct_object(key_node, deep=True))
                except yaml.YAMLError:
                    name = str(key_node.value)
                line = key_node.start_mark.line + _FIRST_LINE
                if name in fm.lines:
                    fm.problems.append(Problem(
                        "duplicate-key", f"« {name} » : clé écrite deux fois (lignes "
                        f"{fm.lines[name]} et {line}) ; YAML ne garde que la dernière",
                        "gardez une seule ligne pour cette clé", line))
                else:
                    fm.lines[name] = line
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        # A control character (refused before parsing): at its own line (review M8).
        line = fm.yaml_text[: exc.position].count("\n") + _FIRST_LINE
        fm.problems.append(Problem("yaml-malformed", "front matter YAML illisible : caractère "
                                   f"de contrôle invisible U+{exc.character:04X}",
                                   "retapez cette ligne (le caractère ne s'affiche pas dans "
                                   "la plupart des éditeurs)", line))
        return fm
    except yaml.YAMLError as exc:
        # An unclosed quote or bracket is reported where it opens (context), anything else
        # where it is (the context of a block mapping is its first key: not the line at fault).
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        if str(getattr(exc, "context", "")).startswith("while parsing a block") and \
                getattr(exc, "problem_mark", None) is not None:
            mark = exc.problem_mark
        line = mark.line + _FIRST_LINE if mark is not None else 1
        problem = " ".join(filter(None, (getattr(exc, "context", None),
                                         getattr(exc, "problem", None)))) or \
            (str(exc).splitlines() or [type(exc).__name__])[0]
        said = next((fr for en, fr in _YAML_PROBLEMS if en in problem), None)
        fm.problems.append(Problem("yaml-malformed", "front matter YAML illisible : "
                                   + (f"{said} (PyYAML : {problem})" if said else problem),
                                   "vérifiez l'indentation, les deux-points, les guillemets et "
                                   "les étiquettes « !! » de cette ligne", line))
        return fm
    except RecursionError:
        fm.problems.append(Problem("yaml-malformed", "front matter YAML illisible : imbrication "
                                   "trop profonde", "écrivez des valeurs simples, une clé par ligne",
                                   loader.get_mark().line + _FIRST_LINE))
        return fm
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        fm.problems.append(Problem(
            "front-matter-not-mapping", f"le front matter est {_describe(data)}, pas une suite "
            "de clés « clé: valeur »", "écrivez une clé par ligne, par exemple « title: Mon titre »",
            node.start_mark.line + _FIRST_LINE))
        return fm
    fm.data = data
    return fm


# -- checking one page: a pure function of its text ----------------------------------------------

#: every key a front matter may hold, with its JSON schema
FIELDS: dict[str, dict] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "minLength": 20, "maxLength": 300},
    "type": {"type": "string"},          # one of the page kinds (enum set per project)
    "date": _DATE,
    "updated": _DATE,
    "version": {"type": "string"},
    "licence": {"type": "string"},
    "orphan": {"type": "boolean"},
    "link": {"type": "string", "pattern": r"^https?://"},
    "linkTitle": _TEXT,
    "announces": {"type": "string"},
}
#: keys every kind of page may have besides its required ones
OPTIONAL_EVERYWHERE = ("title", "description", "type", "date", "updated", "version", "licence",
                       "orphan")


@dataclass(frozen=True)
class Rules:
    """What a project's front matters must hold: required keys per page kind (the `type` key),
    optional keys per kind, the kind of a page without a valid `type`."""
    kinds: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_kind: str = "page"
    max_bytes: int = MAX_PAGE_BYTES
    licence_problem: Any = None   # callable(spdx id) -> (message, fix) | None

    def allowed(self, kind: str) -> list[str]:
        keys = set(OPTIONAL_EVERYWHERE) | set(self.kinds.get(kind, ())) | \
            set(self.optional.get(kind, ()))
        return sorted(keys)

    def schema(self, kind: str) -> dict:
        props = {key: FIELDS.get(key, {}) for key in self.allowed(kind)}
        props["type"] = {"enum": list(self.kinds)}
        return {"type": "object", "properties": props, "required": list(self.kinds.get(kind, ())),
                "additionalProperties": False}


def _describe(value) -> str:
    if isinstance(value, InvalidDate):
        return "une date impossible"
    return {bool: "un booléen", int: "un nombre", float: "un nombre décimal", list: "une liste",
            dict: "un dictionnaire", dt.date: "une date", dt.datetime: "une date et une heure",
            bytes: "des données binaires", set: "un ensemble",
            type(None): "vide"}.get(type(value), "du texte")


def _short(value, limit: int = 60) -> str:
    text = str(value) if isinstance(value, str | int | float | dt.date) else _describe(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_front_matter(text: str, rules: Rules) -> tuple[FrontMatter, list[Problem]]:
    """The front matter of a page (read once) and every problem of it that depends on the page
    alone. Pure and total: any text gives a result, never an exception."""
    out: list[Problem] = []

    def add(code, message, fix, line=1):
        out.append(Problem(code, message, fix, line))

    size = len(text.encode("utf-8", errors="replace"))
    if size > rules.max_bytes:
        add("page-too-large", f"page de {size / 1e6:.1f} Mo, au-delà de la limite de "
            f"{rules.max_bytes / 1e6:.0f} Mo", "découpez-la en plusieurs pages ou retirez le "
            "contenu collé par erreur")
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        add("not-utf8", "le fichier n'est pas en UTF-8 (caractères illisibles)",
            "réenregistrez-le en UTF-8 dans votre éditeur", line)
    fm = read_front_matter(text)
    if not fm.present:
        keys = list(rules.kinds.get(rules.default_kind, ())) or ["title"]
        listed = ", ".join(keys[:-1]) + " et " + keys[-1] if len(keys) > 1 else keys[0]
        add("no-front-matter", "la page n'a pas de front matter",
            f"ajoutez en tête un bloc --- avec {listed} ---")
        return fm, out
    if not fm.body.strip():
        add("empty-page", "la page est vide (aucun contenu après le front matter)",
            "écrivez au moins son titre « # … » et un paragraphe, ou supprimez le fichier")
    out.extend(fm.problems)
    if fm.data is None:
        return fm, out
    data = fm.data
    kind = data.get("type") if isinstance(data.get("type"), str) and data["type"] in rules.kinds \
        else rules.default_kind
    # YAML types first: dates read as dates, versions read as numbers.
    normalised: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if isinstance(value, dt.datetime):
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif key == "version" and isinstance(value, int | float) and not isinstance(value, bool):
            written = _written(fm, key)
            add("version-not-string", f"« version: {written} » est lu par YAML comme le nombre "
                f"{value!r}, pas comme du texte (« 1.10 » deviendrait « 1.1 »)",
                f"écrivez la version entre guillemets : version: \"{written}\"", fm.line(key))
            continue
        normalised[key] = value
    schema = rules.schema(kind)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    allowed = rules.allowed(kind)
    seen: set[tuple[str, str]] = set()
    try:
        errors = sorted(validator.iter_errors(normalised), key=lambda e: [str(p) for p in e.path])
    except RecursionError:
        errors = []
        add("yaml-malformed", "front matter trop imbriqué pour être vérifié",
            "écrivez des valeurs simples, une clé par ligne", 1)
    for error in errors:
        if error.validator == "additionalProperties":
            for key in sorted(set(normalised) - set(allowed)):
                # 0.75: a typo (udpated, titel, descrption), not a chance likeness (auteur
                # and date share three letters: 0.6, review L4)
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
                hint = (f"vouliez-vous dire « {close[0]} » ?" if close else
                        f"clés permises pour une page « {kind} » : {', '.join(allowed)}")
                add("unknown-key", f"« {_short(key)} » : clé inconnue", hint, fm.line(key))
        elif error.validator == "required":
            for missing in [k for k in schema["required"] if k not in normalised]:
                if ("required", missing) not in seen:
                    seen.add(("required", missing))
                    add("missing-key", f"clé obligatoire « {missing} » absente (page de type "
                        f"« {kind} »)", f"ajoutez « {missing}: … » au front matter", 1)
        else:
            key = str(error.path[0]) if error.path else ""
            value = normalised.get(key)
            kind_of_error = "date" if error.validator in ("format", "pattern", "type") and \
                FIELDS.get(key) is _DATE else error.validator
            if key == "licence" and error.validator == "type":
                kind_of_error = "licence"
            if (key, kind_of_error) in seen:
                continue
            seen.add((key, kind_of_error))
            written = _short(_written(fm, key) or value)
            if kind_of_error == "date":
                if value is None:
                    msg = f"« {key} » est vide"
                elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    msg = f"« {key}: {written} » : cette date n'existe pas"
                else:   # 2021-4-30, 20210429, hier…: the format, not the day
                    msg = f"« {key}: {written} » n'est pas une date AAAA-MM-JJ"
                msg, fix = msg, f"écrivez une date réelle, par exemple « {key}: 2021-04-29 »"
            elif kind_of_error == "licence":
                msg = f"« {key} » est vide" if value is None else \
                    f"« {key}: {written} » n'est pas un identifiant de licence"
                fix = f"écrivez un identifiant SPDX, par exemple « {key}: etalab-2.0 »"
            elif error.validator == "type" and value is None:
                msg, fix = f"« {key} » est vide", f"écrivez sa valeur après « {key}: »"
            elif error.validator == "enum":
                msg, fix = (f"« {key}: {_short(value)} » : valeur non permise",
                            f"valeurs permises : {', '.join(map(str, error.validator_value))}")
            elif error.validator == "type":
                expected = "d'un texte" if error.validator_value == "string" else "d'un booléen"
                msg, fix = (f"« {key} » : {_describe(value)} au lieu {expected}",
                            "mettez la valeur entre guillemets" if error.validator_value == "string"
                            else "écrivez true ou false")
            elif error.validator in ("minLength", "maxLength"):
                low, high = FIELDS[key].get("minLength", 1), FIELDS[key].get("maxLength")
                msg, fix = (f"« {key} » fait {len(str(value))} caractères",
                            f"écrivez-en de {low} à {high}" if high else "écrivez-la")
            elif error.validator == "pattern":
                msg, fix = (f"« {key}: {_short(value)} » n'est pas une adresse web",
                            "écrivez l'adresse complète, https://…")
            else:  # pragma: no cover - every keyword of FIELDS is handled above
                msg, fix = (f"« {key} » : valeur non valide", "corrigez la valeur")
            add("licence-invalid" if kind_of_error == "licence" else f"invalid-{kind_of_error}",
                msg, fix, fm.line(key))
    # Dates of the page between themselves.
    published, updated = parse_date(normalised.get("date")), parse_date(normalised.get("updated"))
    if published and updated and updated < published:
        add("updated-before-date", f"mise à jour ({updated}) antérieure à la publication "
            f"({published})", "corrigez « updated » : il ne peut précéder « date »",
            fm.line("updated"))
    # Licence of the page, if it declares one (see licence.py for what is accepted).
    if isinstance(normalised.get("licence"), str) and rules.licence_problem is not None:
        problem = rules.licence_problem(normalised["licence"])
        if problem:
            add("licence-unknown", *problem, fm.line("licence"))
    return fm, out


def _written(fm: FrontMatter, key: str) -> str:
    """The value of a top-level key as the writer typed it (for messages)."""
    lines = fm.yaml_text.splitlines()
    index = fm.line(key) - _FIRST_LINE
    if 0 <= index < len(lines) and ":" in lines[index]:
        return lines[index].split(":", 1)[1].strip()
    return str(fm.data.get(key) if fm.data else "")


def _today() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def rules_of(app: Sphinx) -> Rules:
    """The project's rules, from guide_page_kinds, guide_page_optional_keys,
    guide_default_page_kind."""
    from .licence import licence_problem
    cfg = settings(app)
    return Rules(kinds=cfg.page_kinds, optional=cfg.page_optional_keys,
                 default_kind=cfg.default_page_kind,
                 licence_problem=lambda spdx: licence_problem(app, spdx))


def read_page(app: Sphinx, docname: str, source: list[str]) -> Page:
    """source-read (through the collector): the page's front matter, read once, and the
    findings about it alone."""
    fm, problems = check_front_matter(source[0], rules_of(app))
    record = Page(meta=fm.data or {}, lines=fm.lines)
    # The page's licence is the licence check's (suppress_warnings = ["guide.licence"]…).
    record.findings = [findings.make(app, "licence" if p.code.startswith("licence-") else CHECK,
                                     p.code, p.message, p.fix, docname=docname, line=p.line)
                       for p in problems]
    if fm.present and fm.data is None:
        # Unreadable: MyST would stop on what we report (a KeyError on `!!bool maybe`…).
        # It gets the same number of empty lines instead, so that every line keeps its number.
        start, end = fm.span
        source[0] = source[0][:start] + "\n" * fm.yaml_text.count("\n") + source[0][end:]
    return record


def release_problems(meta: dict, lines: dict[str, int], rel, today: dt.date,
                     changelog: str = "") -> list[Problem]:
    """What a page's front matter says against the release and today's date (run on every
    build: the release and the date change without the page changing)."""
    out: list[Problem] = []

    def add(code, message, fix, key):
        out.append(Problem(code, message, fix, lines.get(key, 1)))

    published, updated = parse_date(meta.get("date")), parse_date(meta.get("updated"))
    for key, day in (("date", published), ("updated", updated)):
        if day and day > today:
            add("date-in-future", f"« {key}: {day} » est dans le futur",
                "une page ne peut être publiée ou mise à jour qu'à une date passée", key)
    if updated and updated > rel.updated:
        add("updated-after-release", f"page mise à jour le {updated}, après la dernière mise "
            f"à jour publiée ({rel.updated})", "mettez à jour « updated » dans "
            f"{Path(rel.source).name}" + (f" (et {changelog})" if changelog else ""), "updated")
    version = meta.get("version")
    if isinstance(version, str) and version != rel.version:   # a number: version-not-string
        add("version-mismatch", f"version « {version} » différente de la version publiée "
            f"(« {rel.version} »)", f"retirez la clé « version » ou alignez-la sur "
            f"{Path(rel.source).name}", "version")
    announces = meta.get("announces")
    if meta.get("type") == "news" and announces is not None:
        if str(announces) != rel.version:
            add("news-unknown-release", f"le billet annonce la version « {announces} », "
                f"qui n'est pas la version publiée (« {rel.version} »)", "corrigez « announces »",
                "announces")
        elif published and published < rel.published:
            add("news-before-release", f"billet daté du {published}, avant la publication de "
                f"la version qu'il annonce ({rel.published})", "corrigez « date »", "date")
    return out


def check_release(app: Sphinx, env: BuildEnvironment) -> None:
    """env-updated (every build): each page against the release, the release against the
    CHANGELOG."""
    rel, today = release_of(app), _today()
    records = pages(env)
    for docname in sorted(env.found_docs & records.keys()):
        record = records[docname]
        for p in release_problems(record.meta, record.lines, rel, today,
                                  Path(settings(app).changelog).name):
            findings.emit(app, findings.make(app, CHECK, p.code, p.message, p.fix,
                                             docname=docname, line=p.line))
    _check_changelog(app, rel)


_CHANGELOG_ENTRY = re.compile(r"^##\s+\[?(?P<version>[^\]\s–-]+)\]?\s*[–-]\s*(?P<date>\d{4}-\d{2}-\d{2})",
                              re.M)


def _check_changelog(app: Sphinx, rel) -> None:
    """The first entry of the changelog (guide_changelog) is the published release."""
    if not settings(app).changelog:
        return
    path = Path(app.confdir) / settings(app).changelog
    if not path.exists():
        findings.emit(app, findings.make(app, CHECK, "changelog-missing",
                                         f"{path.name} absent (guide_changelog)",
                                         "créez-le : une entrée « ## [version] – AAAA-MM-JJ » par version",
                                         path=path))
        return
    text = path.read_text(encoding="utf-8")
    m = _CHANGELOG_ENTRY.search(text)
    line = text[: m.start()].count("\n") + 1 if m else 1
    if not m:
        findings.emit(app, findings.make(app, CHECK, "changelog-empty", f"{path.name} ne contient "
                      "aucune entrée « ## [version] – AAAA-MM-JJ »", "ajoutez l'entrée de la version "
                      f"{rel.version}", path=path, line=1))
    elif m.group("version") not in (rel.version, rel.version_title) or \
            m.group("date") != rel.updated.isoformat():
        findings.emit(app, findings.make(
            app, CHECK, "changelog-mismatch",
            f"dernière entrée de {path.name} « {m.group('version')} – {m.group('date')} » différente de "
            f"la version publiée « {rel.version_title} – {rel.updated} » ({Path(rel.source).name})",
            f"ajoutez en tête de {path.name} l'entrée de la version publiée, ou corrigez "
            f"{Path(rel.source).name}",
            path=path, line=line))


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
    app.connect("env-updated", check_release)
