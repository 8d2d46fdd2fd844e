"""Files a scenario names: only regular files inside its own folder, of bounded size, never echoed.

A scenario handed over by a stranger must not read `/etc/shadow` or the
environment and print them, hang on a FIFO, or read `/dev/zero` until memory
runs out. Errors name the file and the rule, and quote at most a short escaped
excerpt of what a file holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator.cli import main
from simulator.scenario import loading
from simulator.scenario.distributions import Empirical
from simulator.scenario.loading import FileRefusedError, ScenarioError, load_scenario, read_regular

Data = dict[str, Any]
SECRET = "root:*:20228:0:99999:7:::\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenario's folder, with a secret file beside it (outside it)."""
    (tmp_path / "secret.csv").write_text(f"count\n{SECRET}")
    inside = tmp_path / "scenario"
    inside.mkdir()
    return inside


def scenario_with(folder: Path, tiny_data: Data, csv: str, name: str = "scenario.yaml") -> Path:
    tiny_data["services"]["visit"]["arrivals"] = {"csv": csv, "column": "count", "per": "day"}
    path = folder / name
    path.write_text(yaml.safe_dump(tiny_data))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "root:*" not in message and "20228" not in message, "the file's content is echoed"
    return message


@pytest.mark.parametrize("csv", ["../secret.csv", "data/../../secret.csv", "{outside}/secret.csv"])
def test_a_file_outside_the_scenarios_folder_is_refused(folder: Path, tiny_data: Data, csv: str) -> None:
    path = scenario_with(folder, tiny_data, csv.format(outside=folder.parent))
    message = refusal(path)
    assert message.startswith("scenario.yaml: services.visit.arrivals.csv: ")
    assert "is outside the scenario's folder" in message and "after following links" in message


def test_system_files_are_refused(folder: Path, tiny_data: Data) -> None:
    for system in ("/etc/shadow", "/etc/passwd", "/proc/self/environ", "../../../../../../etc/passwd"):
        message = refusal(scenario_with(folder, tiny_data, system))
        assert "is outside the scenario's folder" in message, message
        assert os.environ.get("PATH", "<none>") not in message


def test_a_link_that_leads_out_is_refused_and_one_that_stays_in_is_followed(folder: Path, tiny_data: Data) -> None:
    (folder / "out.csv").symlink_to(folder.parent / "secret.csv")
    assert "'out.csv' is outside the scenario's folder" in refusal(scenario_with(folder, tiny_data, "out.csv"))
    (folder / "data").mkdir()
    (folder / "data" / "days.csv").write_text("count\n10\n30\n")
    (folder / "in.csv").symlink_to(folder / "data" / "days.csv")
    assert load_scenario(scenario_with(folder, tiny_data, "in.csv")).services["visit"].arrivals.per_day == 20


def test_a_link_to_a_device_is_refused(folder: Path, tiny_data: Data) -> None:
    (folder / "zero.csv").symlink_to("/dev/zero")
    assert "outside the scenario's folder" in refusal(scenario_with(folder, tiny_data, "zero.csv"))


def test_a_fifo_inside_the_folder_is_refused_at_once(
    folder: Path, tiny_data: Data, limited: Callable[..., Any]
) -> None:
    os.mkfifo(folder / "pipe.csv")
    path = scenario_with(folder, tiny_data, "pipe.csv")
    done = limited("check", str(path), memory_mb=800, timeout=60)  # a blocking read would time out
    assert done.returncode == 2
    assert done.stderr == (
        "error: scenario.yaml: services.visit.arrivals.csv: 'pipe.csv' is not a regular file "
        "(a device, a pipe or a socket): refused\n"
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_not_read(device: str, limited: Callable[..., Any]) -> None:
    code = (
        "import sys; from pathlib import Path; from simulator.scenario.loading import read_regular, FileRefusedError\n"
        "try:\n    read_regular(Path(sys.argv[1]), 1 << 30)\nexcept FileRefusedError as e:\n    print(e)"
    )
    done = limited(device, code=code, memory_mb=800, timeout=30)  # less than the 1 GiB it may not read
    assert done.stdout == "is not a regular file (a device, a pipe or a socket): refused\n", done.stderr[-300:]


def test_a_folder_and_a_missing_file_are_refused(folder: Path, tiny_data: Data) -> None:
    (folder / "data").mkdir()
    assert "'data' is a folder, not a file" in refusal(scenario_with(folder, tiny_data, "data"))
    message = refusal(scenario_with(folder, tiny_data, "nowhere.csv"))
    assert "no such file 'nowhere.csv' (looked for " in message


def test_a_data_file_has_a_size_limit(
    folder: Path, tiny_data: Data, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (folder / "days.csv").write_text("count\n" + "10\n" * 100)
    monkeypatch.setattr(loading, "MAX_DATA_BYTES", 100)
    message = refusal(scenario_with(folder, tiny_data, "days.csv"))
    assert "'days.csv' is 306 bytes: expected at most 100 (docs/limits.md)" in message
    with pytest.raises(FileRefusedError, match="expected at most 100"):
        read_regular(folder / "days.csv", 100)


def test_a_nul_in_a_file_name_is_refused(folder: Path, tiny_data: Data) -> None:
    assert "a file name cannot hold a NUL character" in refusal(scenario_with(folder, tiny_data, "a\0b.csv"))


def test_errors_quote_only_a_short_escaped_excerpt(folder: Path, tiny_data: Data) -> None:
    header = ",".join(f"\x1b[31mcolumn_{k}_{'x' * 50}" for k in range(200_000))
    (folder / "wide.csv").write_text(f"{header}\n")
    tiny_data["services"]["visit"]["arrivals"] = {"csv": "wide.csv", "per": "day"}
    path = folder / "wide.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    message = refusal(path)
    assert len(message) < 600, len(message)
    assert "\x1b" not in message and "\\x1b[31mcolumn_0" in message and "... (200,000 columns)" in message


def test_a_cell_is_quoted_short_and_escaped(folder: Path, tiny_data: Data) -> None:
    (folder / "days.csv").write_text("count\n1\n" + "\x1b]0;pwned\x07" * 100 + "\n")
    message = refusal(scenario_with(folder, tiny_data, "days.csv"))
    assert "row 3, column 'count': expected a number >= 0, found '\\x1b]0;pwned\\x07" in message
    assert "\x1b" not in message and len(message) < 300


def test_a_csv_error_names_the_row_where_it_is(folder: Path, tiny_data: Data) -> None:
    (folder / "days.csv").write_text('count\n10\n"12\n14\n')
    message = refusal(scenario_with(folder, tiny_data, "days.csv"))
    assert "days.csv row 3, column 'count': expected a number >= 0, found '12\\n14'" in message
    (folder / "days.csv").write_text("count\n10\n12,13\n")
    assert "days.csv row 3: 2 cells, but the header has 1" in refusal(scenario_with(folder, tiny_data, "days.csv"))


def test_a_latin1_data_file_says_the_line(folder: Path, tiny_data: Data) -> None:
    (folder / "days.csv").write_bytes("count\n10\n12 caf\u00e9\n".encode("latin-1"))
    message = refusal(scenario_with(folder, tiny_data, "days.csv"))
    assert "'days.csv' line 3: not UTF-8 text: byte 0xe9" in message and "Latin-1" in message


# --- large files: a column without a Python object per cell ----------------------------------------


def test_a_three_million_row_column_is_checked_in_little_memory(
    folder: Path, tiny_data: Data, limited: Callable[..., Any]
) -> None:
    """3,000,000 rows (9 MB) in well under 650 MB of address space: a Python object per cell would need ~1 GB.

    Importing pandas with pyarrow (which it loads when installed) maps about
    380 MB of address space before anything is read.
    """
    with (folder / "times.csv").open("w") as file:
        file.write("minutes\n")
        for _ in range(30):
            file.write("".join(f"{k % 9 + 1}\n" for k in range(100_000)))
    tiny_data["services"]["visit"]["steps"][0]["counter"] = {"dist": "empirical", "csv": "times.csv"}
    tiny_data["services"]["visit"]["arrivals"] = {"csv": "times.csv", "column": "minutes", "per": "day"}
    path = folder / "big.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    done = limited("check", str(path), memory_mb=650, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("ok: big.yaml")


def test_the_rows_of_a_data_file_are_bounded(folder: Path, tiny_data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.scenario.observed.MAX_ROWS", 3)
    (folder / "days.csv").write_text("count\n1\n2\n3\n4\n")
    assert "days.csv has more than 3 rows (docs/limits.md)" in refusal(scenario_with(folder, tiny_data, "days.csv"))


def test_a_large_sample_stays_out_of_the_scenario_copy_and_the_copy_reproduces_the_run(
    folder: Path, tiny_data: Data
) -> None:
    with (folder / "times.csv").open("w") as file:
        file.write("clerk,minutes\n")
        file.write("".join(f"c{k},{(k * 7919) % 997 / 100}\n" for k in range(5_000)))
    tiny_data["services"]["visit"]["steps"][0]["counter"] = {
        "dist": "empirical", "csv": "times.csv", "column": "minutes", "source": "timed sittings, 2025"
    }  # fmt: skip
    changed = {"counter": {"dist": "empirical", "csv": "times.csv", "column": "minutes"}}
    tiny_data["configurations"]["integrated"]["services"] = {"visit": {"steps": {"stamp": changed}}}
    path = folder / "sample.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    options = ["--jobs", "1", "--quiet", "--no-plots", "--replications", "2"]
    first, second = folder.parent / "first", folder.parent / "second"
    assert main(["run", str(path), "--out", str(first), *options]) == 0
    text = (first / "scenario.yaml").read_text()
    assert len(text) < 10_000, "the sample is not inlined"
    written = yaml.safe_load(text)["services"]["visit"]["steps"][0]["counter"]
    assert written["csv"].startswith("data/") and written["column"] == "value"
    assert written["source"].startswith("timed sittings, 2025; times.csv, column minutes: 5000 values (sha256 ")
    copied = load_scenario(first / "scenario.yaml").services["visit"].steps[0].counter
    original = load_scenario(path).services["visit"].steps[0].counter
    assert isinstance(copied, Empirical) and isinstance(original, Empirical)
    assert copied.values == original.values and len(copied.values) == 5_000
    assert main(["run", str(first / "scenario.yaml"), "--out", str(second), *options]) == 0
    for name in ("citizens.parquet", "contacts.parquet", "summary.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    manifest = pd.read_json(first / "manifest.json", typ="series")
    assert written["csv"] in manifest["files"]
    in_configuration = yaml.safe_load(text)["configurations"]["integrated"]["services"]["visit"]["steps"]["stamp"]
    assert in_configuration["counter"]["csv"] == written["csv"], "the same sample is written once"
    assert load_scenario(first / "scenario.yaml").model_dump(mode="json") == load_scenario(
        first / "scenario.yaml"
    ).model_dump(mode="json")


def test_a_bundled_run_still_reads_every_scenario(bundled: list[Path]) -> None:
    """The rules keep every bundled scenario (and its data files, if any) loading as before."""
    for path in bundled:
        assert load_scenario(path).name


def test_check_prints_no_traceback_for_any_refused_file(folder: Path, tiny_data: Data) -> None:
    path = scenario_with(folder, tiny_data, "/etc/shadow")
    done = subprocess.run(
        [sys.executable, "run_sim.py", "check", str(path)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: scenario.yaml: services.visit.arrivals.csv: '/etc/shadow' is outside")
