"""Reading a ticket log with Arrow: the same times as pandas reads, the file's own row numbers, clear refusals."""

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.fitting import LogError, clean, read_tickets
from simulator.fitting.times import parse_times

HEAD = "ticket,service,issued,called,ended\n"


def test_a_log_not_in_utf8_is_refused_naming_its_line(tmp_path):
    path = tmp_path / "antrian.csv"
    path.write_bytes((HEAD + "1,ktp,2026-03-02 08:00,2026-03-02 08:01,2026-03-02 08:05\n").encode()
                     + "2,kartu keluarga (café),2026-03-02 08:00,,\n".encode("cp1252"))  # fmt: skip
    with pytest.raises(LogError, match=r"antrian.csv: line 3: not UTF-8 text: byte 0xe9 .*Latin-1"):
        read_tickets(path)


def test_a_row_with_more_cells_than_the_header_is_named(tmp_path):
    path = tmp_path / "antrian.csv"
    path.write_text(HEAD + "1,ktp,2026-03-02 08:00,2026-03-02 08:01,2026-03-02 08:05\n2,ktp,a,b,c,d\n")
    with pytest.raises(LogError, match=r"antrian.csv row 3: 6 cells where the header has 5: not readable as CSV"):
        read_tickets(path)


def test_blank_lines_and_spaces_keep_the_files_rows_and_values(tmp_path):
    path = tmp_path / "antrian.csv"
    path.write_text(
        HEAD + "1, ktp ,2026-03-02 08:00, 2026-03-02 08:01 ,2026-03-02 08:05\n\n,,,,\n"
        "2,ktp,2026-03-02 08:10,2026-03-02 8:61,2026-03-02 08:15\n3,kk,2026-03-02 08:20,,\n"
    )
    tickets = read_tickets(path)
    assert tickets["row"].tolist() == [2, 5, 6]  # the file's lines: the blank line and the empty row left out
    assert tickets["service"].tolist() == ["ktp", "ktp", "kk"]
    assert tickets["called"].iloc[0] == pd.Timestamp("2026-03-02 08:01")
    assert tickets["unreadable"].tolist() == [False, True, False]  # 8:61 cannot be read; a missing time can
    assert clean(tickets).defects.found["unreadable_time"].rows == [5]


def test_only_the_columns_of_a_ticket_are_read(tmp_path):
    path = tmp_path / "antrian.csv"
    path.write_text("catatan,service,issued,called,ended\n\"said: \"\"fine\"\"\",ktp,2026-03-02 08:00,,\n")
    tickets = read_tickets(path)
    assert "catatan" not in tickets and tickets["desk"].tolist() == ["office"]


LAYOUTS = {
    "ISO8601": ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f"),
    "%d/%m/%Y %H:%M": ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
    "%m/%d/%Y %I:%M %p": ("%m/%d/%Y %I:%M %p",),
}
times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(LAYOUTS)), st.lists(st.tuples(times, st.integers(0, 3), st.sampled_from(["", " "])),
                                                   min_size=1, max_size=40), st.data())  # fmt: skip
def test_times_read_as_pandas_reads_them(fmt, values, data):
    """Arrow reads a column's usual layout, pandas the rest: together they read every value as pandas alone does."""
    layouts = LAYOUTS[fmt]
    text = [space + (moment + timedelta(seconds=0)).strftime(layouts[pick % len(layouts)]) + space
            for moment, pick, space in values]  # fmt: skip
    text += data.draw(st.lists(st.sampled_from(["", "soon", "31/02/2026 08:00", "2026-02-31 08:00"]), max_size=3))
    column = pd.Series(text, dtype=object)
    expected = pd.to_datetime(column.str.strip(), format=fmt, errors="coerce")
    assert parse_times(column, fmt).tolist() == expected.astype("datetime64[ns]").tolist()
