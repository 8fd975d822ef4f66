"""Horizontal bar charts drawn on the server as SVG: the label above each bar, the number
after it; the table beside the chart carries the same figures."""

from dataclasses import dataclass

BAR_AREA = 320  # width of the longest bar in SVG units
ROW_HEIGHT = 44


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    y: int
    width: int


def bars(chart: list[tuple[str, int | float]]) -> list[Bar]:
    largest = max((value for _label, value in chart), default=0) or 1
    return [
        Bar(label, value, index * ROW_HEIGHT, round(BAR_AREA * value / largest))
        for index, (label, value) in enumerate(chart)
    ]


def chart_height(chart: list) -> int:
    return max(len(chart), 1) * ROW_HEIGHT
