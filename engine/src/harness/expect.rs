//! Expectations of a fixture: `# expect: id[, id…]` comments and `.expect` sidecar files.

/// The `(line, rule)` pairs declared by `# expect:` comments in `text` (lines are 1-based).
///
/// A directive is a `#` at the start of a line or after whitespace (a YAML comment), optional
/// spaces, `expect:`, then rule ids separated by commas and/or spaces, up to the end of the line or
/// the next `#`. Several directives may share a line (`# expect: a # expect: a`), and an id may be
/// repeated (`# expect: a, a`): each occurrence expects one finding.
pub fn parse_expectations(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        for (pos, _) in line.match_indices('#') {
            let before = &line[..pos];
            if !(before.is_empty() || before.ends_with([' ', '\t'])) {
                continue;
            }
            let Some(ids) = line[pos + 1..].trim_start().strip_prefix("expect:") else {
                continue;
            };
            let ids = ids.split('#').next().unwrap_or("");
            out.extend(split_ids(ids).map(|id| (line_no, id.to_string())));
        }
    }
    out
}

/// Parses a sidecar `.expect` file: one `LINE: id[, id…]` per line; blank lines and lines
/// starting with `#` are ignored. Errors name the offending line.
pub fn parse_sidecar(text: &str) -> Result<Vec<(u32, String)>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.split_once(':').and_then(|(n, ids)| {
            let n: u32 = n.trim().parse().ok().filter(|n| *n > 0)?;
            let ids: Vec<&str> = split_ids(ids).collect();
            (!ids.is_empty()).then_some((n, ids))
        });
        match parsed {
            Some((n, ids)) => out.extend(ids.into_iter().map(|id| (n, id.to_string()))),
            None => return Err(format!("line {}: expected `LINE: rule-id[, rule-id…]`, found `{raw}`", i + 1)),
        }
    }
    Ok(out)
}

/// Applies the `# kvet-test: SETTING…` directives of a fixture to a copy of the run's config. Settings:
/// `k8s-version=X.Y` (the target Kubernetes version, which must be embedded), `strict` (`--strict`),
/// `enable=ID[,ID]` (opt-in rules), `disable=ID[,ID]` and `fault=load|evaluate` (a panic injected while the
/// fixture is loaded or its objects are evaluated: kvet's bug containment, `internal-error`).
/// Errors name the line.
pub fn apply_settings(text: &str, config: &mut crate::Config, path: &std::path::Path) -> Result<(), String> {
    // `helm-*` settings (in a chart's Chart.yaml) render that chart as a `helm.charts` entry would.
    let mut chart: Option<crate::config::HelmChart> = None;
    let dir = path.parent().unwrap_or(std::path::Path::new(".")).to_path_buf();
    fn entry<'c>(
        chart: &'c mut Option<crate::config::HelmChart>,
        dir: &std::path::Path,
    ) -> &'c mut crate::config::HelmChart {
        chart.get_or_insert_with(|| crate::config::HelmChart {
            chart: dir.to_path_buf(),
            release: None,
            namespace: None,
            values: Vec::new(),
            set: Vec::new(),
            replay: None,
        })
    }
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("# kvet-test:") else { continue };
        for setting in line[pos + "# kvet-test:".len()..].split_whitespace() {
            match setting.split_once('=') {
                Some(("helm-release", v)) => entry(&mut chart, &dir).release = Some(v.to_owned()),
                Some(("helm-namespace", v)) => entry(&mut chart, &dir).namespace = Some(v.to_owned()),
                Some(("helm-values", v)) => entry(&mut chart, &dir).values.extend(split_ids(v).map(|f| dir.join(f))),
                Some(("helm-set", v)) => entry(&mut chart, &dir).set.push(v.to_owned()),
                Some(("helm-output", v)) => entry(&mut chart, &dir).replay = Some(dir.join(v)),
                None if setting == "no-helm" => config.helm.render = false,
                Some(("k8s-version", v)) => match crate::config::parse_version(v) {
                    Some(ver) if crate::schema::is_embedded(ver) => config.target_version = ver,
                    _ => {
                        return Err(format!(
                            "line {}: k8s-version={v} is not an embedded Kubernetes version ({})",
                            i + 1,
                            crate::schema::versions_line()
                        ))
                    }
                },
                None if setting == "strict" => config.strict_schemas = true,
                Some(("k8s-upgrade-to", v)) => match crate::config::parse_version(v) {
                    Some(ver) => config.upgrade_to = Some(ver),
                    None => return Err(format!("line {}: k8s-upgrade-to={v} is not a Kubernetes version", i + 1)),
                },
                Some(("enable", ids)) => config.also_enabled.extend(split_ids(ids).map(str::to_owned)),
                Some(("profile", ids)) => config.selection.profiles.extend(split_ids(ids).map(str::to_owned)),
                Some(("select", ids)) => config.selection.select = Some(split_ids(ids).map(str::to_owned).collect()),
                Some(("ignore", ids)) => config.selection.ignore.extend(split_ids(ids).map(str::to_owned)),
                Some(("disable", ids)) => config.also_disabled.extend(split_ids(ids).map(str::to_owned)),
                Some(("fault", "load")) => config.fault = Some(crate::guard::Fault::Load),
                Some(("fault", "evaluate")) => config.fault = Some(crate::guard::Fault::Evaluate),
                _ => {
                    return Err(format!(
                        "line {}: unknown kvet-test setting `{setting}` (k8s-version=X.Y, k8s-upgrade-to=X.Y, strict, enable=ID[,ID], disable=ID[,ID], profile=P[,P], select=S[,S], ignore=S[,S], fault=load|evaluate, no-helm, helm-output=FILE, helm-release=NAME, helm-namespace=NS, helm-values=FILE[,FILE], helm-set=KEY=VALUE)",
                        i + 1
                    ))
                }
            }
        }
    }
    config.helm.charts.extend(chart);
    Ok(())
}

fn split_ids(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', ' ', '\t']).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(line: u32, id: &str) -> (u32, String) {
        (line, id.to_string())
    }

    #[test]
    fn comments() {
        let text = "\
apiVersion: v1  # expect: a
kind: Pod #expect: b, c
# expect: d
x: \"a#expect: not-a-comment\"
y: 1 # note # expect: e
z: 2 # expect: f # expect: f
w: 3 # expect: g,g  h
v: 4 # expected: nope
u: 5 # kvet-ignore: i
t: 6 # expect:
";
        assert_eq!(
            parse_expectations(text),
            vec![
                e(1, "a"),
                e(2, "b"),
                e(2, "c"),
                e(3, "d"),
                e(5, "e"),
                e(6, "f"),
                e(6, "f"),
                e(7, "g"),
                e(7, "g"),
                e(7, "h"),
            ]
        );
    }

    #[test]
    fn crlf_and_no_comments() {
        assert_eq!(parse_expectations("a: 1\r\nb: 2 # expect: x\r\n"), vec![e(2, "x")]);
        assert!(parse_expectations("a: 1\nb: [1, 2]\n").is_empty());
        assert!(parse_expectations("").is_empty());
    }

    #[test]
    fn sidecar() {
        let text = "# lines of fail.json\n\n3: a\n 7 : b, c\n7: b\n";
        assert_eq!(parse_sidecar(text).unwrap(), vec![e(3, "a"), e(7, "b"), e(7, "c"), e(7, "b")]);
        assert_eq!(parse_sidecar("3 a\n").unwrap_err(), "line 1: expected `LINE: rule-id[, rule-id…]`, found `3 a`");
        assert!(parse_sidecar("0: a\n").is_err());
        assert!(parse_sidecar("x: a\n").is_err());
        assert!(parse_sidecar("4:\n").is_err());
    }
}
