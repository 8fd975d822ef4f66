"""Cell suppression (app.reports.suppression): every category keeps its row, small counts
read "< 5" and no withheld count can be worked out from a row or column total."""

import random

import pytest

from app.reports.suppression import Mark, suppress, unresolved_lines

# Rows NL, DE, country not stated; columns female, male, diverse, not stated. 4 Dutch and
# 11 German participants and one without a country; 6 women, 6 men, 4 not stated.
ISSUE_GRID = [[2, 2, 0, 0], [4, 4, 0, 3], [0, 0, 0, 1]]


def full_grid(table):
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    return grid


def _solvable(grid, fixed: dict, bound: int) -> bool:
    """Whether the withheld cells can take values (small: 0..4, hidden: 5..bound) so that
    every row and column adds up, with the cells in `fixed` held at the given values.
    Depth-first search, pruned by each line's least and greatest possible sums."""
    size_r, size_c = len(grid), len(grid[0])
    ranges = {}
    for r in range(size_r):
        for c in range(size_c):
            cell = grid[r][c]
            if (r, c) in fixed:
                ranges[r, c] = (fixed[r, c], fixed[r, c])
            elif not cell.is_withheld:
                ranges[r, c] = (cell.value, cell.value)
            elif cell.mark is Mark.small:
                ranges[r, c] = (0, 4)
            else:
                ranges[r, c] = (5, bound)
    lines = [[(r, c) for c in range(size_c)] for r in range(size_r)]
    lines += [[(r, c) for r in range(size_r)] for c in range(size_c)]
    free = [p for p, (low, high) in ranges.items() if low != high]

    def possible(values):
        for line in lines:
            *parts, total = line
            low = sum(values.get(p, ranges[p][0]) for p in parts)
            high = sum(values.get(p, ranges[p][1]) for p in parts)
            t_low, t_high = (values[total],) * 2 if total in values else ranges[total]
            if high < t_low or low > t_high:
                return False
        return True

    def search(index, values):
        if not possible(values):
            return False
        if index == len(free):
            return True
        position = free[index]
        low, high = ranges[position]
        for value in range(low, high + 1):
            values[position] = value
            if search(index + 1, values):
                return True
        del values[position]
        return False

    return search(0, {})


def pinned_cells(table, bound: int = 40) -> list[tuple[int, int]]:
    """Withheld cells that can take only one value given everything shown (independent of
    the bounds narrowing in the application: a search over actual values)."""
    grid = full_grid(table)
    pinned = []
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if not cell.is_withheld:
                continue
            low, high = (0, 4) if cell.mark is Mark.small else (5, bound)
            feasible = 0
            for value in range(low, high + 1):
                feasible += _solvable(grid, {(r, c): value}, bound)
                if feasible > 1:
                    break
            if feasible < 2:
                pinned.append((r, c))
    return pinned


def test_every_country_and_gender_keeps_its_number_and_small_ones_read_small():
    table = suppress(ISSUE_GRID)
    countries = [cell.value if not cell.is_withheld else cell.mark for cell in table.row_totals]
    genders = [cell.value if not cell.is_withheld else cell.mark for cell in table.column_totals]
    assert countries == [Mark.small, 11, Mark.small]  # NL 4 and not stated 1 read "< 5"
    assert genders == [6, 6, Mark.small, Mark.small]  # the women and the men are shown
    assert table.total.value == 16
    assert not table.total.is_withheld
    assert unresolved_lines(table) == []


def test_no_withheld_cell_of_the_issue_table_can_be_worked_out():
    assert pinned_cells(suppress(ISSUE_GRID)) == []


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # One country: NL 4 beside DE 11 in a single column with its total.
        ([[4], [11]], ["small", "hidden", "hidden"]),
        ([[7], [5]], ["shown", "shown", "shown"]),
        ([[0], [3]], ["small", "small", "small"]),
        ([[0], [9]], ["small", "hidden", "hidden"]),
        ([[4], [3], [20]], ["small", "small", "shown", "shown"]),
    ],
)
def test_one_column_tables(counts, expected):
    table = suppress(counts)
    # The grand total of a one-column table is the column total: both cells are the same.
    marks = [row[0].mark.value for row in table.cells] + [table.total.mark.value]
    assert marks == expected
    assert unresolved_lines(table) == []


def test_a_hidden_cell_is_never_small_so_the_marks_give_nothing_away():
    rng = random.Random(17)  # noqa: S311 (test data, not secrets)
    for _ in range(400):
        rows, columns = rng.randint(1, 4), rng.randint(1, 5)
        counts = [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(columns)]
            for _ in range(rows)
        ]
        table = suppress(counts)
        assert unresolved_lines(table) == [], counts
        for row in full_grid(table):
            for cell in row:
                if cell.mark is Mark.small:
                    assert cell.value < 5
                else:
                    assert cell.value >= 5


def test_small_random_tables_hide_every_withheld_cell_among_several_values():
    rng = random.Random(4)  # noqa: S311 (test data, not secrets)
    for _ in range(25):
        counts = [[rng.choice([0, 1, 3, 6, 8]) for _ in range(3)] for _ in range(2)]
        assert pinned_cells(suppress(counts), bound=30) == [], counts


@pytest.mark.parametrize("counts", [[], [[]], [[1, 2], [3]], [[-1]]])
def test_bad_grids_are_refused(counts):
    with pytest.raises(ValueError, match="counts"):
        suppress(counts)
