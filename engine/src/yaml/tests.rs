use super::*;
use crate::source::SourceFile;
use serde_json::json;

fn load_str(s: &str) -> (SourceFile, Loaded) {
    let f = SourceFile::new("t.yaml", s);
    let l = load(&f);
    (f, l)
}

#[test]
fn multi_document_with_spans_and_kubectl_typing() {
    let (f, l) = load_str(
        "---\n# empty\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: yes\n  b: \"yes\"\n  mode: 0644\n---\n",
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(l.documents.len(), 1, "{:?}", l.documents.iter().map(|d| (&d.value, d.spans.span)).collect::<Vec<_>>());
    let d = &l.documents[0];
    assert_eq!(d.value["data"], json!({"a": true, "b": "yes", "mode": 420}));
    let a = d.root().get(&parse_dotted("data.a").unwrap()).unwrap();
    let pos = f.position(a.spans.key_span.unwrap().start);
    assert_eq!((pos.line, pos.column), (7, 3));
    assert_eq!(a.spans.style, Style::Plain);
    let rs = a.spans.report_span(&f.text);
    assert_eq!(&f.text[rs.start as usize..rs.end as usize], "a: yes");
}

#[test]
fn duplicate_keys_keep_last_and_point_at_both() {
    let (f, l) = load_str("a: 1\nb: 2\na: 3\n");
    assert_eq!(l.documents[0].value, json!({"a": 3, "b": 2}));
    assert_eq!(l.problems.len(), 1);
    let p = &l.problems[0];
    assert_eq!(p.rule, "yaml-duplicate-key");
    assert_eq!(f.position(p.span.start).line, 3);
    assert_eq!(f.position(p.related[0].0.start).line, 1);
    // spans follow the kept value
    let a = l.documents[0].root().get(&parse_dotted("a").unwrap()).unwrap();
    assert_eq!(f.position(a.spans.span.start).line, 3);
}

#[test]
fn yaml11_keys_collide() {
    let (_, l) = load_str("on: x\ntrue: z\ny: n\n");
    assert_eq!(l.documents[0].value, json!({"true": false}));
    assert_eq!(l.problems[0].rule, "yaml-duplicate-key");
}

#[test]
fn syntax_error_keeps_other_documents() {
    let (f, l) = load_str("a: 1\n---\nb: [\n---\nc: 3\n");
    let vals: Vec<_> = l.documents.iter().map(|d| d.value.clone()).collect();
    assert_eq!(vals, vec![json!({"a": 1}), json!({"c": 3})]);
    assert_eq!(l.problems.len(), 1);
    assert_eq!(l.problems[0].rule, "yaml-syntax");
    assert!(f.position(l.problems[0].span.start).line >= 3);
    // positions after the restart are still file-relative
    let c = l.documents[1].root().get(&parse_dotted("c").unwrap()).unwrap();
    assert_eq!(f.position(c.spans.key_span.unwrap().start).line, 5);
}

#[test]
fn tab_indentation_gets_a_hint() {
    let (_, l) = load_str("metadata:\n\tname: x\n");
    assert_eq!(l.problems.len(), 1);
    assert!(l.problems[0].message.contains("tab"), "{}", l.problems[0].message);
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let (_, l) = load_str("base: &b {x: 1, z: 2}\nuse:\n  <<: *b\n  z: 3\nref: *b\n");
    assert_eq!(
        l.documents[0].value,
        json!({"base": {"x": 1, "z": 2}, "use": {"z": 3, "x": 1}, "ref": {"x": 1, "z": 2}})
    );
}

#[test]
fn alias_bomb_is_bounded() {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let (_, l) = load_str(&s);
    assert!(l.documents.is_empty());
    assert!(l.problems.iter().any(|p| p.message.contains("billion laughs")));
}

/// Nodes of a JSON value (what alias expansion builds).
fn nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(nodes).sum::<usize>(),
        _ => 1,
    }
}

#[test]
fn alias_budget_is_per_file_across_syntax_errors() {
    // About 110,000 nodes per document; a broken line after each one restarts the parser, which used to renew
    // the budget (60 documents: 6.6 million nodes from 14 KB).
    let doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
               c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
               e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    let s: String = (0..20).map(|_| format!("---\n{doc}---\nx: [\n")).collect();
    let (_, l) = load_str(&s);
    let built: usize = l.documents.iter().map(|d| nodes(&d.value)).sum();
    assert!(built <= ALIAS_NODE_BUDGET + 20 * 100, "{built} nodes built");
    assert!(l.documents.len() < 10, "{} documents", l.documents.len());
    assert_eq!(l.problems.iter().filter(|p| p.message.contains("syntax error: while parsing")).count(), 20);
    assert!(l.problems.iter().any(|p| p.message.contains("1000000 nodes")), "{:?}", l.problems);
}

#[test]
fn alias_budget_counts_bytes() {
    // One node per copy, a megabyte each: 40 copies are 40 MiB of strings.
    let big = "x".repeat(1 << 20);
    let s = format!("k: &a {big}\nl:\n{}", "- *a\n".repeat(40));
    let (_, l) = load_str(&s);
    assert!(l.documents.is_empty());
    let p = l.problems.iter().find(|p| p.message.contains("billion laughs")).expect("a budget problem");
    assert!(p.message.contains("32 MiB of text"), "{}", p.message);
    // Under the budget, the copies are built.
    let s = format!("k: &a {big}\nl:\n{}", "- *a\n".repeat(20));
    let (_, l) = load_str(&s);
    assert_eq!(l.documents[0].value["l"].as_array().map(Vec::len), Some(20));
}

#[test]
fn a_document_parsed_again_spends_its_alias_budget_once() {
    // A flow continuation line left of its block (`]` under `args`) makes the document be parsed again.
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..5 {
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    // 111,111 nodes in the anchors and in each of 5 keys: 666,666 in all; parsed again after each of the 5
    // joins, which used to spend 2.2 million.
    for i in 0..5 {
        s.push_str(&format!("k{i}: [*a4,\n]\n"));
    }
    let (_, l) = load_str(&s);
    assert!(!l.problems.iter().any(|p| p.message.contains("billion laughs")), "{:?}", l.problems);
    assert_eq!(l.documents.len(), 1);
}

#[test]
fn flattened_document_is_detected() {
    let (_, l) =
        load_str("apiVersion: v1\nkind: Pod\nmetadata:\nname: web\nspec:\ncontainers:\n- name: web\nimage: nginx\n");
    assert!(l.documents[0].flattened);
    assert!(l.problems.iter().any(|p| p.rule == "yaml-lost-indentation"));
    let (_, ok) = load_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n");
    assert!(ok.problems.is_empty());
}

#[test]
fn nbsp_key_is_lost_indentation() {
    let (_, l) = load_str("apiVersion: v1\nkind: Pod\nmetadata:\n\u{a0}\u{a0}name: x\n");
    assert!(l.problems.iter().any(|p| p.rule == "yaml-lost-indentation"), "{:?}", l.problems);
}

#[test]
fn document_end_marker_splits() {
    let (_, l) = load_str("apiVersion: v1\nkind: Pod\n...\nspec:\n  containers: []\n");
    assert_eq!(l.documents.len(), 2);
}

#[test]
fn empty_input_has_nothing() {
    let (_, l) = load_str("");
    assert!(l.documents.is_empty() && l.problems.is_empty());
    let (_, l) = load_str("# c\n---\n---\na: 1\n");
    assert_eq!(l.documents.len(), 1);
    let (_, l) = load_str("# only a comment\n");
    assert!(l.documents.is_empty() && l.problems.is_empty());
}

#[test]
fn quoted_scalar_span_stops_at_the_closing_quote() {
    let (f, l) = load_str("a: \"66\\\"0\"  # comment\nb: 'it''s'  # c\n");
    for (key, raw) in [("a", "\"66\\\"0\""), ("b", "'it''s'")] {
        let n = l.documents[0].root().get(&parse_dotted(key).unwrap()).unwrap();
        assert_eq!(&f.text[n.spans.span.start as usize..n.spans.span.end as usize], raw);
    }
}

/// Spans are byte ranges of the text on character boundaries, also for non-ASCII keys at the end of a file
/// without a final line break (the parser's line and column point past the last line there).
#[test]
fn non_ascii_spans_at_end_of_file_are_valid_ranges() {
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n";
    let cases = [
        format!("{head}  é: x"),
        format!("{head}  é: x\n"),
        format!("{head}  键: 值"),
        format!("{head}  键: 值\n"),
        format!("{head}  é: x  # 注释"),
        format!("{head}  é: &a x\n  b: *a"),
        format!("{head}  \"é\": 'x'"),
        format!("{head}  é: |\n    ü"),
        format!("{head}  é: [x, ü]"),
        format!("{head}  é: {{k: ü}}"),
        format!("# 注释\n{head}  é: x").replace('\n', "\r\n"),
        format!("{head}  é: x\r\n").replace('\n', "\r\n").replace("\r\r", "\r"),
    ];
    for text in &cases {
        let (f, l) = load_str(text);
        assert!(l.problems.is_empty(), "{text:?}: {:?}", l.problems);
        let d = &l.documents[0];
        assert_eq!(invalid_span(&f.text, &d.spans), None, "{text:?}");
        let data = d.root().get(&parse_dotted("data").unwrap()).unwrap();
        let raw = f.slice(data.spans.span).unwrap();
        let first = data.spans.children[0].key_span.unwrap();
        let key = f.slice(first).unwrap().trim_matches('"');
        assert!(key == "é" || key == "键", "{text:?}: key {key:?}");
        assert!(raw.starts_with(f.slice(first).unwrap()), "{text:?}: {raw:?}");
        let pos = f.position(first.start);
        assert_eq!((pos.line, pos.column), (if text.starts_with('#') { 7 } else { 6 }, 3), "{text:?}");
    }
}

/// The smallest input the loader fuzzing found (a space, an invalid UTF-8 byte, a colon): spans are ranges of
/// the decoded text the findings are reported on.
#[test]
fn spans_of_lossy_decoded_text_are_valid_ranges() {
    for bytes in [&b" \xbd:"[..], b"a: \xbd\xbd", b"\xbd: x\n\xbd:", b"k:\n  \xe9: \xff"] {
        let f = SourceFile::from_bytes("t.yaml", bytes.to_vec());
        for doc in load(&f).documents {
            assert_eq!(invalid_span(&f.text, &doc.spans), None, "{bytes:?}");
        }
    }
}

/// saphyr alone rejects `text` (so a test of it exercises the loader's own handling).
fn saphyr_rejects(text: &str) -> bool {
    Parser::new_from_str(text).any(|e| e.is_err())
}

#[test]
fn flow_collections_closed_at_the_key_column_load_like_kubectl() {
    for text in [
        include_str!("../../../fixtures/regressions/flow-sequence-closed-at-key-column.yaml"),
        include_str!("../../../fixtures/regressions/flow-mapping-closed-at-key-column.yaml"),
    ] {
        assert!(saphyr_rejects(text));
        let (f, l) = load_str(text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        assert_eq!(l.documents.len(), 1);
        assert!(invalid_span(&f.text, &l.documents[0].spans).is_none());
    }
    let (f, l) = load_str(include_str!("../../../fixtures/regressions/flow-sequence-closed-at-key-column.yaml"));
    let c = &l.documents[0].value["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["args"], json!(["--v=2", "--collect=cpu,memory"]));
    assert_eq!(c["command"], json!(["/agent"]));
    // Spans are the original text's.
    let args = l.documents[0].root().get(&parse_dotted("spec.template.spec.containers[0].args[1]").unwrap()).unwrap();
    assert_eq!(f.slice(args.spans.span), Some("\"--collect=cpu,memory\""));
    let (_, l) = load_str(include_str!("../../../fixtures/regressions/flow-mapping-closed-at-key-column.yaml"));
    let spec = &l.documents[0].value["spec"]["template"]["spec"];
    assert_eq!(spec["nodeSelector"], json!({"kubernetes.io/os": "linux"}));
    assert_eq!(spec["containers"][0]["env"][1], json!({"name": "LEVEL", "value": "3"}));

    // Several documents: the one before is kept, the one after still loads.
    let (_, l) = load_str("a: 1\n---\nb:\n  c: [\n  1,\n  ]\n---\nd: 2\n");
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(
        l.documents.iter().map(|d| d.value.clone()).collect::<Vec<_>>(),
        [json!({"a": 1}), json!({"b": {"c": [1]}}), json!({"d": 2})]
    );
}

#[test]
fn flow_lines_are_joined_only_between_tokens() {
    // The line break, a comment and a blank line become spaces; offsets stay.
    let text = "a:\n  b: [x, # note\n\n  ]\n";
    let joined = join_flow_line(text, text.rfind(']').unwrap()).unwrap();
    assert_eq!(joined, "a:\n  b: [x,           ]\n");
    // A plain scalar continued on the next line folds differently: not joined.
    let text = "a:\n  b: [x\n  y]\n";
    assert_eq!(join_flow_line(text, text.rfind('y').unwrap()), None);
    // The line ends inside a quoted scalar: not joined.
    let text = "a:\n  b: [\"x\n  y\"]\n";
    assert_eq!(join_flow_line(text, text.rfind('y').unwrap()), None);
    // Not the first token of its line.
    let text = "a:\n  b: [x,\n  y, z]\n";
    assert_eq!(join_flow_line(text, text.rfind('z').unwrap()), None);
}

#[test]
fn block_scalar_ending_the_file_without_a_line_break_keeps_none() {
    for (text, value) in [
        ("a: |\n  x\n\n  y", "x\n\ny"),
        ("a: |+\n  x", "x"),
        ("a: |-\n  x", "x"),
        ("a: >\n  x\n  y", "x y"),
        ("a: |\n  x\n  ", "x\n"),
        ("a: |\n  x\n", "x\n"),
        ("a: |\n  x\n# end", "x\n"),
        ("a: |\n  é", "é"),
    ] {
        let (_, l) = load_str(text);
        assert_eq!(l.documents[0].value, json!({"a": value}), "{text:?}");
    }
    let (_, l) = load_str(include_str!("../../../fixtures/regressions/block-scalar-at-end-without-line-break.yaml"));
    assert_eq!(l.documents[0].value["data"]["app.conf"], json!("x = 1"));
}

#[test]
fn impossible_spans_are_repaired_to_the_nearest_valid_range() {
    let text = "k: é\n";
    // Inverted, past the end, inside the two bytes of `é`.
    assert_eq!(super::clamp(text, Span { start: 4, end: 2 }), Span::new(3, 3));
    assert_eq!(super::clamp(text, Span { start: 2, end: 99 }), Span::new(2, text.len()));
    assert_eq!(super::clamp(text, Span { start: 4, end: 4 }), Span::new(3, 3));
    let (f, mut l) = load_str("a:\n  é: x");
    let doc = &mut l.documents[0];
    doc.spans.children[0].span = Span { start: 13, end: 5 };
    doc.spans.children[0].children[0].key_span = Some(Span { start: 6, end: 8 });
    assert!(invalid_span(&f.text, &doc.spans).is_some());
    super::repair_spans(&f.text, &mut doc.spans);
    assert_eq!(invalid_span(&f.text, &doc.spans), None);
    assert_eq!(doc.spans.children[0].span, Span::new(f.text.len(), f.text.len()));
}
