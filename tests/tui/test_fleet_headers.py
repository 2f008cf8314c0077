"""Pilot tests of the fleet table's header as drawn: every name and unit whole, right-aligned."""

from __future__ import annotations

import pytest
from textual.strip import Strip

from firmware_sim.fleet import Fleet
from nanoheater.tui.widgets.fleet_table import COLUMNS, NUMERIC, FleetTable
from tests.fleets import MODELS
from tests.tui.conftest import AppFactory, settle


def _spans(table: FleetTable) -> list[tuple[int, int]]:
    """Each column's text span on screen: [start, end) inside its cell padding."""
    spans, x = [], 0
    padding = table.cell_padding
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        spans.append((x + padding, x + width - padding))
        x += width
    return spans


def _text(strip: Strip) -> str:
    return strip.text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_every_header_shows_its_unit_whole_over_right_aligned_numbers(
    make_app: AppFactory, sim_fleet: Fleet, size: tuple[int, int]
) -> None:
    """Pins Chip and Room (and Target) headed °C, no header cut, numeric headers flush right."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        assert table.row_count == len(MODELS)
        assert table.virtual_size.width <= table.size.width, "every column fits"
        header = [_text(table.render_line(y)) for y in range(table.header_height)]
        rows = [
            _text(table.render_line(y))
            for y in range(table.header_height, table.header_height + table.row_count)
        ]
        drawn = {}
        for (key, label), (start, end) in zip(COLUMNS, _spans(table), strict=True):
            lines = label.split("\n")
            cells = [line[start:end] for line in header]
            drawn[key] = [cell.strip() for cell in cells]
            assert drawn[key] == lines + [""] * (len(header) - len(lines)), (key, cells)
            if key in NUMERIC:
                for cell in [*cells[: len(lines)], *(row[start:end] for row in rows)]:
                    assert cell == cell.strip().rjust(end - start), (key, cell)
        assert drawn["chip"][1] == drawn["room"][1] == "°C"
