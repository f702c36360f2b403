#!/usr/bin/env python3
"""Extracts the request/response examples of every operation from
shared/specs/mirakl/mirakl-mmp-seller-openapi.json into tests/fixtures/spec/, and writes
tests/fixtures/spec/INDEX.tsv mapping each file to its JSON pointer in the spec.

Usage: python3 scripts/extract_fixtures.py <path-to-mirakl-mmp-seller-openapi.json>
"""
import json
import os
import sys




def esc(k):
    return k.replace("~", "~0").replace("/", "~1")


def main():
    spec = json.load(open(sys.argv[1]))
    out_dir = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "spec")
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            oid = op["operationId"]
            base = "/paths/" + esc(path) + "/" + method
            parts = []
            rb = op.get("requestBody", {}).get("content", {})
            for ct, c in rb.items():
                parts.append(("request", None, ct, c, base + "/requestBody/content/" + esc(ct)))
            for status, r in op.get("responses", {}).items():
                for ct, c in r.get("content", {}).items():
                    parts.append(("response", status, ct, c,
                                  base + "/responses/" + esc(status) + "/content/" + esc(ct)))
            for kind, status, ct, c, ptr in parts:
                for name, ex in c.get("examples", {}).items():
                    if not isinstance(ex, dict) or "value" not in ex:
                        continue
                    v = ex["value"]
                    suffix = name.split("-")[-1]
                    stem = f"{oid}-{kind}{'-' + status if status else ''}-{suffix}"
                    if isinstance(v, (dict, list)) and "json" in ct:
                        fname = stem + ".json"
                        data = json.dumps(v, indent=2, ensure_ascii=False) + "\n"
                    elif isinstance(v, str) and v != "string" and ("csv" in ct or "octet" in ct):
                        fname = stem + ".csv"
                        data = v if v.endswith("\n") else v + "\n"
                    elif isinstance(v, dict) and "multipart" in ct:
                        fname = stem + ".multipart.json"
                        data = json.dumps(v, indent=2, ensure_ascii=False) + "\n"
                    else:
                        continue
                    with open(os.path.join(out_dir, fname), "w") as f:
                        f.write(data)
                    index.append((fname, ptr + "/examples/" + esc(name) + "/value"))
    index.sort()
    with open(os.path.join(out_dir, "INDEX.tsv"), "w") as f:
        f.write("# file\tJSON pointer in shared/specs/mirakl/mirakl-mmp-seller-openapi.json\n")
        for fname, ptr in index:
            f.write(f"{fname}\t{ptr}\n")


if __name__ == "__main__":
    main()
