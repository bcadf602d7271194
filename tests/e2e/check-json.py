#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate JSON documents against intel-lm's schema (JSON Schema 2020-12).

    check-json.py SCHEMA FILE...

Prints one line per document that does not match, with the first error's path and message,
and exits 1 when any does not; 0 when all match.
"""
import json
import sys

from jsonschema import Draft202012Validator


def main():
    schema = json.load(open(sys.argv[1]))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        try:
            doc = json.load(open(path))
        except ValueError as e:
            print(f"# {path}: not JSON: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            bad += 1
            e = errors[0]
            where = "/".join(str(p) for p in e.path) or "(top)"
            print(f"# {path}: {where}: {e.message[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
