#!/usr/bin/env python3
"""Where the PDF's bytes go, and what the tagging costs.

1. Splits the built PDF (`make pdf`) by kind of object, using the sizes of the stored
   (compressed) streams: embedded fonts, page content streams, images, object streams (the
   structure tree, annotations and other small objects, compressed together), the rest.
2. Renders the same single HTML page again with WeasyPrint, untagged, to measure what the
   PDF/UA tagging (structure tree + marked content) adds.

Usage: .venv/bin/python bench/pdf_bytes.py   (after `make pdf`)
Prints Markdown tables (paste them in bench/README.md).
"""

from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject

ROOT = Path(__file__).resolve().parents[1]
PDF_DIR = ROOT / "_build" / "pdf"
sys.path.insert(0, str(ROOT / "_ext"))

from guide.release import project_release  # noqa: E402 - the extension's own name for the file


def kind_of(obj, contents: set[int], num: int) -> str:
    t, sub = obj.get("/Type"), obj.get("/Subtype")
    if t == "/ObjStm":
        return "flux d'objets (arbre de structure, annotations, petits objets)"
    if t == "/XRef":
        return "table des références"
    if sub == "/Image":
        return "images"
    if num in contents:
        return "contenu des pages (texte, traits)"
    if "/Length1" in obj or sub in ("/CIDFontType0C", "/OpenType", "/Type1C"):
        return "polices incorporées (sous-ensembles)"
    if t == "/Metadata":
        return "métadonnées XMP"
    return "autres flux"


def breakdown(path: Path) -> tuple[Counter, int]:
    reader = PdfReader(str(path))
    contents = set()
    for page in reader.pages:
        ref = page.get_object().raw_get("/Contents")
        refs = ref if isinstance(ref, list) else [ref]
        contents.update(r.idnum for r in refs if isinstance(r, IndirectObject))
    sizes: Counter = Counter()
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(IndirectObject(num, 0, reader))
        except Exception:  # noqa: BLE001 - free entries and objects stored in object streams
            continue
        if isinstance(obj, StreamObject):
            sizes[kind_of(obj, contents, num)] += len(obj._data)
    total = path.stat().st_size
    sizes["dictionnaires hors flux, en-têtes"] = total - sum(sizes.values())
    return sizes, len(reader.pages)


def untagged_size(html: Path) -> int:
    from weasyprint import HTML

    out = io.BytesIO()
    HTML(filename=str(html)).write_pdf(out, optimize_images=True, presentational_hints=False)
    return len(out.getvalue())


def n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def main() -> None:
    pdf = PDF_DIR / project_release(ROOT).pdf_name
    if not pdf.exists():
        sys.exit(f"{pdf.relative_to(ROOT)} manque : lancez d'abord `make pdf`.")
    sizes, pages = breakdown(pdf)
    total = pdf.stat().st_size
    print(f"{pdf.name} : {n(total)} octets, {pages} pages\n")
    print("| Part | Octets | % |")
    print("|---|---:|---:|")
    for kind, size in sizes.most_common():
        print(f"| {kind} | {n(size)} | {100 * size / total:.1f} |")
    untagged = untagged_size(PDF_DIR / "index.html")
    print(f"\nMême page rendue sans balisage : {n(untagged)} octets ; le balisage PDF/UA ajoute "
          f"{n(total - untagged)} octets ({100 * (total - untagged) / untagged:.0f} %).")


if __name__ == "__main__":
    main()
