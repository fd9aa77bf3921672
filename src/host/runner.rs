//! Runs one argument vector as a child process, with a deadline and bounded output.
//!
//! No shell: the words go to `execve` as they are. The child gets its own process group so a
//! timeout kills what it started too (an ssh ProxyCommand, a kubectl plugin).

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// More than any zoo.cfg; a runaway command cannot fill memory.
const STDOUT_CAP: usize = 4 << 20;
const STDERR_CAP: usize = 64 << 10;

/// What one action did: kept for the step's detail view, the log and the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionOutput {
    pub argv: Vec<String>,
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl ActionOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// One line for a log or an audit record: the exit and the last line of stderr.
    pub fn summary(&self) -> String {
        let last = self.stderr.lines().rev().find(|l| !l.trim().is_empty());
        let exit = match self.code {
            Some(c) => format!("exit {c}"),
            None => "ended by a signal".to_string(),
        };
        match last {
            Some(l) => format!("{exit} after {} ms: {}", self.elapsed.as_millis(), l.trim()),
            None => format!("{exit} after {} ms", self.elapsed.as_millis()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("`{program}` could not be started: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` ran over its {} s timeout and was killed", .0.argv.join(" "), .1.as_secs())]
    Timeout(Box<ActionOutput>, Duration),
    #[error("`{}` failed: {}", .0.argv.join(" "), .0.summary())]
    Failed(Box<ActionOutput>),
}

/// Runs `argv`, feeding `stdin` when given, and waits at most `timeout`.
pub async fn run(
    argv: &[String],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<ActionOutput, RunError> {
    let started = Instant::now();
    let (program, args) = argv.split_first().ok_or_else(|| RunError::Spawn {
        program: String::new(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
    })?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| RunError::Spawn {
            program: program.clone(),
            source,
        })?;
    let pid = child.id();
    let mut input = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let body = async {
        let feed = async {
            if let (Some(pipe), Some(bytes)) = (input.as_mut(), stdin) {
                // A command that does not read its input is not an error of ours.
                let _ = pipe.write_all(bytes).await;
                let _ = pipe.shutdown().await;
            }
            drop(input.take());
        };
        let (_, out, err, status) = tokio::join!(
            feed,
            read_capped(stdout, STDOUT_CAP),
            read_capped(stderr, STDERR_CAP),
            child.wait()
        );
        (out, err, status)
    };
    let finished = tokio::time::timeout(timeout, body).await;
    let output = |code, stdout, stderr: Vec<u8>| ActionOutput {
        argv: argv.to_vec(),
        code,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    match finished {
        Ok((out, err, status)) => {
            let code = status.ok().and_then(|s| s.code());
            let o = output(code, out, err);
            if o.success() {
                Ok(o)
            } else {
                Err(RunError::Failed(Box::new(o)))
            }
        }
        Err(_) => {
            if let Some(pid) = pid {
                let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
            }
            Err(RunError::Timeout(
                Box::new(output(None, Vec::new(), Vec::new())),
                timeout,
            ))
        }
    }
}

async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(pipe) = pipe else { return out };
    // Read one byte past the cap to know it was cut, then keep draining so the child never
    // blocks on a full pipe.
    let mut pipe = pipe;
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(out.len());
                out.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[tokio::test]
    async fn output_and_input_pass_through_without_a_shell() {
        let o = run(
            &argv(&["cat"]),
            Some(b"a; rm -rf /\n"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(o.stdout, b"a; rm -rf /\n");
        let o = run(
            &argv(&["echo", "$HOME", "`id`"]),
            None,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(o.stdout, b"$HOME `id`\n");
    }

    #[tokio::test]
    async fn a_failing_command_keeps_its_stderr() {
        let e = run(
            &argv(&["ls", "/no/such/dir/zkconsole"]),
            None,
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        let RunError::Failed(o) = e else {
            panic!("{e}")
        };
        assert_ne!(o.code, Some(0));
        assert!(
            o.summary().contains("/no/such/dir/zkconsole"),
            "{}",
            o.summary()
        );
    }

    #[tokio::test]
    async fn a_command_over_its_deadline_is_killed_with_its_children() {
        let timeout = Duration::from_millis(300);
        let e = run(&argv(&["sleep", "30"]), None, timeout)
            .await
            .unwrap_err();
        let RunError::Timeout(o, t) = e else {
            panic!("{e}")
        };
        assert_eq!(t, timeout);
        // Killed, not waited for: well under the child's own 30 s.
        assert!(o.elapsed < timeout * 20, "{:?}", o.elapsed);
    }

    #[tokio::test]
    async fn a_missing_program_is_named() {
        let e = run(&argv(&["/no/such/program"]), None, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("/no/such/program"), "{e}");
    }
}
