"""Cell suppression for tables of people counts, so that nobody in a small group can be
recognised and no category disappears.

A table is a grid of counts (rows x columns) shown with its row totals, column totals and
grand total. Every row and every column of that grid, totals included, is an equation
(the cells add up to the total), and a reader can solve any equation with exactly one
unknown. The rule:

1. Primary: a count below SMALL_CELL, zero included, is shown as "< 5" (true for each of
   them). Were zeros shown, a reader would know every "< 5" is at least 1, and such lower
   bounds add up along a total to give cells away.
2. Secondary: while some row or column (totals included) has exactly one hidden cell,
   one more cell of that line is hidden, so the equation has two unknowns. The cell chosen
   is the grand total if it is in the line, else the smallest count of at least SMALL_CELL
   among the inner cells, else among the totals. Such a cell is shown as "hidden"; it is
   never a small count, so a reader knows a small cell is 0 to SMALL_CELL - 1 and a hidden
   one at least SMALL_CELL - and nothing more.
3. Bounds: those two facts can still pin a cell down through several equations together
   (two "< 5" cells that add up to a total of 8 are both 4). The bounds of every withheld cell are
   narrowed line by line until nothing changes; while some withheld cell is left with a
   single possible value, one more cell is hidden (in its row or column when possible) and
   everything is checked again.

Every category keeps its row and column; only the number in a cell is withheld.
"""

import enum
from dataclasses import dataclass

SMALL_CELL = 5


class Mark(enum.Enum):
    shown = "shown"
    small = "small"  # primary: 0 .. SMALL_CELL - 1
    hidden = "hidden"  # secondary: would let a small cell be computed from a total


@dataclass(frozen=True)
class Cell:
    value: int
    mark: Mark = Mark.shown

    @property
    def is_withheld(self) -> bool:
        return self.mark is not Mark.shown


@dataclass(frozen=True)
class SuppressedTable:
    """`cells[r][c]` for the inner grid, `row_totals[r]`, `column_totals[c]`, `total`."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell


def _is_small(value: int, threshold: int) -> bool:
    return value < threshold


def suppress(counts: list[list[int]], threshold: int = SMALL_CELL) -> SuppressedTable:
    """The counts with their totals, each cell marked shown, small or hidden (see the module
    docstring for the rule). `counts` must be a non-empty rectangular grid of counts >= 0."""
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    if not rows or not columns or any(len(row) != columns for row in counts):
        raise ValueError("counts must be a non-empty rectangular grid")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts cannot be negative")

    # The full grid: row `rows` holds the column totals, column `columns` the row totals.
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(counts[r][c] for r in range(rows)) for c in range(columns)])
    grid[rows].append(sum(grid[rows][:columns]))
    marks = [
        [Mark.small if _is_small(value, threshold) else Mark.shown for value in row] for row in grid
    ]
    lines = [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]
    grand = (rows, columns)

    def preference(position: tuple[int, int]) -> tuple[int, int]:
        r, c = position
        if position == grand:
            level = 0
        elif r < rows and c < columns:
            level = 1
        else:
            level = 2
        return (level, grid[r][c])

    def withhold_lines() -> None:
        changed = True
        while changed:
            changed = False
            for line in lines:
                withheld = [p for p in line if marks[p[0]][p[1]] is not Mark.shown]
                if len(withheld) != 1:
                    continue
                candidates = [
                    p
                    for p in line
                    if marks[p[0]][p[1]] is Mark.shown and grid[p[0]][p[1]] >= threshold
                ]
                # The other cells of the line are shown, so at least SMALL_CELL each:
                # a candidate always exists.
                chosen = min(candidates, key=preference)
                marks[chosen[0]][chosen[1]] = Mark.hidden
                changed = True

    while True:
        withhold_lines()
        pinned = _pinned_cells(grid, marks, lines, threshold)
        if not pinned:
            break
        r, c = pinned[0]
        shown = [
            (rr, cc)
            for rr in range(rows + 1)
            for cc in range(columns + 1)
            if marks[rr][cc] is Mark.shown and grid[rr][cc] >= threshold
        ]
        if not shown:  # everything that may be withheld is: nothing more to do
            break
        near = [p for p in shown if p[0] == r or p[1] == c]
        chosen = min(near or shown, key=preference)
        marks[chosen[0]][chosen[1]] = Mark.hidden

    def cell(r: int, c: int) -> Cell:
        return Cell(grid[r][c], marks[r][c])

    return SuppressedTable(
        cells=[[cell(r, c) for c in range(columns)] for r in range(rows)],
        row_totals=[cell(r, columns) for r in range(rows)],
        column_totals=[cell(rows, c) for c in range(columns)],
        total=cell(rows, columns),
    )


def _pinned_cells(grid, marks, lines, threshold) -> list[tuple[int, int]]:
    """Withheld cells whose value follows from the shown cells, the totals and the bounds
    each mark implies (small: 0 .. threshold - 1; hidden: at least threshold), found by
    narrowing the bounds line by line until they stop changing."""
    infinite = float("inf")
    low, high = {}, {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            mark = marks[r][c]
            if mark is Mark.shown:
                low[r, c] = high[r, c] = value
            elif mark is Mark.small:
                low[r, c], high[r, c] = 0, threshold - 1
            else:
                low[r, c], high[r, c] = threshold, infinite
    changed = True
    while changed:
        changed = False
        for line in lines:
            total, parts = line[-1], line[:-1]
            # total = sum(parts): each side bounds the other.
            bounds = [(total, sum(low[p] for p in parts), sum(high[p] for p in parts))]
            for p in parts:
                others = [q for q in parts if q != p]
                bounds.append(
                    (
                        p,
                        low[total] - sum(high[q] for q in others),
                        high[total] - sum(low[q] for q in others),
                    )
                )
            for position, new_low, new_high in bounds:
                if new_low > low[position]:
                    low[position], changed = new_low, True
                if new_high < high[position]:
                    high[position], changed = new_high, True
    return [
        position
        for position, mark in (
            ((r, c), marks[r][c]) for r in range(len(grid)) for c in range(len(grid[0]))
        )
        if mark is not Mark.shown and low[position] == high[position]
    ]


def unresolved_lines(table: SuppressedTable) -> list[str]:
    """The rows and columns (totals included) with exactly one withheld cell: each would
    give that cell away. Empty for every table `suppress` returns; tests call this."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    problems = []
    for r, row in enumerate(grid):
        if sum(cell.is_withheld for cell in row) == 1:
            problems.append(f"row {r}")
    for c in range(len(grid[0])):
        if sum(grid[r][c].is_withheld for r in range(len(grid))) == 1:
            problems.append(f"column {c}")
    return problems
