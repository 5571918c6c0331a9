//! The Activity list: every running job with progress, speed and a Cancel button.

use std::path::PathBuf;

use egui::RichText;

use crate::workers::jobs::{JobEvent, JobId};
use crate::workers::queue::{Move, TransferQueue};

/// Where a job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running,
    Done(PathBuf),
    Failed(String),
    Cancelled,
    /// Stopped by the user, to be resumed: an FTP download continues from its `.part`.
    Paused,
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
    /// What a folder job is doing, shown under its bar.
    pub detail: String,
    abort: Option<tokio::task::AbortHandle>,
    /// The app can start this job again (Pause/Resume, Retry).
    pub restartable: bool,
}

/// All jobs of this run, newest first.
#[derive(Debug, Default)]
pub struct Activity {
    pub jobs: Vec<JobView>,
    restarts: Vec<JobId>,
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
                detail: String::new(),
                abort: Some(abort),
                restartable: false,
            },
        );
    }

    /// Adds a job that Pause/Resume and Retry can start again.
    pub fn add_restartable(&mut self, id: JobId, title: String, abort: tokio::task::AbortHandle) {
        self.add(id, title, abort);
        if let Some(job) = self.jobs.first_mut() {
            job.restartable = true;
        }
    }

    /// Jobs the user asked to resume or retry, since the last call.
    pub fn take_restarts(&mut self) -> Vec<JobId> {
        std::mem::take(&mut self.restarts)
    }

    /// Replaces a job's row by the one of its new run.
    pub fn remove(&mut self, id: JobId) {
        self.jobs.retain(|j| j.id != id);
    }

    /// Stops a running job so it can be resumed later.
    pub fn pause(&mut self, id: JobId) {
        if let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) {
            if let Some(a) = job.abort.take() {
                a.abort();
            }
            if job.state == JobState::Running {
                job.state = JobState::Paused;
            }
        }
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
            | JobEvent::Finished { id, .. }
            | JobEvent::Detail { id, .. } => *id,
        };
        let job = self.jobs.iter_mut().find(|j| j.id == id)?;
        if matches!(job.state, JobState::Cancelled | JobState::Paused) {
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
            JobEvent::Detail { text, .. } => {
                job.detail = text;
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

    /// Draws the list. Jobs waiting in `queue` for a connection say so and can be moved.
    pub fn ui(&mut self, ui: &mut egui::Ui, queue: &TransferQueue) {
        ui.horizontal(|ui| {
            ui.heading("Activity");
            if ui.button("Clear finished").clicked() {
                self.clear_finished();
            }
        });
        let waiting = queue.waiting();
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
        let mut pause = None;
        let mut restart = None;
        let mut moved = None;
        let order = display_order(&self.jobs, &waiting);
        egui::ScrollArea::vertical()
            .id_salt("activity")
            .show(ui, |ui| {
                for job in order.iter().map(|i| &self.jobs[*i]) {
                    ui.separator();
                    let name = job
                        .target
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map_or_else(|| job.title.clone(), |n| n.to_string_lossy().into_owned());
                    ui.label(RichText::new(name).strong())
                        .on_hover_text(&job.title);
                    let place = waiting.iter().position(|j| *j == job.id);
                    match &job.state {
                        JobState::Running if place.is_some() && job.done == 0 => {
                            let place = place.unwrap_or(0);
                            ui.weak(format!(
                                "Queued: waiting for a free connection ({} of {})",
                                place + 1,
                                waiting.len()
                            ));
                            ui.horizontal(|ui| {
                                if ui
                                    .add_enabled(place > 0, egui::Button::new("⏶ Move up"))
                                    .clicked()
                                {
                                    moved = Some((job.id, Move::Up));
                                }
                                if ui
                                    .add_enabled(
                                        place + 1 < waiting.len(),
                                        egui::Button::new("⏷ Move down"),
                                    )
                                    .clicked()
                                {
                                    moved = Some((job.id, Move::Down));
                                }
                                if ui
                                    .add_enabled(place > 0, egui::Button::new("Start next"))
                                    .on_hover_text("Move to the front of the queue")
                                    .clicked()
                                {
                                    moved = Some((job.id, Move::Top));
                                }
                                if ui.button("Cancel").clicked() {
                                    cancel = Some(job.id);
                                }
                            });
                        }
                        JobState::Running => {
                            let text = progress_text(job.done, job.total, job.bytes_per_sec);
                            let bar = match job.total {
                                Some(t) if t > 0 => {
                                    egui::ProgressBar::new(job.done as f32 / t as f32)
                                }
                                _ => egui::ProgressBar::new(0.0).animate(true),
                            };
                            ui.add(bar.text(text));
                            if !job.detail.is_empty() {
                                ui.weak(&job.detail);
                            }
                            ui.horizontal(|ui| {
                                if job.restartable && ui.button("Pause").clicked() {
                                    pause = Some(job.id);
                                }
                                if ui.button("Cancel").clicked() {
                                    cancel = Some(job.id);
                                }
                            });
                        }
                        JobState::Done(path) => {
                            ui.label(format!(
                                "Done: {} · {}",
                                human_bytes(job.done),
                                path.display()
                            ));
                            if !job.detail.is_empty() {
                                ui.weak(&job.detail);
                            }
                        }
                        JobState::Failed(e) => {
                            ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {e}"));
                            if job.restartable && ui.button("Retry").clicked() {
                                restart = Some(job.id);
                            }
                        }
                        JobState::Cancelled => {
                            ui.weak("Cancelled (the .part file is kept)");
                            if job.restartable && ui.button("Retry").clicked() {
                                restart = Some(job.id);
                            }
                        }
                        JobState::Paused => {
                            ui.weak(format!("Paused at {}", human_bytes(job.done)));
                            if ui.button("Resume").clicked() {
                                restart = Some(job.id);
                            }
                        }
                    }
                }
            });
        if let Some((id, to)) = moved {
            queue.move_job(id, to);
        }
        if let Some(id) = cancel {
            self.cancel(id);
        }
        if let Some(id) = pause {
            self.pause(id);
        }
        if let Some(id) = restart {
            self.restarts.push(id);
        }
    }
}

/// Rows as the user reads them: transfers under way (newest first), then the queue in the
/// order it will start, then finished ones (newest first).
fn display_order(jobs: &[JobView], waiting: &[JobId]) -> Vec<usize> {
    let queued =
        |j: &JobView| j.state == JobState::Running && j.done == 0 && waiting.contains(&j.id);
    let mut order: Vec<usize> = (0..jobs.len())
        .filter(|i| jobs[*i].state == JobState::Running && !queued(&jobs[*i]))
        .collect();
    let mut in_queue: Vec<usize> = (0..jobs.len()).filter(|i| queued(&jobs[*i])).collect();
    in_queue.sort_by_key(|i| waiting.iter().position(|j| *j == jobs[*i].id));
    order.extend(in_queue);
    order.extend((0..jobs.len()).filter(|i| jobs[*i].state != JobState::Running));
    order
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
    async fn paused_jobs_ignore_late_events_and_can_be_restarted() {
        let mut a = Activity::default();
        let handle = tokio::spawn(std::future::pending::<()>());
        a.add_restartable(5, "ftp://h/big".into(), handle.abort_handle());
        assert!(a.jobs[0].restartable);
        a.pause(5);
        assert_eq!(a.jobs[0].state, JobState::Paused);
        assert!(handle.await.is_err_and(|e| e.is_cancelled()));
        // The aborted task's last report does not revive the row.
        assert_eq!(
            a.apply(JobEvent::Finished {
                id: 5,
                result: Err("aborted".into())
            }),
            None
        );
        assert_eq!(a.jobs[0].state, JobState::Paused);
        a.restarts.push(5);
        assert_eq!(a.take_restarts(), vec![5]);
        assert!(a.take_restarts().is_empty());
        a.remove(5);
        assert!(a.jobs.is_empty());
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
