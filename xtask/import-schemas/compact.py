"""Compacts the JSON Schemas shipped in the `kubernetes-validate` package for `cargo xtask import-schemas`.

Reads `<package>/kubernetes-json-schema/v<X.Y>.0-local-strict/_definitions.json` and writes one compact JSON
document per Kubernetes minor version to OUT_DIR/<X.Y>.json:

    {"version": "1.34", "source": "kubernetes-validate 1.37.0",
     "kinds": {"apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment", ...},
     "defs": {"io.k8s.api.apps.v1.Deployment": {...}, ...}}

Only what validation needs is kept: type, properties, additionalProperties, items, required, enum, oneOf and
$ref (rewritten to "#/$defs/NAME"). Descriptions, formats and x-kubernetes-* annotations are dropped. The
published schemas have no enums for API fields (their OpenAPI v2 source states them only in descriptions);
enums.json next to this script adds the well-known sets. Keys are sorted, so the output depends only on the
package version and enums.json.

usage: python compact.py OUT_DIR VERSION...
"""

import json
import os
import sys

import kubernetes_validate

KEEP = {"type", "properties", "additionalProperties", "items", "required", "enum", "oneOf", "$ref"}
REF_PREFIX = "#/$defs/"


def compact(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {name: compact(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = compact(value)
        elif key == "oneOf":
            out[key] = [compact(sub) for sub in value]
        elif key == "$ref":
            name = value.rsplit("/", 1)[-1]
            out[key] = REF_PREFIX + name
        else:
            out[key] = value
    return out


# Fields the API server's validation requires although the OpenAPI documents mark them optional (the Go types
# keep them optional for higher-level config management): `spec.containers[0].image: Required value`.
REQUIRED = {
    "io.k8s.api.core.v1.Container": ["image"],
}


def add_required(defs):
    for name, fields in REQUIRED.items():
        schema = defs[name]
        schema["required"] = sorted(set(schema.get("required", [])) | set(fields))


def add_enums(defs, enums, used):
    for target, values in enums.items():
        if target.startswith("_"):
            continue
        name, prop = target.split("/", 1)
        items = prop.endswith("[]")
        prop = prop[:-2] if items else prop
        schema = defs.get(name, {}).get("properties", {}).get(prop)
        if schema is None:
            continue
        if items:
            schema = schema.get("items")
            if schema is None:
                continue
        types = schema.get("type", [])
        # A null value means "not set" for kubectl; the enum must not reject it.
        schema["enum"] = list(values) + ([None] if "null" in types else [])
        used.add(target)


def main():
    out_dir, versions = sys.argv[1], sys.argv[2:]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "enums.json"), encoding="utf-8") as f:
        enums = json.load(f)
    used = set()
    base = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
    package_version = kubernetes_validate.__version__
    for version in versions:
        src = os.path.join(base, "v%s.0-local-strict" % version, "_definitions.json")
        with open(src, encoding="utf-8") as f:
            defs = json.load(f)["$defs"]
        kinds = {}
        for name, schema in defs.items():
            gvks = schema.get("x-kubernetes-group-version-kind", [])
            # DeleteOptions and WatchEvent list every group: they are not manifests.
            if len(gvks) != 1:
                continue
            gvk = gvks[0]
            api_version = gvk["version"] if not gvk["group"] else "%s/%s" % (gvk["group"], gvk["version"])
            kinds["%s/%s" % (api_version, gvk["kind"])] = name
        doc = {
            "version": version,
            "source": "kubernetes-validate %s (v%s.0-local-strict)" % (package_version, version),
            "kinds": kinds,
            "defs": {name: compact(schema) for name, schema in defs.items()},
        }
        add_enums(doc["defs"], enums, used)
        add_required(doc["defs"])
        with open(os.path.join(out_dir, "%s.json" % version), "w", encoding="utf-8") as f:
            json.dump(doc, f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            f.write("\n")
    unused = sorted(k for k in enums if not k.startswith("_") and k not in used)
    if unused:
        sys.exit("enums.json names properties no version has: %s" % ", ".join(unused))


if __name__ == "__main__":
    main()
