//! `KVET_TIMINGS=1`: phase times on stderr, shared by the engine and the CLI (docs/benchmarks.md).

/// Phase timings on stderr when `KVET_TIMINGS` is set (for profiling; see docs/benchmarks.md). The only
/// place the engine prints: a developer's switch, never part of a report.
#[allow(clippy::print_stderr)]
pub struct Timer(Option<std::time::Instant>);

#[allow(clippy::print_stderr)]
impl Timer {
    /// Starts the clock when `KVET_TIMINGS` is set.
    pub fn from_env() -> Self {
        Timer(std::env::var_os("KVET_TIMINGS").map(|_| std::time::Instant::now()))
    }

    /// Whether timings are printed.
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Prints the time since the last phase under `name`.
    pub fn phase(&mut self, name: &str) {
        if let Some(start) = &mut self.0 {
            eprintln!("kvet timing: {name:<14} {:>8.1} ms", start.elapsed().as_secs_f64() * 1e3);
            *start = std::time::Instant::now();
        }
    }

    /// Prints the 15 largest of (nanoseconds, name), largest first.
    pub fn costliest(&self, mut spent: Vec<(u64, &str)>) {
        if !self.enabled() {
            return;
        }
        spent.sort_unstable_by(|a, b| b.cmp(a));
        for (ns, name) in spent.iter().take(15) {
            eprintln!("kvet timing:   rule {name:<34} {:>8.1} ms", *ns as f64 / 1e6);
        }
    }
}
