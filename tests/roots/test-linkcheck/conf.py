# A Sphinx project of its own (not the guide's conf.py) that uses the installed extension; the
# tests write its page (links to servers they start) and append their guide_linkcheck_* settings.
project = "Projet de test des liens externes"
language = "fr"
html_theme = "basic"
extensions = ["myst_parser", "guide"]
myst_enable_extensions = ["linkify"]

guide_release_file = "release.toml"
guide_release_table = "release"
guide_changelog = ""
guide_page_kinds = {"page": ["title", "description", "type", "date", "updated"]}
guide_licence_footer = False
guide_pdf_link = False
