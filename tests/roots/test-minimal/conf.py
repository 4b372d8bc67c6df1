# Another Sphinx project using the extension as installed by `pip install` from the repository:
# nothing of the guide's configuration, its own release file, kinds of pages and footer; no
# changelog and no PDF (the defaults).
project = "Un autre projet"
language = "fr"
html_theme = "basic"
templates_path = ["_templates"]
extensions = ["myst_parser", "guide"]

guide_release_file = "version.toml"
guide_release_table = "version"
guide_page_kinds = {"article": ["title", "date"]}
guide_default_page_kind = "article"
