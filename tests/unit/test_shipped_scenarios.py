"""scenarios/README.md is what the shipped scenario files say of themselves; typical_duration is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmux_sim.errors import ScenarioFileError
from xmux_sim.scenario import load_scenario, parse_scenario
from xmux_sim.scenario.shipped import readme, shipped_scenarios

ROOT = Path(__file__).resolve().parents[2]


def test_the_scenarios_readme_is_current() -> None:
    page = (ROOT / "scenarios" / "README.md").read_text()
    assert page == readme(ROOT), "run: python -m xmux_sim.scenario.shipped"


def test_every_shipped_scenario_is_on_the_page_with_its_facts() -> None:
    page = readme(ROOT)
    files = shipped_scenarios(ROOT)
    assert len(files) >= 20
    for path in files:
        scenario = load_scenario(path)
        (row,) = [line for line in page.splitlines() if line.startswith(f"| [`{scenario.name}`]")]
        assert scenario.description in row
        assert ("violated, caught by" in row) == (scenario.expect == "violated")
        assert (
            scenario.typical_duration is not None and scenario.typical_duration >= scenario.workload.duration
        )


def test_a_shipped_scenario_without_a_description_is_refused(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "bare.yaml").write_text("name: bare\nworkload: {duration: 5}\n")
    with pytest.raises(ScenarioFileError, match=r"bare\.yaml: a shipped scenario needs a description"):
        readme(tmp_path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4", r"<s>:3: typical_duration: a run takes at least its workload's 5 s"),
        ("-1", r"<s>:3: typical_duration: "),
        ("soon", r"<s>:3: typical_duration: "),
    ],
)
def test_typical_duration_is_validated(value: str, message: str) -> None:
    text = f"name: x\nworkload: {{duration: 5}}\ntypical_duration: {value}\n"
    with pytest.raises(ScenarioFileError, match=message):
        parse_scenario(text, "<s>")
    assert parse_scenario("name: x\nworkload: {duration: 5}\ntypical_duration: 20\n").typical_duration == 20
