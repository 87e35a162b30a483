"""Compares kvet's schema verdicts with a kubeconform-style validation (`cargo xtask schema-compare`).

For every document of CORPUS the reference verdict comes from plain JSON Schema validation with the schemas of
the `kubernetes-validate` package (strict variant: unknown fields rejected) and PyYAML (YAML 1.1 typing, like
kubectl): `valid`, `invalid` or `no-schema` (a kind without a schema, e.g. a custom resource). kvet's verdict
comes from its JSON report (KVET_JSON): `invalid` when the object has an error or warning of `schema-violation`,
`no-schema` when its kind got the "no schema" or "not validated" info, else `valid`. Documents kvet did not
validate as an object (YAML errors, flattened documents) are `skipped`.

Prints one line per document whose verdicts differ, with kvet's and the reference's first message, and a count
per pair of verdicts. docs/schemas.md explains the differences.

usage: python compare.py CORPUS KVET_JSON VERSION
"""

import collections
import json
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource


def schemas_dir(version):
    base = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
    return os.path.join(base, "v%s.0-local-strict" % version)


class Reference:
    def __init__(self, version):
        self.dir = schemas_dir(version)
        with open(os.path.join(self.dir, "_definitions.json"), encoding="utf-8") as f:
            self.defs = Resource.from_contents(json.load(f))
        self.validators = {}

    def validator(self, api_version, kind):
        key = (api_version, kind)
        if key not in self.validators:
            short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            path = os.path.join(self.dir, "%s-%s.json" % (kind.lower(), short))
            validator = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    schema = json.load(f)
                registry = Resource.from_contents(schema) @ Registry()
                registry = self.defs @ registry
                validator = jsonschema.Draft202012Validator(schema, registry=registry)
            self.validators[key] = validator
        return self.validators[key]

    def verdict(self, doc):
        api, kind = doc.get("apiVersion"), doc.get("kind")
        if not isinstance(api, str) or not isinstance(kind, str):
            return "skipped", ""
        validator = self.validator(api, kind)
        if validator is None:
            return "no-schema", ""
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if not errors:
            return "valid", ""
        e = errors[0]
        return "invalid", "%s: %s" % (".".join(str(p) for p in e.absolute_path), e.message[:120])


def documents(corpus):
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as f:
                    docs = list(yaml.safe_load_all(f))
            except Exception:
                continue  # kvet reports yaml-syntax; not a schema question
            for doc in docs:
                if not isinstance(doc, dict):
                    continue
                items = doc.get("items") if doc.get("kind") == "List" else [doc]
                for item in items if isinstance(items, list) else []:
                    if isinstance(item, dict):
                        yield path, item


def kvet_verdicts(report):
    out = {}
    for d in report.get("diagnostics", []):
        obj = d.get("object") or {}
        key = (d["file"], obj.get("kind"), obj.get("name"), obj.get("namespace"))
        if d["rule"] != "schema-violation":
            out.setdefault(key, ("valid", ""))
            continue
        if d["severity"] == "info":
            verdict = "no-schema"
        else:
            verdict = "invalid"
        old = out.get(key, ("valid", ""))
        if old[0] != "invalid":
            out[key] = (verdict, d["message"][:120])
    return out


def main():
    corpus, kvet_json, version = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(kvet_json, encoding="utf-8") as f:
        report = json.load(f)
    verdicts = kvet_verdicts(report)
    # "no schema" is reported once per apiVersion/kind: every object of that kind shares the verdict.
    unschematized = {
        ((d.get("object") or {}).get("apiVersion"), (d.get("object") or {}).get("kind"))
        for d in report.get("diagnostics", [])
        if d["rule"] == "schema-violation" and d["severity"] == "info"
    }
    reference = Reference(version)
    pairs = collections.Counter()
    lines = []
    for path, doc in documents(corpus):
        ref, ref_msg = reference.verdict(doc)
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name, ns = meta.get("name"), meta.get("namespace")
        rel = os.path.join(os.path.basename(os.path.normpath(corpus)), os.path.relpath(path, corpus))
        candidates = [k for k in verdicts if k[0].endswith(rel) and k[1] == doc.get("kind") and k[2] == name]
        # kvet reports the effective namespace; prefer the exact one, else any object of that file/kind/name.
        candidates.sort(key=lambda k: (k[3] != ns, str(k[3])))
        mine, my_msg = verdicts[candidates[0]] if candidates else ("valid", "")
        if mine == "valid" and (doc.get("apiVersion"), doc.get("kind")) in unschematized:
            mine = "no-schema"
        pairs[(mine, ref)] += 1
        if mine != ref:
            lines.append("%s %s/%s: kvet %s%s | reference %s%s" % (
                rel, doc.get("kind"), name, mine, (" (%s)" % my_msg) if my_msg else "",
                ref, (" (%s)" % ref_msg) if ref_msg else ""))
    for line in lines:
        print(line)
    print()
    print("kvet verdict / reference verdict: documents")
    for (mine, ref), n in sorted(pairs.items()):
        print("  %-10s / %-10s %5d%s" % (mine, ref, n, "" if mine == ref else "  (differs)"))


if __name__ == "__main__":
    main()
