"""The README's deploy section states what the templates do: every azd value they read is in its table with the
default they fall back to, and every function its telemetry table names is a function of the app."""

import json
import re

from tests.infra.bicep import ROOT

README = (ROOT / "README.md").read_text()
# Set by azd itself, by the hooks, or carried from the last provisioning (described below the table).
NOT_CHOSEN = {"AZURE_ENV_NAME", "AZURE_PRINCIPAL_ID", "EVENT_SUBSCRIPTIONS_PASS", "BUDGET_START_DATE"}


def section(heading: str) -> str:
    start = README.index(heading)
    end = README.find("\n#", start + len(heading))
    return README[start:end]


def bindings() -> dict[str, str | None]:
    """azd value -> its fallback in main.parameters.json (None when it has none)."""
    parameters = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    found: dict[str, str | None] = {}
    for binding in parameters.values():
        match = re.fullmatch(r"\$\{([A-Z_]+)(?:=(.*))?\}", binding["value"])
        assert match
        found[match.group(1)] = match.group(2)
    return found


def values_table() -> dict[str, str]:
    """Each azd value named in the first column of the `azd up` table -> that row's default column."""
    rows: dict[str, str] = {}
    for line in section("### `azd up`").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            names = re.findall(r"`([A-Z_]+)`", cells[0])
            defaults = re.findall(r"`([^`]*)`", cells[1]) or [cells[1]]
            for index, name in enumerate(names):
                rows[name] = defaults[index] if len(defaults) == len(names) else cells[1]
    return rows


def test_every_azd_value_the_templates_read_is_in_the_readme_with_its_default() -> None:
    table = values_table()
    for name, fallback in bindings().items():
        if name in NOT_CHOSEN:
            continue
        assert name in table, f"{name} is not in the README's table"
        if fallback:
            assert table[name] == fallback, f"{name}: README says {table[name]!r}, main.parameters.json {fallback!r}"


def test_the_readme_names_no_azd_value_the_templates_do_not_read() -> None:
    assert set(values_table()) <= set(bindings())


def test_the_carried_values_are_described() -> None:
    carried = section("### `azd up`")
    for name in ("ACS_DATA_LOCATION", "BUDGET_START_DATE", "ARCHIVE_RETENTION_DAYS_DEPLOYED"):
        assert f"`{name}`" in carried


def test_every_function_the_telemetry_table_names_is_one_of_the_app() -> None:
    app = set(re.findall(r'@app\.function_name\("(\w+)"\)', (ROOT / "function_app.py").read_text()))
    table = section("### Traces and logs in Application Insights")
    named = {name for line in table.splitlines() if line.startswith("| `") for name in re.findall(r"`(\w+)`", line)}
    functions = named - {"requests", "dependencies", "traces", "exceptions", "resultCode", "customDimensions"}
    functions -= {"filesReady", "archived"}
    assert functions, "the table names functions"
    assert functions <= app, functions - app


def dollars(cell: str) -> float:
    match = re.search(r"\$([\d,]+(?:\.\d+)?)", cell)
    assert match, cell
    return float(match.group(1).replace(",", ""))


def test_the_cost_tables_totals_are_the_sum_of_its_rows() -> None:
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section("### Cost").splitlines()
        if line.startswith("| ") and "$" in line
    ]
    (total,) = [row for row in rows if "This deployment" in row[0]]
    items = rows[: rows.index(total)]
    assert len(items) >= 6
    for column in (2, 3):
        assert abs(sum(dollars(row[column]) for row in items) - dollars(total[column])) <= 1, column


def test_the_recording_line_of_the_cost_table_follows_from_the_stated_workload() -> None:
    text = section("### Cost")
    minutes = 1_000 * 10 * 30
    assert "1,000 calls a day, 10 minutes each, two participants, a 30-day month" in text
    (recording,) = [line for line in text.splitlines() if line.startswith("| ACS Call Recording")]
    cells = [cell.strip() for cell in recording.strip("|").split("|")]
    assert dollars(cells[2]) == minutes * 0.002
    assert dollars(cells[3]) == round(minutes * 2 * 0.0012)
