# A Sphinx project of its own (not the guide's conf.py) that uses the installed extension with
# the guide's kinds of pages, a release file and a changelog of its own, and a theme (Sphinx's
# basic) whose footer names the licence (_templates/layout.html).
project = "Projet de test des métadonnées"
language = "fr"
html_theme = "basic"
extensions = ["myst_parser", "guide"]
templates_path = ["_templates"]
exclude_patterns = ["_build", "CHANGELOG.md"]

guide_release_file = "release.toml"
guide_release_table = "release"
guide_changelog = "CHANGELOG.md"
guide_page_kinds = {
    "home": ["title", "description", "type", "date", "updated"],
    "page": ["title", "description", "type", "date", "updated"],
    "fiche": ["title", "description", "type", "date", "updated"],
    "news": ["title", "description", "type", "date", "link", "linkTitle"],
}
guide_page_optional_keys = {"news": ["announces"]}
guide_pdf_link = False
