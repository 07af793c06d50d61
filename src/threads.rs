//! Joining worker threads, and guarding calls into other crates. A worker that panics has
//! not produced its part of the result, so its panic becomes the joining thread's panic
//! (with the worker's own payload) rather than an empty or partial result that would read
//! as "nothing found". A panic inside a crate we call on input we do not control
//! (prost-reflect, protox: "index out of bounds" on a malformed descriptor) is an input the
//! crate could not handle: [`guarded`] turns it into an error the caller reports (exit 2),
//! never a crash and never an answer.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// Set while [`guarded`] runs on this thread: its panics are reported as errors, so the
    /// panic hook stays quiet about them.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into `Err(message)`. The process's panic hook is
/// kept for every other panic; guarded ones print nothing (their message is the error).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

/// The result of a joined thread (`handle.join()`), or the worker's panic resumed here.
pub fn joined<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// Joins a scoped worker thread, resuming its panic here.
pub fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    joined(handle.join())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_guarded_panic_is_an_error_with_its_message() {
        let err = super::guarded(|| -> u8 { panic!("index out of bounds") }).unwrap_err();
        assert_eq!(err, "index out of bounds");
        assert_eq!(super::guarded(|| 7), Ok(7));
        // Outside the guard, panics still propagate.
        assert!(std::panic::catch_unwind(|| panic!("loud")).is_err());
    }

    #[test]
    fn a_workers_panic_reaches_the_caller_with_its_message() {
        let caught = std::panic::catch_unwind(|| {
            std::thread::scope(|s| {
                let ok = s.spawn(|| vec![1]);
                let bad = s.spawn(|| -> Vec<i32> { panic!("worker failed on blob 42") });
                let mut all = super::join(ok);
                all.extend(super::join(bad));
                all
            })
        });
        let payload = caught.expect_err("the panic was swallowed");
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert_eq!(message, "worker failed on blob 42");
    }
}
