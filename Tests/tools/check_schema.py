#!/usr/bin/env python3
"""Validates scenario files against mksim's JSON Schema with Python's jsonschema.

usage: check_schema.py SCHEMA.json FILE.yaml...

YAML is read as YAML 1.2 (ruamel.yaml), as mksim and editors' YAML support read it (under
YAML 1.1, `on:` would be a boolean). Prints a JSON object: file -> list of problems, each
"key.path: message"; an empty list for a file that passes.
"""
import json
import sys

import jsonschema
from ruamel.yaml import YAML


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    yaml = YAML(typ="safe", pure=True)
    out = {}
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f)
        problems = []
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            # The deepest reason of an anyOf/if-then failure is the useful one.
            leaf = min(e.context, key=lambda c: -len(c.absolute_path)) if e.context else e
            where = ".".join(str(p) for p in leaf.absolute_path) or "(top)"
            problems.append(f"{where}: {leaf.message}")
        out[path] = problems
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
