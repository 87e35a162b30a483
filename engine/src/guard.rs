//! Containment of kvet's own bugs: a panic while one file is loaded or one object is evaluated becomes an
//! `internal-error` finding at that file or object, and every other file is still checked and reported.
//!
//! The engine's invariant is that user input never panics; this module is what keeps a broken invariant from
//! costing the user the whole run (exit 101, every finding lost). The fixture harness can inject a panic on
//! purpose (`# kvet-test: fault=load|evaluate`, [`Fault`]) so that the path is tested end to end.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Where the fixture harness makes the engine panic on purpose (`# kvet-test: fault=load|evaluate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// While a file is loaded.
    Load,
    /// While an object is evaluated.
    Evaluate,
}

/// The payload of an injected panic, so that the CLI's panic hook can leave it out of stderr.
#[derive(Debug)]
pub struct InjectedFault;

/// Panics with [`InjectedFault`] when `config` asks for a fault at `at`.
pub(crate) fn inject(config: &crate::Config, at: Fault) {
    if config.fault == Some(at) {
        std::panic::panic_any(InjectedFault);
    }
}

/// Runs `f`; a panic inside becomes `Err` with the panic's message. The work it does is thrown away, so
/// `f` must not leave shared state half-updated (the engine's per-file and per-object work writes only to
/// what it returns).
pub(crate) fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        if payload.is::<InjectedFault>() {
            "fault injected by `# kvet-test: fault=…`".to_owned()
        } else if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic without a message".to_owned()
        }
    })
}

/// The `internal-error` problem at `span`: the one shape of every report of a bug of kvet's.
pub(crate) fn problem(span: crate::Span, message: String) -> crate::yaml::Problem {
    crate::yaml::Problem {
        rule: "internal-error",
        severity: crate::Severity::Error,
        span,
        message,
        help: Some(HELP.into()),
        related: Vec::new(),
        path: String::new(),
    }
}

/// The help line of every `internal-error` finding.
const HELP: &str = "This is a bug in kvet, not in the file: please report it with the file (or a reduced copy) at https://github.com/kvet-dev/kvet/issues; `# kvet-ignore-file: internal-error` silences it meanwhile.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(guard(|| 7), Ok(7));
        let s = guard(|| -> u8 { panic!("span {} > {}", 59, 57) });
        let lit = guard(|| -> u8 { panic!("plain") });
        let injected = guard(|| -> u8 { std::panic::panic_any(InjectedFault) });
        assert_eq!(s, Err("span 59 > 57".to_owned()));
        assert_eq!(lit, Err("plain".to_owned()));
        assert!(injected.unwrap_err().contains("fault injected"));
    }
}
