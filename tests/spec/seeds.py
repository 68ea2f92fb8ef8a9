"""The JSON examples of the reference pages in shared/seeds, as data.

`python tests/spec/seeds.py` rewrites the verbatim fixtures in tests/fixtures from the seeds;
the tests check that every fixture still agrees with the seed it came from.
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"

# Marks an object whose remaining properties the page left out (`// ...`).
ELIDED = "__elided__"


def _json_blocks(text):
    return re.findall(r"```json\n(.*?)```", text, flags=re.S)


def _strip_placeholders(block):
    # The customer list shows further items as `{...}`.
    block = re.sub(r",\s*\{\.\.\.\}", "", block)
    return re.sub(r"\{\.\.\.\}\s*,?", "", block)


def _parse_elided(text):
    """Parses JSON with `// ...` lines (left-out properties) into data that marks them."""
    lines = []
    for line in text.splitlines():
        if line.strip() == "// ...":
            lines.append(f'"{ELIDED}": true')
        else:
            lines.append(line)
    joined = "\n".join(lines)
    # A property before the marker needs its comma; the marker is the last in its object.
    joined = re.sub(r'([}\]"\w])\s*\n("' + ELIDED + ")", r"\1,\n\2", joined)
    return json.loads(joined)


def seed_examples():
    """name -> example data, straight from the seed pages."""
    reference = (SEEDS / "003_e4e6d03ee4d1ecbe.txt").read_text(encoding="utf-8")
    charge, customer_list, user, team = _json_blocks(reference)
    expansion = (SEEDS / "002_255a52cddfbe86cf.txt").read_text(encoding="utf-8")
    response = expansion.split("\nResponse\n", 1)[1]
    return {
        "charge": json.loads(charge),
        "customer_list": json.loads(_strip_placeholders(customer_list)),
        "user": json.loads(user),
        "team": json.loads(team),
        "charge_expanded": _parse_elided(response),
    }


# fixture file -> (spec, schema) it must validate against
FIXTURE_SCHEMAS = {
    "charge": ("stripe.yaml", "charge"),
    "customer_list": ("stripe.yaml", "customer_list"),
    "charge_expanded": ("stripe.yaml", "charge"),
    "user": ("doselect.yaml", "User"),
    "team": ("doselect.yaml", "Team"),
}

# Fixtures that complete a seed whose page left properties out; all others are verbatim.
COMPLETED = {"charge_expanded"}


def write_verbatim_fixtures():
    for name, data in seed_examples().items():
        if name in COMPLETED:
            continue
        path = FIXTURES / f"{name}.json"
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_verbatim_fixtures()
