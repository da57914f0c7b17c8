//! The error family shared by [`Queue`](crate::Queue) and the pipe ends, shaped like the channel
//! errors of `std::sync::mpsc` and `crossbeam-channel`: one error type per form of the call, so a
//! blocking call's error cannot be `Full`, `Empty` or `Timeout`, and a `try_` call's cannot be
//! `Timeout`.
//!
//! | call | error | variants |
//! |---|---|---|
//! | `put` / `send` | [`SendError<T>`] | closed |
//! | `try_put` / `try_send` | [`TrySendError<T>`] | `Full(T)`, `Disconnected(T)` |
//! | `put_for` / `_until`, `send_for` / `_until` | [`SendTimeoutError<T>`] | `Timeout(T)`, `Disconnected(T)` |
//! | `get` / `recv` | [`RecvError`] | closed and drained |
//! | `try_get` / `try_recv` | [`TryRecvError`] | `Empty`, `Disconnected` |
//! | `get_for` / `_until`, `recv_for` / `_until` | [`RecvTimeoutError`] | `Timeout`, `Disconnected` |
//!
//! "Closed" (`Disconnected`) means: the queue was shut down, or a pipe end was closed or dropped.
//! Every error of a failed put or send hands the item back. `Debug` never prints the item, so
//! `unwrap()` works for any `T`.

use core::fmt;

/// A blocking [`put`](crate::Queue::put) or [`send`](crate::Connection::send) failed because the
/// queue is shut down or the pipe is closed; the item is handed back in the field. Python raises
/// `ShutDown` from `put` on a shut-down queue.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Queue, SendError};
/// let q = Queue::new(1);
/// q.shutdown(false);
/// let err = q.put(String::from("kept")).unwrap_err();
/// assert_eq!(err, SendError(String::from("kept")));
/// assert_eq!(err.into_inner(), "kept");
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
#[doc(alias = "ShutDown")]
pub struct SendError<T>(pub T);

/// A [`try_put`](crate::Queue::try_put) or [`try_send`](crate::Connection::try_send) failed; the
/// item is handed back in the variant. Python's `put_nowait` raises `Full`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Queue, TrySendError};
/// let q = Queue::new(1);
/// q.put(1).unwrap();
/// assert_eq!(q.try_put(2), Err(TrySendError::Full(2)));
/// q.shutdown(false);
/// assert_eq!(q.try_put(3), Err(TrySendError::Disconnected(3)));
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Full")]
pub enum TrySendError<T> {
    /// No room right now (the call does not wait).
    Full(T),
    /// The queue is shut down or the pipe is closed: no put or send can succeed any more.
    Disconnected(T),
}

/// A [`put_for`](crate::Queue::put_for) / `_until` or [`send_for`](crate::Connection::send_for)
/// / `_until` failed; the item is handed back in the variant. Python's `put(timeout=t)` raises
/// `Full` when the time runs out.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Queue, SendTimeoutError};
/// let q = Queue::new(1);
/// q.put(1).unwrap();
/// assert_eq!(q.put_for(2, Duration::ZERO), Err(SendTimeoutError::Timeout(2)));
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Full")]
pub enum SendTimeoutError<T> {
    /// No room came before the timeout or deadline.
    Timeout(T),
    /// The queue is shut down or the pipe is closed: no put or send can succeed any more.
    Disconnected(T),
}

/// A blocking [`get`](crate::Queue::get) or [`recv`](crate::Connection::recv) failed: the queue
/// is shut down (or the pipe closed) and everything left in it was taken. Python raises
/// `ShutDown` from `get`, and `EOFError` from a pipe's `recv`. Sticky: every later call fails too.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Queue, RecvError};
/// let q = Queue::new(1);
/// q.put(1).unwrap();
/// q.shutdown(false);
/// assert_eq!(q.get(), Ok(1), "what is left comes first");
/// assert_eq!(q.get(), Err(RecvError));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[doc(alias = "ShutDown", alias = "EOFError")]
pub struct RecvError;

/// A [`try_get`](crate::Queue::try_get) or [`try_recv`](crate::Connection::try_recv) failed.
/// Python's `get_nowait` raises `Empty`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Queue, TryRecvError};
/// let q: Queue<u8> = Queue::new(1);
/// assert_eq!(q.try_get(), Err(TryRecvError::Empty));
/// q.shutdown(false);
/// assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Empty")]
pub enum TryRecvError {
    /// Nothing to take right now (the call does not wait).
    Empty,
    /// Shut down (or closed) and drained: no get or receive can succeed any more.
    #[doc(alias = "EOFError")]
    Disconnected,
}

/// A [`get_for`](crate::Queue::get_for) / `_until` or [`recv_for`](crate::Connection::recv_for)
/// / `_until` failed. Python's `get(timeout=t)` raises `Empty` when the time runs out.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Queue, RecvTimeoutError};
/// let q: Queue<u8> = Queue::new(1);
/// assert_eq!(q.get_for(Duration::ZERO), Err(RecvTimeoutError::Timeout));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Empty")]
pub enum RecvTimeoutError {
    /// Nothing arrived before the timeout or deadline.
    Timeout,
    /// Shut down (or closed) and drained: no get or receive can succeed any more.
    #[doc(alias = "EOFError")]
    Disconnected,
}

impl<T> SendError<T> {
    /// The item the failed put or send hands back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::SendError("m").into_inner(), "m");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The item the failed put or send hands back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::TrySendError::Full(7).into_inner(), 7);
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(t) | TrySendError::Disconnected(t) => t,
        }
    }

    /// Whether there was no room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::TrySendError::Full(()).is_full());
    /// assert!(!weftsync::TrySendError::Disconnected(()).is_full());
    /// # }
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the queue is shut down or the pipe closed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::TrySendError::Disconnected(()).is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, TrySendError::Disconnected(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The item the failed put or send hands back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::SendTimeoutError::Timeout('x').into_inner(), 'x');
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(t) | SendTimeoutError::Disconnected(t) => t,
        }
    }

    /// Whether the time ran out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::SendTimeoutError::Timeout(()).is_timeout());
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the queue is shut down or the pipe closed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::SendTimeoutError::Disconnected(()).is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, SendTimeoutError::Disconnected(_))
    }
}

impl TryRecvError {
    /// Whether there was nothing to take right now.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::TryRecvError::Empty.is_empty());
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// Whether the queue is shut down (or the pipe closed) and drained.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::TryRecvError::Disconnected.is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, TryRecvError::Disconnected)
    }
}

impl RecvTimeoutError {
    /// Whether the time ran out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::RecvTimeoutError::Timeout.is_timeout());
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RecvTimeoutError::Timeout)
    }

    /// Whether the queue is shut down (or the pipe closed) and drained.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::RecvTimeoutError::Disconnected.is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, RecvTimeoutError::Disconnected)
    }
}

/// A closed queue or pipe is `Disconnected` to the non-blocking form too.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{SendError, TrySendError};
/// assert_eq!(TrySendError::from(SendError(1)), TrySendError::Disconnected(1));
/// # }
/// ```
impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Disconnected(e.0)
    }
}

/// A closed queue or pipe is `Disconnected` to the timed form too.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{SendError, SendTimeoutError};
/// assert_eq!(SendTimeoutError::from(SendError(1)), SendTimeoutError::Disconnected(1));
/// # }
/// ```
impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(e: SendError<T>) -> Self {
        SendTimeoutError::Disconnected(e.0)
    }
}

/// A closed, drained queue or pipe is `Disconnected` to the non-blocking form too.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{RecvError, TryRecvError};
/// assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
/// # }
/// ```
impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        TryRecvError::Disconnected
    }
}

/// A closed, drained queue or pipe is `Disconnected` to the timed form too.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{RecvError, RecvTimeoutError};
/// assert_eq!(RecvTimeoutError::from(RecvError), RecvTimeoutError::Disconnected);
/// # }
/// ```
impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Disconnected
    }
}

/// Prints `SendError(..)` without the item, so any `T` can be unwrapped.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// Prints the variant without the item, so any `T` can be unwrapped.
impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "Full(..)",
            TrySendError::Disconnected(_) => "Disconnected(..)",
        })
    }
}

/// Prints the variant without the item, so any `T` can be unwrapped.
impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "Timeout(..)",
            SendTimeoutError::Disconnected(_) => "Disconnected(..)",
        })
    }
}

const CLOSED: &str = "sending on a shut-down queue or closed pipe";

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(CLOSED)
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "sending on a full queue or pipe",
            TrySendError::Disconnected(_) => CLOSED,
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "timed out waiting for room in a queue or pipe",
            SendTimeoutError::Disconnected(_) => CLOSED,
        })
    }
}

const DRAINED: &str = "receiving on a shut-down, empty queue or a closed, empty pipe";

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DRAINED)
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving on an empty queue or pipe",
            TryRecvError::Disconnected => DRAINED,
        })
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecvTimeoutError::Timeout => "timed out waiting for an item in a queue or pipe",
            RecvTimeoutError::Disconnected => DRAINED,
        })
    }
}

impl<T> std::error::Error for SendError<T> {}
impl<T> std::error::Error for TrySendError<T> {}
impl<T> std::error::Error for SendTimeoutError<T> {}
impl std::error::Error for RecvError {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}
