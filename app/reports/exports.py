"""An indicator table as CSV: the same cells as on the page."""

import csv
import io

from ..partners.exports import _cell
from .services import SUPPRESSION_RULE, Table


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show umlauts right. A table of
    people counts starts with a row naming the suppression rule."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table.is_suppressed:
        writer.writerow([str(SUPPRESSION_RULE)])
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(str(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode()
