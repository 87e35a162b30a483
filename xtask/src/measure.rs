//! Runs a child process and measures its wall time and peak resident set size.
//!
//! On Unix the child is reaped with `wait4`, which returns that child's own resource usage (`ru_maxrss`),
//! so each run gets its own peak RSS rather than the maximum over every child so far (`RUSAGE_CHILDREN`).

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The outcome of one measured run.
pub struct Measured {
    /// How the process ended.
    pub status: ExitStatus,
    /// Wall-clock time from spawn to exit.
    pub wall: Duration,
    /// Peak resident set size in bytes, where the platform reports it.
    pub max_rss: Option<u64>,
    /// Everything the process wrote to stderr.
    pub stderr: Vec<u8>,
}

fn drain(mut reader: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = reader.read_to_end(&mut buffer);
        buffer
    })
}

/// Spawns `command` with its stdout written to `stdout` (a file: a report held in this process's memory
/// would count in the child's peak RSS — on Linux a child's `ru_maxrss` starts from the parent's when it
/// execs) and stderr piped, waits for it, and measures it.
pub fn run(command: &mut Command, stdout: std::fs::File) -> io::Result<Measured> {
    command.stdin(Stdio::null()).stdout(Stdio::from(stdout)).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn()?;
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let (status, max_rss) = wait(&mut child)?;
    let wall = start.elapsed();
    Ok(Measured { status, wall, max_rss, stderr: stderr.join().unwrap_or_default() })
}

#[cfg(unix)]
fn wait(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<u64>)> {
    use std::os::unix::process::ExitStatusExt;

    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own un-reaped child (std has not waited on it); `status` and `usage` are
        // valid, exclusively borrowed out-pointers for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            // Linux reports ru_maxrss in KiB, macOS in bytes.
            let max_rss =
                u64::try_from(usage.ru_maxrss).ok().map(|v| if cfg!(target_os = "macos") { v } else { v * 1024 });
            return Ok((ExitStatus::from_raw(status), max_rss));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(not(unix))]
fn wait(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<u64>)> {
    Ok((child.wait()?, None))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_and_its_output() {
        let path = std::env::temp_dir().join(format!("kvet-measure-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let measured = run(Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]), file).unwrap();
        assert_eq!(measured.status.code(), Some(3));
        assert_eq!(std::fs::read(&path).unwrap(), b"out\n");
        assert_eq!(measured.stderr, b"err\n");
        std::fs::remove_file(&path).ok();
        assert!(measured.max_rss.unwrap_or(0) > 0);
    }
}
