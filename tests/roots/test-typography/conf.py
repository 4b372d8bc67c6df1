# The guide's real configuration, applied to this tiny project (GUIDE_ROOT is set by conftest.py).
import os
from pathlib import Path

_real = Path(os.environ["GUIDE_ROOT"]) / "conf.py"
__file__ = str(_real)  # noqa: A001 - the real conf.py locates the project from its own path
exec(compile(_real.read_text(encoding="utf-8"), str(_real), "exec"))
guide_pdf_link = False  # test projects have no PDF beside them
