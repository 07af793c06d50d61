//! Joining worker threads. A worker that panics has not produced its part of the result,
//! so its panic becomes the joining thread's panic (with the worker's own payload) rather
//! than an empty or partial result that would read as "nothing found".

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
