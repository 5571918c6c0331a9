//! Catches disk access in a frame. The window sets a flag on its thread while it applies
//! events and draws; code that touches the disk calls [`assert_off_frame`], which fails in
//! debug builds (and so in every test that drives the window) when it runs inside a frame. A
//! frame must never wait on the disk: a slow or network mount would freeze the window.

use std::cell::Cell;

thread_local! {
    static IN_FRAME: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as inside a frame until dropped.
#[must_use]
pub struct InFrame {
    was: bool,
}

/// Enters a frame on this thread.
pub fn enter() -> InFrame {
    InFrame {
        was: IN_FRAME.replace(true),
    }
}

impl Drop for InFrame {
    fn drop(&mut self) {
        IN_FRAME.set(self.was);
    }
}

/// True inside a frame on this thread.
pub fn in_frame() -> bool {
    IN_FRAME.get()
}

/// Fails in debug builds when called inside a frame; `what` says which disk access it was.
pub fn assert_off_frame(what: &str) {
    debug_assert!(
        !in_frame(),
        "{what} in a frame: disk access belongs on a worker thread"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_holds_for_the_frame_and_nests() {
        assert!(!in_frame());
        {
            let _outer = enter();
            assert!(in_frame());
            {
                let _inner = enter();
                assert!(in_frame());
            }
            assert!(in_frame(), "leaving a nested frame keeps the outer one");
        }
        assert!(!in_frame());
        // Another thread is never in this thread's frame.
        let _frame = enter();
        assert!(!std::thread::spawn(in_frame).join().expect("thread"));
    }

    #[test]
    #[cfg(debug_assertions)]
    fn disk_access_in_a_frame_fails_in_debug_builds() {
        let caught = std::panic::catch_unwind(|| {
            let _frame = enter();
            assert_off_frame("reading a file");
        });
        assert!(caught.is_err());
        assert_off_frame("reading a file"); // outside a frame: fine
    }
}
