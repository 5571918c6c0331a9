//! The Activity list: every running job with progress, speed and a Cancel button.

use std::path::PathBuf;

use egui::RichText;

use crate::workers::download::{JobEvent, JobId};

/// Where a job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running,
    Done(PathBuf),
    Failed(String),
    Cancelled,
}

/// One row of the list.
#[derive(Debug)]
pub struct JobView {
    pub id: JobId,
    pub title: String,
    pub target: Option<PathBuf>,
    pub done: u64,
    pub total: Option<u64>,
    pub bytes_per_sec: f64,
    pub state: JobState,
    abort: Option<tokio::task::AbortHandle>,
}

/// All jobs of this run, newest first.
#[derive(Debug, Default)]
pub struct Activity {
    pub jobs: Vec<JobView>,
}

/// What a finished job means to the user, for a toast.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Saved(PathBuf),
    Failed(String),
}

impl Activity {
    /// Adds a job the moment it is queued, so Cancel works before it starts.
    pub fn add(&mut self, id: JobId, title: String, abort: tokio::task::AbortHandle) {
        self.jobs.insert(
            0,
            JobView {
                id,
                title,
                target: None,
                done: 0,
                total: None,
                bytes_per_sec: 0.0,
                state: JobState::Running,
                abort: Some(abort),
            },
        );
    }

    pub fn running(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.state == JobState::Running)
            .count()
    }

    /// Applies a worker event; returns an outcome when a job ended.
    pub fn apply(&mut self, event: JobEvent) -> Option<JobOutcome> {
        let id = match &event {
            JobEvent::Started { id, .. }
            | JobEvent::Progress { id, .. }
            | JobEvent::Finished { id, .. } => *id,
        };
        let job = self.jobs.iter_mut().find(|j| j.id == id)?;
        if job.state == JobState::Cancelled {
            return None;
        }
        match event {
            JobEvent::Started { title, target, .. } => {
                job.title = title;
                job.target = Some(target);
                None
            }
            JobEvent::Progress {
                done,
                total,
                bytes_per_sec,
                ..
            } => {
                job.done = done;
                job.total = total;
                job.bytes_per_sec = bytes_per_sec;
                None
            }
            JobEvent::Finished { result, .. } => {
                job.abort = None;
                match result {
                    Ok(path) => {
                        job.state = JobState::Done(path.clone());
                        Some(JobOutcome::Saved(path))
                    }
                    Err(e) => {
                        job.state = JobState::Failed(e.clone());
                        Some(JobOutcome::Failed(e))
                    }
                }
            }
        }
    }

    pub fn cancel(&mut self, id: JobId) {
        if let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) {
            if let Some(a) = job.abort.take() {
                a.abort();
            }
            if job.state == JobState::Running {
                job.state = JobState::Cancelled;
            }
        }
    }

    pub fn clear_finished(&mut self) {
        self.jobs.retain(|j| j.state == JobState::Running);
    }

    /// Draws the list.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Activity");
            if ui.button("Clear finished").clicked() {
                self.clear_finished();
            }
        });
        if self.jobs.is_empty() {
            ui.weak("No transfers yet. Downloads appear here.");
            return;
        }
        let running: Vec<&JobView> = self
            .jobs
            .iter()
            .filter(|j| j.state == JobState::Running)
            .collect();
        if running.len() > 1 {
            // Total progress over the running jobs whose size is known.
            let done: u64 = running.iter().map(|j| j.done).sum();
            let total: u64 = running.iter().filter_map(|j| j.total).sum();
            let speed: f64 = running.iter().map(|j| j.bytes_per_sec).sum();
            let text = format!(
                "{} jobs · {}",
                running.len(),
                progress_text(done, (total > 0).then_some(total), speed)
            );
            let fraction = if total > 0 {
                done as f32 / total as f32
            } else {
                0.0
            };
            ui.add(egui::ProgressBar::new(fraction).text(text));
        }
        let mut cancel = None;
        egui::ScrollArea::vertical()
            .id_salt("activity")
            .show(ui, |ui| {
                for job in &self.jobs {
                    ui.separator();
                    let name = job
                        .target
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map_or_else(|| job.title.clone(), |n| n.to_string_lossy().into_owned());
                    ui.label(RichText::new(name).strong())
                        .on_hover_text(&job.title);
                    match &job.state {
                        JobState::Running => {
                            let text = progress_text(job.done, job.total, job.bytes_per_sec);
                            let bar = match job.total {
                                Some(t) if t > 0 => {
                                    egui::ProgressBar::new(job.done as f32 / t as f32)
                                }
                                _ => egui::ProgressBar::new(0.0).animate(true),
                            };
                            ui.add(bar.text(text));
                            if ui.button("Cancel").clicked() {
                                cancel = Some(job.id);
                            }
                        }
                        JobState::Done(path) => {
                            ui.label(format!(
                                "Done: {} · {}",
                                human_bytes(job.done),
                                path.display()
                            ));
                        }
                        JobState::Failed(e) => {
                            ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {e}"));
                        }
                        JobState::Cancelled => {
                            ui.weak("Cancelled (the .part file is kept)");
                        }
                    }
                }
            });
        if let Some(id) = cancel {
            self.cancel(id);
        }
    }
}

/// `12.3 MB of 100 MB · 45.6 MB/s · 2 s left`
pub fn progress_text(done: u64, total: Option<u64>, bytes_per_sec: f64) -> String {
    let mut s = human_bytes(done);
    if let Some(t) = total {
        s.push_str(&format!(" of {}", human_bytes(t)));
    }
    if bytes_per_sec > 0.0 {
        s.push_str(&format!(" · {}/s", human_bytes(bytes_per_sec as u64)));
        if let Some(t) = total
            && t > done
        {
            let left = (t - done) as f64 / bytes_per_sec;
            s.push_str(&format!(" · {} s left", left.ceil() as u64));
        }
    }
    s
}

/// Bytes for people: `512 B`, `1.5 kB`, `12.3 MB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1500), "1.5 kB");
        assert_eq!(human_bytes(1_073_741_824), "1.1 GB");
        assert_eq!(
            progress_text(50, Some(100), 25.0),
            "50 B of 100 B · 25 B/s · 2 s left"
        );
    }

    #[tokio::test]
    async fn job_lifecycle() {
        let mut a = Activity::default();
        let handle = tokio::spawn(async {});
        a.add(1, "gopher://h/9/x".into(), handle.abort_handle());
        assert_eq!(a.running(), 1);
        a.apply(JobEvent::Progress {
            id: 1,
            done: 10,
            total: Some(20),
            bytes_per_sec: 1.0,
        });
        assert_eq!(a.jobs[0].done, 10);
        let out = a.apply(JobEvent::Finished {
            id: 1,
            result: Ok(PathBuf::from("/tmp/x")),
        });
        assert_eq!(out, Some(JobOutcome::Saved(PathBuf::from("/tmp/x"))));
        assert_eq!(a.running(), 0);
        a.clear_finished();
        assert!(a.jobs.is_empty());
    }
}
