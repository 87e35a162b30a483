//! CLI behaviour as data: each `tests/cmd/*.toml` states arguments, stdin, exit status and exact output.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
