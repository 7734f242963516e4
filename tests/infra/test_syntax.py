"""A second, independent Bicep grammar (tree-sitter-bicep, in .venv-infra) finds no syntax error in any template."""

import json
import subprocess
from pathlib import Path

from tests.fixtures.needs import missing
from tests.infra.bicep import INFRA, ROOT, bicep_files

PYTHON = ROOT / ".venv-infra" / "bin" / "python"
# Runs inside .venv-infra: prints {path: has_error} for the files named on the command line.
CHECK = """
import json, sys
from pathlib import Path
import tree_sitter_bicep
from tree_sitter import Language, Parser
parser = Parser(Language(tree_sitter_bicep.language()))
print(json.dumps({f: parser.parse(Path(f).read_bytes()).root_node.has_error for f in sys.argv[1:]}))
"""


def has_error(paths: list[Path]) -> dict[str, bool]:
    found_grammar = PYTHON.exists() and (
        subprocess.run([str(PYTHON), "-c", "import tree_sitter_bicep"], capture_output=True, check=False).returncode
        == 0
    )
    if not found_grammar:
        missing("tree-sitter-bicep is not in .venv-infra; run `make infra-check` to install requirements-infra.txt")
    result = subprocess.run(
        [str(PYTHON), "-c", CHECK, *map(str, paths)], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, bool] = json.loads(result.stdout)
    return found


def test_no_template_has_a_syntax_error() -> None:
    errors = has_error(bicep_files())
    assert len(errors) == len(bicep_files())
    assert [Path(f).relative_to(INFRA).as_posix() for f, bad in errors.items() if bad] == []


def test_the_grammar_finds_an_unclosed_block(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text((INFRA / "app" / "identity.bicep").read_text().replace("tags: tags\n}", "tags: tags\n"))
    assert has_error([broken]) == {str(broken): True}
