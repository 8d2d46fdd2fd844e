"""Messages for the mistakes people make: say what was meant, not what the parser saw.

A time written as a number, a decimal comma, a misspelt command, a folder for
a file, a missing run folder, a file in Latin-1; help text in full; messages
of bounded length; a scenario's words never run as HTML in stress-des.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator import cli
from simulator.cli import main
from simulator.scenario.loading import ScenarioError, load_scenario, parse_text

Data = dict[str, Any]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]


def refusal(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def test_a_time_written_as_a_number_asks_for_hh_mm(tiny_data: Data, write_scenario: WriteScenario) -> None:
    text = yaml.safe_dump(tiny_data).replace("open: 08:00", "open: 8.00").replace("open: '08:00'", "open: 8.00")
    assert "open: 8.00" in text
    message = refusal(write_scenario(text, "clock.yaml"))
    assert message == (
        'clock.yaml: calendar.open: expected a time "HH:MM" in quotes, e.g. "08:00", found the number 8.0 '
        '(write "08:00")'
    )


def test_a_decimal_comma_in_a_flow_mapping_asks_for_a_point(write_scenario: WriteScenario) -> None:
    path = write_scenario("name: x\nstep: {dist: exponential, mean: 15,5}\n", "comma.yaml")
    assert refusal(path) == (
        "comma.yaml: not valid YAML: line 2, column 36: 15,5 reads as two entries: write decimals with a point (15.5)"
    )


def test_a_decimal_comma_elsewhere_hints_at_a_point(tiny_data: Data, write_scenario: WriteScenario) -> None:
    tiny_data["agencies"]["office"]["travel_minutes"] = "12,5"
    message = refusal(write_scenario(tiny_data, "comma.yaml"))
    assert message == (
        "comma.yaml: agencies.office.travel_minutes: expected a number, found '12,5' "
        "(write decimals with a point: 12.5)"
    )


def test_a_list_in_flow_style_is_not_taken_for_a_decimal_comma() -> None:
    assert parse_text("profile: [15, 5]\nx: {a: 1, b: 2}\n", "ok.yaml") == {"profile": [15, 5], "x": {"a": 1, "b": 2}}


def test_a_misspelt_command_gets_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chek", str(tmp_path / "x.yaml")]) == 2
    assert capsys.readouterr().err == (
        "error: unknown command 'chek'; did you mean 'check'? "
        "(commands: run, check, sweep, warmup, plot, optimise, serve, fit)\n"
    )
    assert main(["plto", "results/x"]) == 2
    assert "did you mean 'plot'?" in capsys.readouterr().err


def test_a_scenario_file_is_not_taken_for_a_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chek.yaml", "--quiet"]) == 2
    assert capsys.readouterr().err == "error: chek.yaml: no such scenario file\n"


def test_a_folder_given_as_scenario_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: is a folder, not a scenario file (expected a .yaml, .yml or .toml file)\n"
    )


def test_a_latin1_scenario_says_the_encoding_and_the_line(tiny_data: Data, tmp_path: Path) -> None:
    tiny_data["description"] = "Pelayanan kafe: caf\u00e9"
    path = tmp_path / "latin1.yaml"
    path.write_bytes(yaml.safe_dump(tiny_data, allow_unicode=True, sort_keys=False).encode("latin-1"))
    line = yaml.safe_dump(tiny_data, allow_unicode=True, sort_keys=False).splitlines().index(
        "description: 'Pelayanan kafe: caf\u00e9'"
    ) + 1
    assert refusal(path) == (
        f"{path}: line {line}: not UTF-8 text: byte 0xe9 cannot be read (it looks like Latin-1 or Windows-1252 "
        "text); save the file as UTF-8"
    )


def test_help_for_precision_is_whole(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        cli.parser().parse_args(["run", "--help"])
    text = " ".join(out.getvalue().split())
    assert (
        "--precision SHARE add replications until every --metrics 95% half-width is within this share of its mean "
        "(of the metric's floor when the mean is below it), e.g. 0.05" in text
    )
    assert "or the work is above the limits of docs/limits.md" in text


def test_a_long_message_is_cut(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def enormous(*args: Any, **kwargs: Any) -> Any:
        raise ScenarioError("x.yaml: " + "y" * 1_500_000)

    monkeypatch.setattr(cli, "load_scenario", enormous)
    assert main(["check", "x.yaml"]) == 2
    error = capsys.readouterr().err
    said = len("error: x.yaml: ") + 1_500_000
    assert len(error) < cli.MAX_MESSAGE + 100 and error.endswith(f"... ({said - cli.MAX_MESSAGE:,} more characters)\n")


def test_html_in_a_scenarios_words_stays_text_in_stress_des(
    tiny_data: Data, write_scenario: WriteScenario, tmp_path: Path
) -> None:
    tiny_data["name"] = "<script>alert('name')</script>"
    tiny_data["description"] = "<img src=x onerror=alert(1)> & more `code`"
    path = write_scenario(tiny_data, "html.yaml")
    out = tmp_path / "out"
    options = ["--jobs", "1", "--replications", "2", "--quiet", "--no-plots"]
    assert main(["run", str(path), "--out", str(out), *options]) == 0
    text = (out / "stress-des.md").read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text
    assert "# STRESS-DES report: &lt;script&gt;alert('name')&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more 'code'" in text
