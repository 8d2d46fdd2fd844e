"""Visitors' folders and uploads: apart from each other, and under the command line's limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario.loading import MAX_SCENARIO_BYTES, ScenarioError
from simulator.web.visitors import load_upload, new_visitor, next_run_folder, safe_name

SMALL = Path(__file__).with_name("small.yaml")


def test_every_visitor_has_a_folder_of_their_own(tmp_path: Path) -> None:
    first, second = new_visitor(tmp_path), new_visitor(tmp_path)
    assert first != second and first.parent == second.parent == tmp_path
    assert next_run_folder(first) == first / "run-1"
    (first / "run-1").mkdir()
    assert next_run_folder(first) == first / "run-2" and next_run_folder(second) == second / "run-1"


def test_an_upload_is_read_like_a_scenario_file(tmp_path: Path) -> None:
    visitor = new_visitor(tmp_path)
    path, scenario = load_upload(visitor, "../../my office.yaml", SMALL.read_bytes())
    assert scenario.name == "A small licensing office"
    assert path.parent.parent == visitor / "uploads" and path.name == "my_office.yaml"
    again, _ = load_upload(visitor, "my office.yaml", SMALL.read_bytes())
    assert again.parent != path.parent  # every upload alone in its folder


def test_a_broken_upload_names_the_file_and_the_field(tmp_path: Path) -> None:
    broken = SMALL.read_text().replace("licensing: {counters: 1,", "licensing: {counters: -1,")
    with pytest.raises(ScenarioError) as caught:
        load_upload(new_visitor(tmp_path), "broken.yaml", broken.encode())
    message = str(caught.value)
    assert message.startswith("broken.yaml: ") and "agencies.licensing.counters" in message
    assert str(tmp_path) not in message


def test_an_upload_reads_no_data_file_outside_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("minutes\n1\n2\n")
    visitor = new_visitor(tmp_path)
    text = SMALL.read_text().replace("counter: {dist: exponential, mean: 15}",
                                     "counter: {dist: empirical, csv: ../../secret.csv, column: minutes}")  # fmt: skip
    with pytest.raises(ScenarioError) as caught:
        load_upload(visitor, "reach.yaml", text.encode())
    assert "secret.csv" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("scenario.txt", b"name: x", "expected a .yaml, .yml or .toml"),
        ("big.yaml", b"#" * (MAX_SCENARIO_BYTES + 1), "expected at most 1,048,576"),
        ("latin.yaml", "name: caf\xe9\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_uploads_are_refused_as_the_command_line_refuses_files(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    with pytest.raises(ScenarioError, match=expected):
        load_upload(new_visitor(tmp_path), name, data)


def test_safe_names() -> None:
    assert safe_name("C:\\Users\\x\\office.toml") == "office.toml"
    assert safe_name(".hidden.yaml") == "hidden.yaml"
