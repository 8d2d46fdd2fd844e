"""A hand-made log with every defect the issue lists: each counted, by hand, with its rows."""

import textwrap

import pytest

from simulator.cli import main
from simulator.fitting import LogError, clean, parse_mapping, read_tickets

# Rows (file lines): 2-9 usable on Monday 2 March; 10 a duplicate of 3; 11 called before issued; 12 ended on
# another day (a clock jump); 13 no end time; 14 issued before the row above (out of order); 15 an unreadable
# time; 16 no service. Days 9-23 March: four Mondays of ten tickets each, and one Monday (30 March) with one:
# the system was down.
HEAD = "No;Layanan;Loket;Ambil;Panggil;Selesai\n"
GOOD = [
    f"A{k:03d};ktp;1;02/03/2026 08:{10 + k:02d};02/03/2026 08:{12 + k:02d};02/03/2026 08:{15 + k:02d}" for k in range(8)
]
BAD = [
    "A001;ktp;1;02/03/2026 08:11;02/03/2026 08:13;02/03/2026 08:16",
    "A020;ktp;1;02/03/2026 09:00;02/03/2026 08:50;02/03/2026 09:05",
    "A021;ktp;1;02/03/2026 09:10;02/03/2026 09:12;03/03/2026 09:15",
    "A022;ktp;1;02/03/2026 09:20;02/03/2026 09:22;",
    "A023;ktp;1;02/03/2026 08:05;02/03/2026 08:06;02/03/2026 08:09",
    "A024;ktp;1;02/03/2026 25:61;02/03/2026 09:32;02/03/2026 09:35",
    "A025;;1;02/03/2026 09:40;02/03/2026 09:42;02/03/2026 09:45",
]
MONDAYS = [
    f"B{day}{k};kk;2;{day:02d}/03/2026 09:{k * 5:02d};{day:02d}/03/2026 09:{k * 5 + 1:02d};"
    f"{day:02d}/03/2026 09:{k * 5 + 3:02d}"
    for day in (9, 16, 23)
    for k in range(10)
] + ["C1;kk;2;30/03/2026 09:00;30/03/2026 09:01;30/03/2026 09:03"]


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "antrian.csv"
    path.write_text(HEAD + "\n".join(GOOD + BAD + MONDAYS) + "\n")
    return path


MAPPING = parse_mapping("ticket=No,service=Layanan,counter=Loket,issued=Ambil,called=Panggil,ended=Selesai")


def test_every_defect_is_counted_with_its_rows(messy):
    log = clean(read_tickets(messy, MAPPING))
    found = {key: (d.count, d.rows) for key, d in log.defects.found.items()}
    assert found["unreadable_time"] == (1, [15])
    assert found["missing_field"] == (1, [16])
    assert found["duplicate_ticket"] == (1, [10])
    assert found["negative_duration"] == (1, [11])
    assert found["clock_jump"] == (1, [12])
    assert found["missing_end"] == (1, [13])
    assert found["out_of_order"] == (1, [14])
    assert found["system_down"] == (1, [47])  # the header, 8 + 7 + 30 rows before it: line 47
    assert len(log.tickets) == 8 + 2 + 31  # usable Monday rows, the missing end and the out-of-order, 31 kk
    assert [day.day for day in log.down_days] == [30]


def test_a_missing_column_and_an_unreadable_column_are_named(messy, tmp_path):
    with pytest.raises(LogError, match=r"antrian.csv: no column for 'called'.*--columns called=COLUMN"):
        read_tickets(messy, parse_mapping("service=Layanan"))
    broken = tmp_path / "broken.csv"
    broken.write_text("service,issued,called,ended\nktp,yesterday,soon,later\n")
    with pytest.raises(LogError, match=r"broken.csv row 2, column 'issued': 'yesterday' is not a date"):
        read_tickets(broken)


def test_the_command_refuses_a_bad_log_with_exit_2_and_no_traceback(tmp_path, capsys):
    bad = tmp_path / "log.csv"
    bad.write_text("service,issued\nktp,2026-03-02 08:00\n")
    assert main(["fit", str(bad), "--out", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "log.csv: no column for 'called'" in err and "Traceback" not in err
    assert not (tmp_path / "s.yaml").exists()
    assert main(["fit", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err


def test_the_command_fits_the_messy_log_and_warns_of_each_defect(messy, tmp_path, capsys):
    out = tmp_path / "office.yaml"
    columns = "ticket=No,service=Layanan,counter=Loket,issued=Ambil,called=Panggil,ended=Selesai"
    assert main(["fit", str(messy), "--columns", columns, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    for what in (
        "cannot be read",
        "duplicate",
        "called before issued",
        "jumped",
        "without an end",
        "out of order",
        "system was down",
    ):
        assert what in err
    assert "counter:" in out.read_text()


def test_column_mapping_refuses_an_unknown_field():
    with pytest.raises(LogError, match="unknown field 'servce'; did you mean 'service'"):
        parse_mapping("servce=Layanan")


def test_a_ticket_log_of_clock_times_with_a_date_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        textwrap.dedent("""\
        tanggal,layanan,ambil,dipanggil,selesai
        2026-03-02,ktp,08:00,08:05,08:09
        2026-03-03,ktp,08:30,08:31,
    """)
    )
    tickets = read_tickets(path)
    assert tickets["called"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-03-02 08:05", "2026-03-03 08:31"]
