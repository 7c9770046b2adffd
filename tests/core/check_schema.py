#!/usr/bin/python3
"""Validates network JSON files against docs/schemas/network.schema.json.

usage: check_schema.py --schema SCHEMA [--expect-invalid] FILE...

A FILE ending in .md is a document: every ```json block in it is checked. With
--expect-invalid every file must FAIL validation (negative cases). Exit status: 0 all as
expected, 1 otherwise, 77 (ctest's SKIP_RETURN_CODE) when the jsonschema module is missing.
"""
import argparse
import json
import re
import sys

SKIP = 77


def documents(path):
    """(label, parsed JSON) for a .json file, or for each ```json block of a .md file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not path.endswith(".md"):
        return [(path, json.loads(text))]
    blocks = re.findall(r"^```json\n(.*?)^```", text, flags=re.M | re.S)
    if not blocks:
        raise ValueError(f"{path}: no ```json block found")
    return [(f"{path} (json block {i + 1})", json.loads(b)) for i, b in enumerate(blocks)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", required=True)
    ap.add_argument("--expect-invalid", action="store_true")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    try:
        import jsonschema
    except ImportError as e:
        print(f"SKIPPED: {sys.executable} cannot import jsonschema ({e}); "
              "install python3-jsonschema to run the schema check")
        return SKIP

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    print(f"schema {args.schema} ({cls.__name__})")

    failures = 0
    for path in args.files:
        try:
            docs = documents(path)
        except (OSError, ValueError) as e:  # json.JSONDecodeError is a ValueError
            print(f"FAIL {path}: cannot read: {e}")
            failures += 1
            continue
        for label, doc in docs:
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            if args.expect_invalid:
                if errors:
                    print(f"ok   {label}: rejected as expected: "
                          f"/{'/'.join(map(str, errors[0].absolute_path))}: {errors[0].message}")
                else:
                    print(f"FAIL {label}: validated, but it should break the schema")
                    failures += 1
            elif errors:
                failures += 1
                for e in errors[:10]:
                    where = "/".join(map(str, e.absolute_path))
                    print(f"FAIL {label}: /{where}: {e.message}")
            else:
                print(f"ok   {label}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
