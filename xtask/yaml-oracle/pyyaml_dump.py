"""The oracle of `cargo xtask yaml-oracle`: what PyYAML (libyaml's parser through yaml.CSafeLoader, YAML 1.1
like kubectl's go-yaml) makes of each file, one JSON line per file, in the order given:

    {"file": NAME, "ok": true, "documents": [VALUE, ...]}     every non-null document
    {"file": NAME, "ok": false, "error": MESSAGE}              PyYAML rejects the file

Reads the file names, one per line, from stdin. The xtask compares the values with `kvet dump`'s.

PyYAML implements the YAML 1.1 *spec* typing; kubectl (sigs.k8s.io/yaml → go-yaml v2, kvet's
engine/src/yaml/resolve.rs) differs on a few plain scalars. The loader below normalises exactly those, so a
mismatch means a structural difference, not a typing one (each with its reason; docs/yaml.md lists them):

  1. timestamps (2024-01-01, 2001-12-14t21:59:43Z): PyYAML builds datetime; go-yaml v2 keeps timestamps as
     strings when decoding into interface{} (kubectl's case) -> the scalar's text.
  2. !!binary: PyYAML builds bytes; kubectl's JSON has the base64 text -> the scalar's text.
  3. .inf / .nan: JSON has no such numbers (kubectl's YAML->JSON conversion fails on them); kvet keeps the
     text as a string -> the scalar's text.
  4. base 60 (1:30, 1:30.5): YAML 1.1 sexagesimal numbers; go-yaml v2 has none -> the scalar's text.
  5. y / Y / n / N: booleans in go-yaml v2, strings in PyYAML -> true / false.
  6. go-yaml v2 floats PyYAML reads as strings (1e3, 1.0e3 without an exponent sign, 08, 09): go-yaml parses
     any `[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?` with strconv.ParseFloat -> the float.
  7. 0o644: an octal integer in go-yaml v2 (Go's ParseInt base 0), a string in PyYAML -> the integer.
  8. keys: JSON object keys are strings; non-string keys become kubectl's spelling (true, null, 1, 1.5).
"""

import json
import re
import sys

import yaml

Loader = yaml.CSafeLoader


class OracleLoader(Loader):
    pass


def text_of(loader, node):
    return loader.construct_scalar(node)


def timestamp(loader, node):
    return text_of(loader, node)


def binary(loader, node):
    return text_of(loader, node)


def py_float(loader, node):
    text = text_of(loader, node)
    if ":" in text or text.lstrip("+-").lower() in (".inf", ".nan"):
        return text
    return yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)


def py_int(loader, node):
    text = text_of(loader, node)
    if ":" in text:
        return text
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


GO_BOOL = "tag:kvet.dev,oracle:go-bool"
GO_FLOAT = "tag:kvet.dev,oracle:go-float"
GO_OCTAL = "tag:kvet.dev,oracle:go-octal"

def construct_mapping(loader, node, deep=False):
    # PyYAML's, with every key turned into its JSON spelling first (1 and true are one Python dict key).
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        k = loader.construct_object(key_node, deep=deep)
        if isinstance(k, (list, dict, set)):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            )
        mapping[key(k)] = loader.construct_object(value_node, deep=deep)
    return mapping


OracleLoader.construct_mapping = construct_mapping
OracleLoader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
OracleLoader.add_constructor("tag:yaml.org,2002:binary", binary)
OracleLoader.add_constructor("tag:yaml.org,2002:float", py_float)
OracleLoader.add_constructor("tag:yaml.org,2002:int", py_int)
OracleLoader.add_constructor(GO_BOOL, lambda l, n: text_of(l, n) in ("y", "Y"))
OracleLoader.add_constructor(GO_FLOAT, lambda l, n: float(text_of(l, n)))
OracleLoader.add_constructor(GO_OCTAL, lambda l, n: int(text_of(l, n).replace("_", "")[2:], 8))
# Appended after PyYAML's own resolvers: they only apply to plain scalars PyYAML would read as strings.
OracleLoader.add_implicit_resolver(GO_BOOL, re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
OracleLoader.add_implicit_resolver(
    GO_FLOAT, re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"), list("-+.0123456789")
)
OracleLoader.add_implicit_resolver(GO_OCTAL, re.compile(r"^[-+]?0o[0-7_]+$"), list("-+0"))


def key(k):
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, (int, float)):
        return json.dumps(k)
    return json.dumps(plain(k), sort_keys=True)


def plain(v):
    if isinstance(v, dict):
        return {key(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {key(k): None for k in v}
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def load(name):
    try:
        with open(name, "rb") as f:
            data = f.read()
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        docs = [plain(d) for d in yaml.load_all(text, Loader=OracleLoader) if d is not None]
        return {"file": name, "ok": True, "documents": docs}
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, TypeError, RecursionError) as e:
        return {"file": name, "ok": False, "error": " ".join(str(e).split())[:300]}


def main():
    out = sys.stdout
    for line in sys.stdin:
        name = line.rstrip("\n")
        if name:
            out.write(json.dumps(load(name), ensure_ascii=False, allow_nan=False) + "\n")


if __name__ == "__main__":
    main()
