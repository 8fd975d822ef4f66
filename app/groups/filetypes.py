"""What an uploaded file really is, judged by its content (magic bytes and, for office
files, the parts inside the ZIP container), never by its name alone."""

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", ("pdf",))
PNG = FileType("PNG", "image/png", ("png",))
JPEG = FileType("JPEG", "image/jpeg", ("jpg", "jpeg"))
GIF = FileType("GIF", "image/gif", ("gif",))
WEBP = FileType("WebP", "image/webp", ("webp",))
DOCX = FileType(
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileType(
    "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
PPTX = FileType(
    "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODF = {
    b"application/vnd.oasis.opendocument.text": FileType(
        "OpenDocument", "application/vnd.oasis.opendocument.text", ("odt",)
    ),
    b"application/vnd.oasis.opendocument.spreadsheet": FileType(
        "OpenDocument", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)
    ),
    b"application/vnd.oasis.opendocument.presentation": FileType(
        "OpenDocument", "application/vnd.oasis.opendocument.presentation", ("odp",)
    ),
}
# The old binary Office formats share one container (OLE2); the name tells them apart.
LEGACY_OFFICE = {
    "doc": FileType("Word", "application/msword", ("doc",)),
    "xls": FileType("Excel", "application/vnd.ms-excel", ("xls",)),
    "ppt": FileType("PowerPoint", "application/vnd.ms-powerpoint", ("ppt",)),
}
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}

ALLOWED_EXTENSIONS = sorted(
    {ext for t in (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX) for ext in t.extensions}
    | {ext for t in ODF.values() for ext in t.extensions}
    | set(LEGACY_OFFICE)
)


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _zip_type(content: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return ODF.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                for part, file_type in OOXML_PARTS.items():
                    if part in names:
                        return file_type
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def detect(content: bytes, filename: str) -> FileType | None:
    """The allowed type the content is, or None. The name only chooses between the old
    Office formats, which cannot be told apart by their first bytes."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if head.startswith(OLE2_MAGIC):
        return LEGACY_OFFICE.get(extension_of(filename))
    return None
