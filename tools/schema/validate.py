#!/usr/bin/python3
"""Validates JSONL events against docs/events.schema.json (JSON Schema 2020-12).

usage: validate.py SCHEMA EVENTS.jsonl
Prints one line per invalid event (line number, JSON path, reason) and exits 1 if any; 2 on a bad schema.
"""
import json
import sys

import jsonschema


def main() -> int:
    schema_path, events_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        print(f"{schema_path}: not a valid JSON Schema: {error.message}")
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    bad = checked = 0
    with open(events_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            checked += 1
            event = json.loads(line)
            errors = list(validator.iter_errors(event))
            if errors:
                bad += 1
                # oneOf hides the useful message: report the deepest one.
                deepest = max((e for error in errors for e in [error, *error.context]), key=lambda e: len(e.absolute_path))
                path = "/".join(str(p) for p in deepest.absolute_path) or "(event)"
                print(f"{events_path}:{number}: {event.get('type')}: {path}: {deepest.message}")
    print(f"{checked} events checked, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
