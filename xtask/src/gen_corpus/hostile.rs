//! Hostile inputs for `cargo xtask bench` (docs/security.md, "limits"): small files an attacker can commit that
//! must not cost more than a second and a few hundred megabytes. One file per corpus folder, so each case is
//! measured on its own: `cargo xtask bench --corpus bench-corpus/hostile-list-of-aliases`.

use std::path::Path;

use crate::util::TaskError;

/// The cases: folder suffix, what it is.
pub const CASES: [(&str, &str); 4] = [
    ("alias-scalar", "a 1 MiB scalar aliased 6,000 times (1 MB of text)"),
    ("laughs-across-errors", "60 alias-bomb documents, each followed by a broken line (14 KB)"),
    ("list-of-aliases", "a List of 60,000 aliases of one ConfigMap (300 KB)"),
    ("duplicates", "60,000 documents defining the same ConfigMap (6 MB)"),
];

/// Writes case `name` (a suffix of [`CASES`]) into `out` (replacing it); `None` for an unknown name.
pub fn write(name: &str, out: &Path) -> Option<Result<(), TaskError>> {
    let text = match name {
        "alias-scalar" => {
            let big = "x".repeat(1 << 20);
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: &a {big}\n  l:\n{}",
                "  - *a\n".repeat(6000)
            )
        }
        "laughs-across-errors" => {
            let doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                       c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                       e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
            (0..60).map(|_| format!("---\n{doc}---\nx: [\n")).collect()
        }
        "list-of-aliases" => format!(
            "apiVersion: v1\nkind: List\nitems:\n- &o\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: same\n    \
             namespace: default\n  data:\n    a: b\n{}",
            "- *o\n".repeat(60_000)
        ),
        "duplicates" => "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: default\ndata:\n  a: b\n"
            .repeat(60_000),
        _ => return None,
    };
    Some((|| {
        if out.exists() {
            std::fs::remove_dir_all(out).map_err(|e| TaskError::new(format!("cannot clear {}: {e}", out.display())))?;
        }
        std::fs::create_dir_all(out).map_err(|e| TaskError::new(format!("{}: {e}", out.display())))?;
        let path = out.join(format!("{name}.yaml"));
        std::fs::write(&path, text).map_err(|e| TaskError::new(format!("{}: {e}", path.display())))
    })())
}
