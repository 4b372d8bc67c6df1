"""Every setting of the extension, declared once: name, type, default, validator, help.

As in sphinx-design's config.py and MyST's config/main.py, the settings are the fields of one
dataclass, `GuideConfig`; each is registered with Sphinx as a flat `guide_<name>` value (the
public interface, set in conf.py or with `-D`), validated once at `config-inited` (a wrong value
is reported clearly, type `guide.config`, and replaced by its default), and read by the modules
through `settings(app)`, never through `app.config.guide_*`.

Nothing guide-specific is a default: this guide's release table, page kinds, folders, PDF name
and user agent are set in its conf.py; another project sets its own.
"""

from __future__ import annotations

import dataclasses as dc
import re
import string
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)


class ConfigValueError(ValueError):
    """A setting's value is wrong (message in French, says what is expected)."""


# -- validators: (value) -> value to keep (possibly normalised), or raise ConfigValueError ------

def _type_name(types: tuple[type, ...]) -> str:
    names = {bool: "booléen", int: "entier", float: "nombre", str: "texte", list: "liste",
             dict: "dictionnaire"}
    return " ou ".join(names.get(t, t.__name__) for t in types)


def instance_of(*types: type):
    def check(value):
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ConfigValueError(f"attendu : {_type_name(types)}")
        return value
    return check


def number(minimum: float = 0):
    def check(value):
        if isinstance(value, str):   # from `-D guide_…=2.5` (see setup_config)
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                raise ConfigValueError("attendu : un nombre (par exemple 2.5)") from None
        instance_of(int, float)(value)
        if value < minimum:
            raise ConfigValueError(f"attendu : un nombre au moins égal à {minimum:g}")
        return value
    return check


def integer(minimum: int = 0):
    def check(value):
        instance_of(int)(value)
        if value < minimum:
            raise ConfigValueError(f"attendu : un entier au moins égal à {minimum}")
        return value
    return check


def flag(value):
    """A boolean, also from `-D name=1` (Sphinx passes the text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "oui", "0", "false", "no", "non", ""):
            return text in ("1", "true", "yes", "oui")
    raise ConfigValueError("attendu : un booléen (True ou False)")


def _regex(pattern) -> None:
    if not isinstance(pattern, str):
        raise ConfigValueError(f"{pattern!r} n'est pas une expression régulière (texte attendu)")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigValueError(f"expression régulière invalide {pattern!r} ({exc})") from None


def regex_list(value):
    instance_of(list, tuple)(value)
    for pattern in value:
        _regex(pattern)
    return list(value)


def regex_map(value):
    instance_of(dict)(value)
    for source, target in value.items():
        _regex(source)
        _regex(target)
    return value


def status_codes(value):
    instance_of(list, tuple)(value)
    if not all(isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599 for c in value):
        raise ConfigValueError("attendu : une liste de codes HTTP (entiers de 100 à 599)")
    return list(value)


def headers_map(value):
    instance_of(dict)(value)
    for prefix, extra in value.items():
        if not isinstance(prefix, str) or not isinstance(extra, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
            raise ConfigValueError("attendu : {préfixe d'URL: {en-tête: valeur}}")
    return value


def text_list(value):
    instance_of(list, tuple)(value)
    if not all(isinstance(item, str) and item for item in value):
        raise ConfigValueError("attendu : une liste de textes non vides")
    return list(value)


def page_kinds(value, *, allow_empty: bool = False):
    """{kind: [required key, …]}: at least one kind; keys the metadata check knows."""
    from .metadata import FIELDS
    instance_of(dict)(value)
    if not value and not allow_empty:
        raise ConfigValueError("attendu : au moins un type de page")
    for kind, keys in value.items():
        if not isinstance(kind, str) or not kind or not isinstance(keys, list | tuple):
            raise ConfigValueError("attendu : {type de page: [clés obligatoires]}")
        unknown = [k for k in keys if k not in FIELDS]
        if unknown:
            raise ConfigValueError(f"clé(s) inconnue(s) {', '.join(map(str, unknown))} pour le "
                                   f"type « {kind} » ; clés connues : {', '.join(FIELDS)}")
    return {kind: tuple(keys) for kind, keys in value.items()}


def licence_table(value):
    """{SPDX id: [name shown to readers, URL of the text]}."""
    instance_of(dict)(value)
    for spdx, entry in value.items():
        if not (isinstance(spdx, str) and isinstance(entry, list | tuple) and len(entry) == 2
                and all(isinstance(x, str) and x for x in entry)
                and entry[1].startswith(("https://", "http://"))):
            raise ConfigValueError("attendu : {identifiant SPDX: (nom, adresse https://…)}")
    return {spdx: (entry[0], entry[1]) for spdx, entry in value.items()}


PDF_NAME_FIELDS = ("version", "month", "year", "day")


def pdf_name(value):
    """A file name pattern ending in .pdf, with {version}, {month}, {year}, {day} only."""
    instance_of(str)(value)
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    except ValueError as exc:
        raise ConfigValueError(f"motif illisible ({exc})") from None
    if not value.endswith(".pdf") or "/" in value or names - set(PDF_NAME_FIELDS):
        raise ConfigValueError("attendu : un nom de fichier en .pdf, avec au plus "
                               + ", ".join("{" + f + "}" for f in PDF_NAME_FIELDS))
    return value


def dotted_table(value):
    instance_of(str)(value)
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", value):
        raise ConfigValueError("attendu : le nom d'une table TOML, par exemple tool.guide.release")
    return value


# -- the settings --------------------------------------------------------------------------------

def setting(default, validator, help: str, rebuild: str = "env", *, types=()) -> Any:
    types = types or ((int, float) if isinstance(default, float) else (type(default),))
    factory = (lambda: type(default)(default)) if isinstance(default, list | dict) else None
    metadata = {"validator": validator, "help": help, "rebuild": rebuild, "types": types}
    if factory:
        return dc.field(default_factory=factory, metadata=metadata)
    return dc.field(default=default, metadata=metadata)


DEFAULT_LICENCES = {
    "etalab-2.0": ("Licence Ouverte / Etalab 2.0",
                   "https://github.com/etalab/licence-ouverte/blob/master/LO.md"),
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International",
                  "https://creativecommons.org/licenses/by/4.0/deed.fr"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/deed.fr"),
    "CC0-1.0": ("Creative Commons Zero 1.0",
                "https://creativecommons.org/publicdomain/zero/1.0/deed.fr"),
    "MIT": ("Licence MIT", "https://spdx.org/licenses/MIT.html"),
}


@dc.dataclass
class GuideConfig:
    """The extension's settings; in conf.py each is `guide_<field name>`."""

    # release: where its facts are written
    release_file: str = setting("pyproject.toml", instance_of(str),
                                "fichier TOML de la version publiée, relatif à conf.py")
    release_table: str = setting("tool.guide.release", dotted_table,
                                 "table de ce fichier qui décrit la version publiée")
    changelog: str = setting("", instance_of(str),
                             "historique des versions, relatif à conf.py (vide : non vérifié)", "")
    licences: dict = setting(DEFAULT_LICENCES, licence_table,
                             "licences nommées en pied de page : {SPDX: (nom, adresse)} ; tout "
                             "autre identifiant SPDX renvoie à spdx.org", "html")
    # pages: the front matter each kind of page must have
    page_kinds: dict = setting({"page": ["title", "description"]}, page_kinds,
                               "types de page (clé `type`) et leurs clés obligatoires")
    page_optional_keys: dict = setting({}, lambda v: page_kinds(v, allow_empty=True),
                                       "clés permises en plus, par type de page")
    default_page_kind: str = setting("page", instance_of(str),
                                     "type d'une page sans `type` valide")
    # links and licences
    links_replace_builtin: bool = setting(True, flag, "signaler les liens internes cassés par "
                                          "cette vérification seule, pas aussi par Sphinx/MyST",
                                          types=(bool,))
    asset_folders: list = setting([], text_list, "dossiers dont chaque fichier (image, police, "
                                  "téléchargement…) doit avoir sa licence déclarée (REUSE), "
                                  "relatifs à conf.py ; vide : pas de vérification", "")
    licence_footer: bool = setting(True, flag, "exiger sur chaque page publiée un lien "
                                   "rel=\"license\" vers sa licence dans <footer>", "",
                                   types=(bool,))
    # PDF
    pdf_name: str = setting("guide-{version}.pdf", pdf_name,
                            "nom du PDF ; {version}, {month}, {year}, {day} de la version publiée")
    pdf_dir: str = setting("", instance_of(str), "dossier du PDF construit, relatif à conf.py "
                           "(défaut : le dossier `pdf` à côté de la sortie HTML)")
    pdf_link: bool = setting(False, flag, "proposer le PDF sur le site (menu, {guide-download}) ; "
                             "il doit être construit avant (constructeur guidepdf)",
                             types=(bool,))
    pdf_keywords: str = setting("", instance_of(str), "mots-clés des métadonnées du PDF")
    # external links (make linkcheck)
    linkcheck_workers: int = setting(128, integer(1), "requêtes simultanées au plus, tous hôtes "
                                     "confondus (comme lychee)", "")
    linkcheck_per_host: int = setting(6, integer(1), "requêtes simultanées au plus vers un même "
                                      "hôte", "")
    linkcheck_host_interval: float = setting(0.02, number(0), "délai minimal (s) entre deux "
                                             "requêtes vers un même hôte", "")
    linkcheck_timeout: float = setting(15.0, number(0), "délai (s) d'une requête", "")
    linkcheck_deadline: float = setting(600.0, number(0), "durée maximale (s) de toute la "
                                        "vérification", "")
    linkcheck_retries: int = setting(2, integer(0), "nouvelles tentatives après une erreur "
                                     "passagère", "")
    linkcheck_backoff: float = setting(0.5, number(0), "attente (s) avant la 1re nouvelle "
                                       "tentative, doublée ensuite", "")
    linkcheck_max_retry_after: float = setting(120.0, number(0), "attente maximale (s) acceptée "
                                               "d'un Retry-After", "")
    linkcheck_accepted_status: list = setting([], status_codes, "codes HTTP acceptés en plus de "
                                              "2xx", "")
    linkcheck_ignore: list = setting([], regex_list, "expressions régulières d'URL à ne pas "
                                     "vérifier", "")
    linkcheck_headers: dict = setting({}, headers_map, "en-têtes par préfixe d'URL "
                                      "({'https://x/': {'Accept': '…'}})", "")
    linkcheck_allowed_redirects: dict = setting({}, regex_map, "redirections permises : "
                                                "{regex source: regex cible}", "")
    linkcheck_anchors: bool = setting(True, flag, "vérifier les #ancres dans le HTML reçu", "",
                                      types=(bool,))
    linkcheck_cache: str = setting("", instance_of(str), "fichier cache (défaut : "
                                   "linkcheck-cache.json dans le dossier de sortie)", "")
    linkcheck_cache_ttl: float = setting(7 * 86400.0, number(0), "durée de validité (s) d'un "
                                         "succès en cache", "")
    linkcheck_refresh: bool = setting(False, flag, "ignorer le cache (make linkcheck FORCE=1)",
                                      "", types=(bool, int, str))
    linkcheck_user_agent: str = setting("sphinx-guide-linkcheck", instance_of(str),
                                        "User-Agent des requêtes", "")


PREFIX = "guide_"


def default_of(f: dc.Field) -> Any:
    return f.default_factory() if f.default_factory is not dc.MISSING else f.default


def settings(app: Sphinx) -> GuideConfig:
    """The validated settings of this application."""
    cfg = getattr(app, "_guide_config", None)
    if cfg is None:
        cfg = app._guide_config = from_config(app.config)  # noqa: SLF001 - per application
    return cfg


def from_config(config: Config) -> GuideConfig:
    return GuideConfig(**{f.name: getattr(config, PREFIX + f.name) for f in dc.fields(GuideConfig)})


def validate(app: Sphinx, config: Config) -> None:
    """config-inited: each wrong value reported once (guide.config) and replaced by its default;
    then the settings are fixed for the whole build."""
    for f in dc.fields(GuideConfig):
        name = PREFIX + f.name
        value = getattr(config, name)
        try:
            value = f.metadata["validator"](value)
        except ConfigValueError as exc:
            default = default_of(f)
            logger.warning(f"conf.py : {name} = {value!r} : {exc} ; valeur par défaut utilisée : "
                           f"{default!r} ({f.metadata['help']})", type="guide", subtype="config")
            value = f.metadata["validator"](default)
        setattr(config, name, value)
    if config.guide_default_page_kind not in config.guide_page_kinds:
        first = next(iter(config.guide_page_kinds))
        logger.warning(f"conf.py : guide_default_page_kind = {config.guide_default_page_kind!r} "
                       f"n'est pas un des types de guide_page_kinds ; « {first} » utilisé",
                       type="guide", subtype="config")
        config.guide_default_page_kind = first
    app._guide_config = from_config(config)  # noqa: SLF001 - per application


def _float_default(value: float):
    def default(config: Config) -> float:
        return value
    return default


def setup_config(app: Sphinx) -> None:
    for f in dc.fields(GuideConfig):
        default = default_of(f)
        if isinstance(default, float):
            # Sphinx 9 converts a `-D name=value` by the type of the default and refuses a
            # float one ("unsupported type"); it passes the text on for a callable default,
            # which number() then converts and checks (review M9).
            default = _float_default(default)
        app.add_config_value(PREFIX + f.name, default, f.metadata["rebuild"],
                             types=f.metadata["types"], description=f.metadata["help"])
    # Before every other config-inited listener: they read validated values.
    app.connect("config-inited", validate, priority=300)
