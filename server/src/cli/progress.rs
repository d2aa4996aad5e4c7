//! Progress of a run on a terminal: a bar per file while it loads (only when stderr is a
//! terminal), and a one-line summary per file at the end.

use std::io::IsTerminal;

use engine::etl::{FileReport, Outcome, Progress, ProgressEvent};
use indicatif::{ProgressBar, ProgressStyle};

pub struct TerminalProgress {
    bar: Option<ProgressBar>,
}

impl TerminalProgress {
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:30!} [{bar:30}] {bytes}/{total_bytes} {prefix}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        Self { bar }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for TerminalProgress {
    fn event(&self, event: &ProgressEvent) {
        let Some(bar) = &self.bar else { return };
        match event {
            ProgressEvent::FileStarted { index, total, name, size_bytes, .. } => {
                bar.reset();
                bar.set_length(*size_bytes);
                bar.set_message(format!("{index}/{total} {name}"));
                bar.set_prefix("");
            }
            ProgressEvent::FileProgress { bytes_read, rows, .. } => {
                bar.set_position(*bytes_read);
                bar.set_prefix(format!("{} rows", thousands(*rows)));
            }
            ProgressEvent::FileFinished { report, .. } => bar.println(summary_line(report)),
            ProgressEvent::RunStarted { .. }
            | ProgressEvent::RunFinished { .. }
            | ProgressEvent::Changed { .. } => {}
        }
    }
}

/// `loaded    statement.tsv (distrokid): 1,000 rows read, 988 values loaded, 0 rejected, 12 skipped …`
pub fn summary_line(file: &FileReport) -> String {
    let source = file.source.map(|s| format!(" ({s})")).unwrap_or_default();
    match file.outcome {
        Outcome::Loaded => format!(
            "loaded    {}{source}: {} rows read, {} values loaded, {} rejected, {} skipped (already stored)",
            file.name,
            thousands(file.rows_read),
            thousands(file.rows_loaded),
            thousands(file.rows_rejected),
            thousands(file.rows_skipped)
        ),
        Outcome::AlreadyImported => {
            format!("skipped   {}{source}: already imported, nothing changed", file.name)
        }
        Outcome::Rejected => {
            format!("rejected  {}{source}: {}", file.name, file.message.as_deref().unwrap_or("rejected"))
        }
    }
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
