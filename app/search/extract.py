"""The words inside an uploaded document, read by well-kept libraries: pypdf for PDF,
python-docx for Word (DOCX), odfpy for OpenDocument text. Anything else (images, old
binary Office files, spreadsheets) yields no text; a damaged file yields none either, so
an upload never fails because its text could not be read."""

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
MAX_CHARS = 500_000  # enough for a long report; the index stays small


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _odt(path: Path) -> str:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(str(path))
    return "\n".join(
        teletype.extractText(element)
        for element in document.getElementsByType(text.P) + document.getElementsByType(text.H)
    )


READERS = {PDF: _pdf, DOCX: _docx, ODT: _odt}


def document_text(path: Path, content_type: str) -> str:
    reader = READERS.get(content_type)
    if reader is None or not path.is_file():
        return ""
    try:
        return reader(path)[:MAX_CHARS]
    except Exception:  # a damaged or odd file: findable by its title, not its text
        logger.warning("could not read the text of %s", path.name, exc_info=True)
        return ""
