//! The synchronisation types this exercise is written against. DO NOT CHANGE THIS FILE.
//!
//! In a normal build these are the standard library's atomics and a thin wrapper around
//! `std::cell::UnsafeCell`. When the crate is built with `RUSTFLAGS="--cfg loom"`, the same
//! names come from [loom](https://docs.rs/loom), a model checker that runs a test under every
//! interleaving of its threads (up to a bound) and panics on a data race, a deadlock or a read
//! that the memory orderings do not allow. Write your locks with `crate::sync::...` only, never
//! `std::sync::atomic` directly, or loom cannot see what your code does.
//!
//! The cell's API is loom's: instead of handing out a raw pointer with `get()`, it lends one
//! to a closure, so loom knows when each access happens:
//!
//! ```
//! use spin_lock::sync::UnsafeCell;
//! let cell = UnsafeCell::new(5);
//! cell.with_mut(|p| unsafe { *p += 1 }); // a write: only sound while no one else reads
//! assert_eq!(cell.with(|p| unsafe { *p }), 6);
//! ```

#[cfg(loom)]
pub use loom::cell::UnsafeCell;
#[cfg(loom)]
pub use loom::hint::spin_loop;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicUsize, Ordering};

#[cfg(not(loom))]
pub use std::hint::spin_loop;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `std::cell::UnsafeCell` with loom's closure-based API.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub const fn new(data: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(data))
    }

    /// Lends `f` a pointer to read through. Dereferencing it is `unsafe`: you promise that no
    /// one writes to the value at the same time.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Lends `f` a pointer to write through. Dereferencing it is `unsafe`: you promise that no
    /// one else reads or writes the value at the same time.
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

/// loom's `AtomicBool` (every method of it is reachable through `Deref`), except that a swap
/// that would write the value already there is done as the compare-exchange that fails.
///
/// The result and the orderings are the same. The reason is a limit of loom 0.7: every losing
/// `swap(true, ..)` in a spin loop is one more store, and loom keeps exploring executions in
/// which the loser never sees the unlock, until it gives up with "Model exceeded maximum number
/// of branches". A failed compare-exchange stores nothing, so loom can prove the loop ends.
#[cfg(loom)]
#[derive(Debug)]
pub struct AtomicBool(loom::sync::atomic::AtomicBool);

#[cfg(loom)]
impl AtomicBool {
    #[track_caller]
    pub fn new(value: bool) -> Self {
        AtomicBool(loom::sync::atomic::AtomicBool::new(value))
    }

    #[track_caller]
    pub fn swap(&self, value: bool, order: Ordering) -> bool {
        let failure = match order {
            Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
            Ordering::SeqCst => Ordering::SeqCst,
            _ => Ordering::Acquire,
        };
        match self.0.compare_exchange(!value, value, order, failure) {
            Ok(old) | Err(old) => old,
        }
    }

    /// `fetch_or(true, ..)` is `swap(true, ..)`.
    #[track_caller]
    pub fn fetch_or(&self, value: bool, order: Ordering) -> bool {
        if value { self.swap(true, order) } else { self.0.fetch_or(false, order) }
    }

    /// `fetch_and(false, ..)` is `swap(false, ..)`.
    #[track_caller]
    pub fn fetch_and(&self, value: bool, order: Ordering) -> bool {
        if value { self.0.fetch_and(true, order) } else { self.swap(false, order) }
    }
}

#[cfg(loom)]
impl std::ops::Deref for AtomicBool {
    type Target = loom::sync::atomic::AtomicBool;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
