//! Progress of the long steps (the first full reconciliation, `sync audit`) for a person.
//!
//! On a terminal a [`Progress`] draws a bar (indicatif) on stderr; anywhere else (a log file,
//! journald, a CI job) it writes plain lines instead, one when the step starts, one each time
//! another tenth of it is done or [`Progress::PLAIN_EVERY`] has passed with progress, and one
//! at the end, so a long first run is never silent in a log and never floods it either.
//!
//! ```
//! use sync_connector::progress::Progress;
//!
//! let p = Progress::plain("reading the BigCommerce catalog", "products", Vec::new());
//! p.set(250, 1_000);
//! p.set(260, 1_000); // same tenth, within the interval: no new line
//! p.finish("catalog read");
//! let text = String::from_utf8(p.into_plain_output().unwrap()).unwrap();
//! assert_eq!(
//!     text,
//!     "reading the BigCommerce catalog: 250/1000 products\n\
//!      reading the BigCommerce catalog: catalog read (260/1000 products)\n"
//! );
//! ```

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// A progress display for one long step: a bar on a terminal, plain lines otherwise.
#[derive(Debug)]
pub struct Progress {
    label: Mutex<String>,
    unit: String,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Bar(ProgressBar),
    Plain(Mutex<Plain>),
}

struct Plain {
    out: Box<dyn Write + Send>,
    /// The buffer behind `out` for a [`Progress::plain`] display.
    buffer: Option<std::sync::Arc<Mutex<Vec<u8>>>>,
    /// The tenth last written (`None`: nothing written for this stage yet).
    tenth: Option<u64>,
    at: Instant,
    done: u64,
    total: u64,
    /// Whether anything changed since the last line.
    moved: bool,
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("tenth", &self.tenth)
            .field("done", &self.done)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// Keeps the written bytes for [`Progress::into_plain_output`].
struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Progress {
    /// The longest a plain display stays silent while the step moves.
    pub const PLAIN_EVERY: Duration = Duration::from_secs(10);

    /// A display on stderr: a bar when stderr is a terminal, plain lines otherwise.
    /// `label` names the step ("reading the BigCommerce catalog"), `unit` what is counted
    /// ("products").
    pub fn stderr(label: &str, unit: &str) -> Progress {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{elapsed}})"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(label.to_owned());
            Progress {
                label: Mutex::new(label.to_owned()),
                unit: unit.to_owned(),
                sink: Sink::Bar(bar),
            }
        } else {
            Self::with_writer(label, unit, Box::new(std::io::stderr()), None)
        }
    }

    /// A plain-lines display writing into a buffer (tests, or a caller that logs the text
    /// itself); read it back with [`Progress::into_plain_output`].
    pub fn plain(label: &str, unit: &str, buffer: Vec<u8>) -> Progress {
        let buffer = std::sync::Arc::new(Mutex::new(buffer));
        Self::with_writer(label, unit, Box::new(Shared(buffer.clone())), Some(buffer))
    }

    fn with_writer(
        label: &str,
        unit: &str,
        out: Box<dyn Write + Send>,
        buffer: Option<std::sync::Arc<Mutex<Vec<u8>>>>,
    ) -> Progress {
        Progress {
            label: Mutex::new(label.to_owned()),
            unit: unit.to_owned(),
            sink: Sink::Plain(Mutex::new(Plain {
                out,
                buffer,
                tenth: None,
                at: Instant::now(),
                done: 0,
                total: 0,
                moved: false,
            })),
        }
    }

    fn label(&self) -> String {
        self.label.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `done` of `total` units are done (`total` 0: not known yet).
    pub fn set(&self, done: u64, total: u64) {
        match &self.sink {
            Sink::Bar(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            Sink::Plain(p) => {
                let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                p.moved |= p.done != done || p.total != total;
                p.done = done;
                p.total = total;
                let tenth = (done * 10).checked_div(total).unwrap_or(0);
                let due =
                    p.tenth != Some(tenth) || (p.moved && p.at.elapsed() >= Self::PLAIN_EVERY);
                if due && (total > 0 || p.tenth.is_none()) {
                    let line = format!("{}: {done}/{total} {}", self.label(), self.unit);
                    let _ = writeln!(p.out, "{line}");
                    p.tenth = Some(tenth);
                    p.at = Instant::now();
                    p.moved = false;
                }
            }
        }
    }

    /// Starts a new stage of the same step under another label; the count starts again.
    pub fn stage(&self, label: &str) {
        *self.label.lock().unwrap_or_else(|e| e.into_inner()) = label.to_owned();
        match &self.sink {
            Sink::Bar(bar) => {
                bar.set_message(label.to_owned());
                bar.set_length(0);
                bar.set_position(0);
            }
            Sink::Plain(p) => {
                let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(p.out, "{label}");
                p.tenth = None;
                p.done = 0;
                p.total = 0;
                p.at = Instant::now();
                p.moved = false;
            }
        }
    }

    /// Ends the step with `message` ("catalog read"); a bar is cleared from the terminal.
    pub fn finish(&self, message: &str) {
        match &self.sink {
            Sink::Bar(bar) => bar.finish_and_clear(),
            Sink::Plain(p) => {
                let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                let line = format!(
                    "{}: {message} ({}/{} {})",
                    self.label(),
                    p.done,
                    p.total,
                    self.unit
                );
                let _ = writeln!(p.out, "{line}");
                let _ = p.out.flush();
            }
        }
    }

    /// The text a [`Progress::plain`] display wrote; `None` for any other display.
    pub fn into_plain_output(self) -> Option<Vec<u8>> {
        let Sink::Plain(p) = self.sink else {
            return None;
        };
        let p = p.into_inner().unwrap_or_else(|e| e.into_inner());
        let buffer = p.buffer?;
        let bytes = std::mem::take(&mut *buffer.lock().unwrap_or_else(|e| e.into_inner()));
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    fn text(p: Progress) -> String {
        String::from_utf8(p.into_plain_output().expect("a plain display")).expect("utf-8")
    }

    #[test]
    fn plain_lines_at_each_tenth_and_per_stage() {
        let p = Progress::plain("audit: catalog", "products", Vec::new());
        for done in 0..=100 {
            p.set(done, 100);
        }
        p.stage("audit: orders");
        p.set(0, 0); // total not known yet: one line, then nothing until it is
        p.set(0, 0);
        p.set(3, 4);
        p.finish("done");
        let t = text(p);
        let lines: Vec<&str> = t.lines().collect();
        // 0/100, 10/100 … 100/100 (11 lines), the stage, 0/0, 3/4, the end
        assert_eq!(lines.len(), 15, "{t}");
        assert_eq!(lines[0], "audit: catalog: 0/100 products");
        assert_eq!(lines[10], "audit: catalog: 100/100 products");
        assert_eq!(lines[11], "audit: orders");
        assert_eq!(lines[12], "audit: orders: 0/0 products");
        assert_eq!(lines[13], "audit: orders: 3/4 products");
        assert_eq!(lines[14], "audit: orders: done (3/4 products)");
    }

    #[test]
    fn a_terminal_display_has_no_plain_output() {
        // stderr of a test harness is not a terminal: this is a plain display writing to it
        let p = Progress::stderr("x", "items");
        p.set(1, 2);
        assert_eq!(p.into_plain_output(), None);
    }
}
