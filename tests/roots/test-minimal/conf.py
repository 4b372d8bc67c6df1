# Another Sphinx project using the extension as installed by `pip install` from the repository:
# nothing of the guide's configuration, its own release file, kinds of pages and footer.
project = "Un autre projet"
language = "fr"
html_theme = "basic"
templates_path = ["_templates"]
extensions = ["myst_parser", "guide"]

guide_release_file = "version.toml"
guide_release_table = "version"
guide_changelog = ""
guide_page_kinds = {"article": ["title", "date"]}
guide_default_page_kind = "article"
guide_pdf_link = False
