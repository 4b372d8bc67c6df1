"""Sphinx configuration of the « Guide pratique pour des achats numériques responsables ».

Everything about the guide's release (version, dates, licence, authors) is in pyproject.toml
([tool.guide.release]); our extension (`guide`, installed by `make` from this repository, see
_ext/guide) reads it and fills version, release, author, copyright and the MyST substitutions
({{ version_title }}…): nothing here repeats it.
"""

from pathlib import Path

ROOT = Path(__file__).parent.resolve()

project = "Guide pratique pour des achats numériques responsables"
language = "fr"
today_fmt = "%d/%m/%Y"

extensions = ["myst_parser", "sphinx_design", "guide"]

root_doc = "index"
exclude_patterns = ["_build", "_data", "_fragments", "**/.*"]
templates_path = [str(ROOT / "_templates")]
html_static_path = [str(ROOT / "_static")]

# MyST: colon fences for sphinx-design, attributes for lang="en" and ids, {{ substitutions }}.
myst_enable_extensions = [
    "colon_fence", "attrs_inline", "attrs_block", "deflist",
    "linkify", "substitution", "smartquotes",
]
myst_linkify_fuzzy_links = False   # `bureautique.md` must stay a file name, not http://bureautique.md
myst_heading_anchors = 3

# HTML: a small theme of our own on top of Sphinx's `basic` (see README, « Thème »).
html_theme = "basic"
html_use_index = False  # no general index page: the sidebar, the search and the glossary serve
html_scaled_image_link = False  # a resized image is not a link to itself (and no file:// link in the PDF)
html_title = project
html_short_title = "Guide des achats numériques responsables"
html_permalinks_icon = "#"
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_last_updated_fmt = None
html_search_language = "fr"
html_sidebars = {"**": []}
html_baseurl = "https://ecoresponsable.numerique.gouv.fr/publications/guide-pratique-achats-numeriques-responsables/"
html_favicon = str(ROOT / "_static" / "favicon.svg")
html_style = ["guide.css"]
guide_dsfr_dist = str(ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist")  # the DSFR (npm, package.json)
guide_pagefind = str(ROOT / "node_modules" / ".bin" / "pagefind")  # the search (npm, package.json)
html_theme_options = {"nosidebar": True}


# The guide's own checks (see _ext/guide/config.py for every setting, and README, « Ce que
# disent les vérifications »): what is specific to this guide is set here.
guide_release_file = str(ROOT / "pyproject.toml")
guide_release_table = "tool.guide.release"
guide_changelog = str(ROOT / "CHANGELOG.md")
guide_page_kinds = {   # `type` of a page -> the keys its front matter must have
    "home": ["title", "description", "type", "date", "updated"],
    "page": ["title", "description", "type", "date", "updated"],
    "section": ["title", "description", "type", "date", "updated"],
    "fiche": ["title", "description", "type", "date", "updated"],
    "news": ["title", "description", "type", "date", "link", "linkTitle"],
}
guide_page_optional_keys = {"news": ["announces"]}
guide_default_page_kind = "page"
guide_asset_folders = [str(ROOT / "docs"), str(ROOT / "_static")]  # each picture, font, download
guide_pdf_link = True  # the site offers the PDF, built first by `make` (make pdf)
guide_pdf_name = "guide-achats-numeriques-responsables-version-{version}-{month}-{year}.pdf"
guide_pdf_keywords = "achats publics, numérique responsable, écoconception, réemploi, DEEE, labels, commande publique"
guide_linkcheck_user_agent = "guide-achats-linkcheck/1.0 (+https://ecoresponsable.numerique.gouv.fr/)"
