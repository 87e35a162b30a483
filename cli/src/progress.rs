//! The progress indicator of long `kvet check` runs: an indicatif spinner on stderr with the phase,
//! the file count and the elapsed time. It exists only when stderr is a terminal (and not `--quiet`),
//! and it is drawn only once the run has lasted [`DELAY`]: short runs — nearly all of them — never
//! show it, and piped or redirected output never contains it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a run lasts before the indicator appears. `KVET_PROGRESS_DELAY_MS` overrides it (tests
/// use 0 to see the indicator on a small input).
const DELAY: Duration = Duration::from_millis(1000);

/// A progress indicator that stays hidden until the run has lasted [`DELAY`]; cleared on drop.
pub struct Progress {
    bar: Option<ProgressBar>,
    stop: Option<Sender<()>>,
    waiter: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the (hidden) indicator when `enabled`; otherwise every method does nothing.
    pub fn start(enabled: bool) -> Progress {
        if !enabled {
            return Progress { bar: None, stop: None, waiter: None };
        }
        let delay = std::env::var("KVET_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DELAY);
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        // The waiter reveals the indicator after the delay unless the run finished first.
        let waiter = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(delay) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.tick();
                shown.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Progress { bar: Some(bar), stop: Some(stop), waiter: Some(waiter) }
    }

    /// Sets the phase shown next to the spinner, e.g. `checking 1200 files`.
    pub fn message(&self, text: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(text);
        }
    }

    /// Stops and erases the indicator (before the report is printed).
    pub fn finish(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
