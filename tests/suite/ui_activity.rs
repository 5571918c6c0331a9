//! The Activity list's queue controls, driven by their accessible labels.

use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use portolan::ui::activity::Activity;
use portolan::workers::queue::TransferQueue;

#[test]
fn queued_jobs_say_so_and_move_up_and_down() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let queue = TransferQueue::new();
    let mut activity = Activity::default();
    // Job 1 holds the site's only connection; 2 and 3 wait behind it.
    for job in 1..=3u64 {
        let q: Arc<TransferQueue> = queue.clone();
        let task = runtime.spawn(async move {
            let _slot = q.acquire(job, "tester@localhost:2121".into(), 1).await;
            std::future::pending::<()>().await;
        });
        activity.add(
            job,
            format!("ftp://localhost/file{job}"),
            task.abort_handle(),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while queue.running("tester@localhost:2121") == 0
            || queue.waiting().len() + 1 < job as usize
        {
            assert!(
                std::time::Instant::now() < deadline,
                "job {job} never queued"
            );
            std::thread::yield_now();
        }
    }
    assert_eq!(queue.waiting(), vec![2, 3]);
    let mut h = Harness::builder().with_size([400.0, 600.0]).build_ui_state(
        |ui, (activity, queue): &mut (Activity, Arc<TransferQueue>)| activity.ui(ui, queue),
        (activity, queue.clone()),
    );
    h.run_steps(3);
    assert!(
        h.query_by_label("Queued: waiting for a free connection (1 of 2)")
            .is_some()
    );
    assert!(
        h.query_by_label("Queued: waiting for a free connection (2 of 2)")
            .is_some()
    );
    // The queue is shown in the order it will start: first in line at the top.
    let y = |h: &Harness<'_, (Activity, Arc<TransferQueue>)>, label: &str| {
        h.get_by_label(label).rect().min.y
    };
    assert!(
        y(&h, "Queued: waiting for a free connection (1 of 2)")
            < y(&h, "Queued: waiting for a free connection (2 of 2)")
    );
    let downs: Vec<_> = h
        .get_all_by_role_and_label(Role::Button, "⏷ Move down")
        .collect();
    assert_eq!(downs.len(), 2);
    assert!(
        downs[1].accesskit_node().is_disabled(),
        "the last job cannot go further down"
    );
    downs[0].click();
    h.run_steps(3);
    assert_eq!(queue.waiting(), vec![3, 2]);
    assert!(
        h.query_by_label("Queued: waiting for a free connection (1 of 2)")
            .is_some()
    );
    // "Start next" on job 2 (now second) puts it back in front.
    let next: Vec<_> = h
        .get_all_by_role_and_label(Role::Button, "Start next")
        .collect();
    next[1].click();
    h.run_steps(3);
    assert_eq!(queue.waiting(), vec![2, 3]);
    // Cancelling a queued job takes it out of the queue.
    let cancels: Vec<_> = h
        .get_all_by_role_and_label(Role::Button, "Cancel")
        .collect();
    // Job 1 (running), then the queue: 2, 3. Cancel job 3.
    assert_eq!(cancels.len(), 3);
    cancels[2].click();
    h.run_steps(3);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while queue.waiting() != vec![2] {
        assert!(
            std::time::Instant::now() < deadline,
            "cancel left {:?}",
            queue.waiting()
        );
        std::thread::yield_now();
    }
    h.run_steps(3);
    assert!(h.query_by_label_contains("Cancelled").is_some());
}
