"""Our Sphinx extension: the guide's theme glue, news, French typography, and checks (links,
licence, metadata, PDF).

Like sphinx-design's extension.py, setup() only composes one setup_* per concern.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from .config import setup_config
from .dsfr import setup_dsfr
from .findings import setup_findings
from .lang import setup_lang
from .licence import setup_licence
from .links import setup_links
from .linkcheck import setup_linkcheck
from .markup import setup_markup
from .metadata import setup_metadata
from .news import setup_news
from .pdf import setup_pdf
from .release import setup_release
from .search import setup_search
from .theme import setup_theme
from .typography import setup_typography

__version__ = "0.2.0"
# Bump when what the extension stores in the environment or puts in the doctrees changes:
# Sphinx then re-reads every page instead of reusing stale doctrees.
ENV_VERSION = 12


def setup(app: Sphinx) -> dict:
    setup_config(app)      # every guide_* setting, declared and validated once
    setup_release(app)     # the release, read once; fills version, author, substitutions
    setup_findings(app)
    setup_theme(app)
    setup_dsfr(app)
    setup_markup(app)
    setup_search(app)
    setup_news(app)
    setup_typography(app)
    setup_lang(app)
    setup_metadata(app)
    setup_licence(app)
    setup_links(app)
    setup_linkcheck(app)
    setup_pdf(app)
    return {"version": __version__, "env_version": ENV_VERSION,
            "parallel_read_safe": True, "parallel_write_safe": True}
