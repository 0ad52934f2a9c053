"""Reading PDFs back as a person and a scanner would: page sizes, text, barcodes."""

from io import BytesIO

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    return [
        (float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(BytesIO(pdf)).pages
    ]


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def page_barcodes(pdf: bytes) -> list[list[tuple[str, str]]]:
    """Each page's barcodes as (format, text), read from the page rendered at 216 dpi."""
    document = pdfium.PdfDocument(pdf)
    try:
        found = []
        for index in range(len(document)):
            image = document[index].render(scale=3).to_pil()
            found.append(
                [(barcode.format.name, barcode.text) for barcode in zxingcpp.read_barcodes(image)]
            )
        return found
    finally:
        document.close()
