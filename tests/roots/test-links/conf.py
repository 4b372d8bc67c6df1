# A Sphinx project of its own (not the guide's conf.py) that uses the installed extension.
project = "Projet de test des liens"
language = "fr"
html_theme = "basic"
extensions = ["myst_parser", "sphinx_design", "guide"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

guide_release_file = "release.toml"
guide_release_table = "release"
guide_changelog = ""
guide_page_kinds = {k: ["title", "description", "type", "date", "updated"] for k in ("home", "page")}
guide_page_kinds["news"] = ["title", "description", "type", "date", "link"]
suppress_warnings = ["image.nonlocal_uri"]
guide_licence_footer = False  # the basic theme has no licence footer: not what is tested here
guide_pdf_link = False
