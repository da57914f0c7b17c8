//! Pipes between threads, Python's `multiprocessing.Pipe()`: a duplex pair of [`Connection`]s
//! made by [`pipe()`], and a one-way pair ([`PipeReceiver`], [`PipeSender`]) made by
//! [`pipe_oneway`], whose ends have distinct types; and the receiving ends' iterators [`Iter`]
//! and [`TryIter`].
//!
//! Each direction is one bounded FIFO core (`src/slots.rs`, the one `Queue` uses), where closing
//! an end is a shutdown of the rings it touches:
//!
//! | event                | ring the end sends on            | ring the end receives on       |
//! |----------------------|----------------------------------|--------------------------------|
//! | end open             | open                             | open                           |
//! | end closed / dropped | plain shutdown: the peer drains what is buffered, then `RecvError` | immediate shutdown: buffered messages dropped, the peer's sends fail with `SendError(T)` |
//!
//! So end-of-file is sticky (a ring never reopens), a blocked peer wakes at once (a shutdown
//! wakes every sleeper on the ring), and a message is never lost silently: it is received, handed
//! back in the send's error, or dropped because its receiving end was closed.
//!
//! Memory ordering: the slot's stamp (Release swap, Acquire load) orders a `send` before the `recv`
//! that returns its message, and a close happens-before the peer's end-of-file or failed send.

use core::fmt;
use core::iter::FusedIterator;
use std::sync::Arc;

use crate::channel_error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::ring::State;
use crate::shim::{self, Duration, Instant};
use crate::slots::{Core, FifoCore};

/// One end of a duplex pipe: sends to the other end and receives from it. Made by [`pipe()`].
///
/// Dropping the end, or [`close`](Connection::close), closes it: the peer receives what is
/// buffered and then [`RecvError`] (Python's `EOFError`), and the peer's sends fail with
/// [`SendError`], handing the message back. A `Connection` is `Sync`: threads may share one end.
/// It is `UnwindSafe` and `RefUnwindSafe`, as every channel end is.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (parent, child) = weftsync::pipe::<String>(4);
/// std::thread::spawn(move || {
///     let question = child.recv().unwrap();
///     child.send(question.to_uppercase()).unwrap();
/// });
/// parent.send("hello".to_string()).unwrap();
/// assert_eq!(parent.recv().unwrap(), "HELLO");
/// assert_eq!(parent.recv(), Err(weftsync::RecvError), "the child's end was dropped");
/// # }
/// ```
pub struct Connection<T> {
    rings: Arc<[FifoCore<T>; 2]>,
    /// This end sends on `rings[side]` and receives on `rings[1 - side]`.
    side: usize,
}

/// The receiving end of a one-way pipe; it has no `send`. Made by [`pipe_oneway`].
///
/// ```compile_fail
/// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
/// rx.send(1); // a receiver cannot send
/// ```
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway::<u8>(1);
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// # }
/// ```
pub struct PipeReceiver<T> {
    ring: Arc<FifoCore<T>>,
}

/// The sending end of a one-way pipe; it has no `recv`. Made by [`pipe_oneway`].
///
/// ```compile_fail
/// let (_rx, tx) = weftsync::pipe_oneway::<u8>(1);
/// let _ = tx.recv(); // a sender cannot receive
/// ```
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway::<&str>(1);
/// drop(rx);
/// assert_eq!(tx.send("lost?"), Err(weftsync::SendError("lost?")), "handed back");
/// # }
/// ```
pub struct PipeSender<T> {
    ring: Arc<FifoCore<T>>,
}

/// Makes a duplex pipe: two connected [`Connection`]s, each direction buffering up to
/// `capacity` messages. Python's `multiprocessing.Pipe()` (duplex).
///
/// # Panics
/// If `capacity` is 0; the panic names the caller's line.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (a, b) = weftsync::pipe(2);
/// a.send("ping").unwrap();
/// b.send("pong").unwrap();
/// assert_eq!(b.recv(), Ok("ping"));
/// assert_eq!(a.recv(), Ok("pong"));
/// # }
/// ```
#[doc(alias = "Pipe")]
#[track_caller]
pub fn pipe<T>(capacity: usize) -> (Connection<T>, Connection<T>) {
    assert!(capacity != 0, "weftsync::pipe: capacity must be at least 1");
    let rings = Arc::new([
        FifoCore::new(capacity, false),
        FifoCore::new(capacity, false),
    ]);
    (
        Connection {
            rings: Arc::clone(&rings),
            side: 0,
        },
        Connection { rings, side: 1 },
    )
}

/// Makes a one-way pipe buffering up to `capacity` messages: `(receiver, sender)`, in the order
/// of Python's `Pipe(duplex=False)`. The ends have distinct types, so a send on the receiver (or
/// a receive on the sender) does not compile.
///
/// # Panics
/// If `capacity` is 0; the panic names the caller's line.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway(8);
/// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
/// let got: Vec<i32> = rx.iter().collect(); // ends when the sender is dropped
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
#[doc(alias = "Pipe")]
#[track_caller]
pub fn pipe_oneway<T>(capacity: usize) -> (PipeReceiver<T>, PipeSender<T>) {
    assert!(
        capacity != 0,
        "weftsync::pipe_oneway: capacity must be at least 1"
    );
    let ring = Arc::new(FifoCore::new(capacity, false));
    (
        PipeReceiver {
            ring: Arc::clone(&ring),
        },
        PipeSender { ring },
    )
}

impl<T> Connection<T> {
    fn outgoing(&self) -> &FifoCore<T> {
        &self.rings[self.side]
    }

    fn incoming(&self) -> &FifoCore<T> {
        &self.rings[1 - self.side]
    }

    /// The ring this end receives on, for `select` (`src/select.rs`).
    pub(crate) fn incoming_ring(&self) -> &FifoCore<T> {
        self.incoming()
    }

    /// Sends `msg` to the peer, waiting for room. Fails only if either end is or gets closed,
    /// handing the message back in [`SendError`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(1);
    /// a.send(5).unwrap();
    /// assert_eq!(b.recv(), Ok(5));
    /// # }
    /// ```
    #[inline]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        self.outgoing().put_blocking(msg)
    }

    /// Sends `msg` if there is room right now; never blocks. [`TrySendError::Full`] or
    /// [`TrySendError::Disconnected`] hand the message back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe(1);
    /// assert!(a.try_send(1).is_ok());
    /// assert_eq!(a.try_send(2), Err(weftsync::TrySendError::Full(2)));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.outgoing().try_put(msg)
    }

    /// Sends `msg`, waiting at most `timeout` for room. `Duration::ZERO` is one try that leaves
    /// the pipe untouched; a timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::SendTimeoutError;
    /// let (a, _b) = weftsync::pipe(1);
    /// a.send(1).unwrap();
    /// assert_eq!(a.send_for(2, Duration::from_millis(1)), Err(SendTimeoutError::Timeout(2)));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    #[doc(alias = "send_timeout")]
    pub fn send_for(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.outgoing()
            .put_until(msg, shim::deadline_after(timeout))
    }

    /// Sends `msg`, waiting until `deadline` at the latest for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(1);
    /// a.send_until(3, std::time::Instant::now()).unwrap();
    /// assert_eq!(b.recv(), Ok(3));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    #[doc(alias = "send_deadline")]
    pub fn send_until(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.outgoing().put_until(msg, Some(deadline))
    }

    /// Receives the oldest message, waiting for one. After the peer closed, returns what is
    /// buffered, then [`RecvError`] for good (Python's `EOFError`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(2);
    /// b.send(1).unwrap();
    /// drop(b);
    /// assert_eq!(a.recv(), Ok(1));
    /// assert_eq!(a.recv(), Err(weftsync::RecvError));
    /// # }
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.incoming().get_blocking()
    }

    /// Receives a message if one is buffered right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert_eq!(a.try_recv(), Err(weftsync::TryRecvError::Empty));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.incoming().try_get()
    }

    /// Receives a message, waiting at most `timeout`. `Duration::ZERO` is one try.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert_eq!(a.recv_for(Duration::from_millis(1)), Err(weftsync::RecvTimeoutError::Timeout));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    #[doc(alias = "recv_timeout")]
    pub fn recv_for(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.incoming().get_until(shim::deadline_after(timeout))
    }

    /// Receives a message, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(1);
    /// b.send('x').unwrap();
    /// assert_eq!(a.recv_until(std::time::Instant::now()), Ok('x'));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    #[doc(alias = "recv_deadline")]
    pub fn recv_until(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.incoming().get_until(Some(deadline))
    }

    /// Waits until a receive would not block: a message is buffered or end-of-file is pending.
    /// Never consumes anything. Python's `conn.poll(None)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(1);
    /// std::thread::spawn(move || b.send(1).unwrap());
    /// a.poll();
    /// assert_eq!(a.try_recv(), Ok(1), "poll does not consume");
    /// # }
    /// ```
    pub fn poll(&self) {
        self.incoming().poll(None);
    }

    /// Whether a receive would not block right now (a message is buffered or end-of-file is
    /// pending); never blocks, never consumes. Python's `conn.poll()` (its default timeout is 0).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(1);
    /// assert!(!a.try_poll());
    /// b.send(1).unwrap();
    /// assert!(a.try_poll());
    /// assert!(a.try_poll(), "poll does not consume");
    /// assert_eq!(a.recv(), Ok(1));
    /// drop(b);
    /// assert!(a.try_poll(), "end-of-file is pending");
    /// # }
    /// ```
    ///
    /// Ignoring the answer is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// a.try_poll();
    /// ```
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// let _ = a.try_poll();
    /// ```
    #[must_use = "`false` means a receive would block"]
    #[doc(alias = "poll")]
    pub fn try_poll(&self) -> bool {
        self.incoming().poll(Some(Instant::now()))
    }

    /// Waits at most `timeout` until a receive would not block: `true` if a message is buffered
    /// or end-of-file is pending. Never consumes. Python's `conn.poll(timeout)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let (a, b) = weftsync::pipe(1);
    /// assert!(!a.poll_for(Duration::from_millis(1)));
    /// b.send(1).unwrap();
    /// assert!(a.poll_for(Duration::from_secs(5)));
    /// # }
    /// ```
    ///
    /// Ignoring the answer is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// a.poll_for(std::time::Duration::ZERO);
    /// ```
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// let _ = a.poll_for(std::time::Duration::ZERO);
    /// ```
    #[must_use = "`false` means the time ran out and a receive would still block"]
    #[doc(alias = "poll")]
    pub fn poll_for(&self, timeout: Duration) -> bool {
        self.incoming().poll(shim::deadline_after(timeout))
    }

    /// [`poll_for`](Connection::poll_for) until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert!(!a.poll_until(std::time::Instant::now()));
    /// # }
    /// ```
    #[must_use = "`false` means the deadline passed and a receive would still block"]
    pub fn poll_until(&self, deadline: Instant) -> bool {
        self.incoming().poll(Some(deadline))
    }

    /// A blocking iterator over the messages this end receives; it ends at end-of-file.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(4);
    /// b.send(1).unwrap();
    /// b.send(2).unwrap();
    /// drop(b);
    /// assert_eq!(a.iter().collect::<Vec<_>>(), [1, 2]);
    /// # }
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            ring: self.incoming(),
        }
    }

    /// A non-blocking iterator over the messages buffered for this end right now.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(4);
    /// b.send(1).unwrap();
    /// assert_eq!(a.try_iter().collect::<Vec<_>>(), [1]);
    /// # }
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter {
            ring: self.incoming(),
        }
    }

    /// Closes this end (dropping it does the same): the peer receives what this end sent and
    /// then [`RecvError`]; messages buffered for this end are dropped (by this call, outside any
    /// lock) and the peer's sends fail with [`SendError`]; calls blocked on either side wake at
    /// once. Later calls on this end fail the same way. Closing twice is fine. If a dropped
    /// message's `Drop` panics, the others are still dropped and the pipe is already closed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{RecvError, SendError};
    /// let (a, b) = weftsync::pipe(2);
    /// a.send(1).unwrap();
    /// a.close();
    /// assert_eq!(b.recv(), Ok(1));
    /// assert_eq!(b.recv(), Err(RecvError));
    /// assert_eq!(b.send(2), Err(SendError(2)));
    /// assert_eq!(a.send(3), Err(SendError(3)));
    /// # }
    /// ```
    pub fn close(&self) {
        self.outgoing().shutdown(false);
        self.incoming().shutdown(true);
    }

    /// Whether this end or the peer closed. A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe::<u8>(1);
    /// assert!(!a.is_disconnected());
    /// drop(b);
    /// assert!(a.is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.outgoing().state() != State::Open
    }
}

impl<T> PipeReceiver<T> {
    /// The ring this end receives on, for `select` (`src/select.rs`).
    pub(crate) fn incoming_ring(&self) -> &FifoCore<T> {
        &self.ring
    }

    /// Receives the oldest message, waiting for one; after the sender closed, what is buffered
    /// and then [`RecvError`] for good (Python's `EOFError`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError));
    /// # }
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.ring.get_blocking()
    }

    /// Receives a message if one is buffered right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(weftsync::TryRecvError::Empty));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.ring.try_get()
    }

    /// Receives a message, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// let r = rx.recv_for(std::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(weftsync::RecvTimeoutError::Timeout));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    #[doc(alias = "recv_timeout")]
    pub fn recv_for(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.ring.get_until(shim::deadline_after(timeout))
    }

    /// Receives a message, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// let r = rx.recv_until(std::time::Instant::now());
    /// assert_eq!(r, Err(weftsync::RecvTimeoutError::Timeout));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the message received, if any"]
    #[doc(alias = "recv_deadline")]
    pub fn recv_until(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.ring.get_until(Some(deadline))
    }

    /// Waits until a receive would not block (a message is buffered or end-of-file is pending);
    /// never consumes. Python's `conn.poll(None)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway::<u8>(1);
    /// drop(tx);
    /// rx.poll(); // end-of-file is pending: returns at once
    /// # }
    /// ```
    pub fn poll(&self) {
        self.ring.poll(None);
    }

    /// Whether a receive would not block right now; never blocks, never consumes. Python's
    /// `conn.poll()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway::<u8>(1);
    /// assert!(!rx.try_poll());
    /// drop(tx);
    /// assert!(rx.try_poll(), "end-of-file is pending");
    /// # }
    /// ```
    #[must_use = "`false` means a receive would block"]
    #[doc(alias = "poll")]
    pub fn try_poll(&self) -> bool {
        self.ring.poll(Some(Instant::now()))
    }

    /// Waits at most `timeout` until a receive would not block; never consumes. Python's
    /// `conn.poll(timeout)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(0u8).unwrap();
    /// assert!(rx.poll_for(std::time::Duration::from_secs(5)));
    /// # }
    /// ```
    #[must_use = "`false` means the time ran out and a receive would still block"]
    #[doc(alias = "poll")]
    pub fn poll_for(&self, timeout: Duration) -> bool {
        self.ring.poll(shim::deadline_after(timeout))
    }

    /// [`poll_for`](PipeReceiver::poll_for) until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(0u8).unwrap();
    /// assert!(rx.poll_until(std::time::Instant::now()));
    /// # }
    /// ```
    #[must_use = "`false` means the deadline passed and a receive would still block"]
    pub fn poll_until(&self, deadline: Instant) -> bool {
        self.ring.poll(Some(deadline))
    }

    /// A blocking iterator over the messages; it ends at end-of-file.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(4);
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    /// # }
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { ring: &self.ring }
    }

    /// A non-blocking iterator over the messages buffered right now.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// # }
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { ring: &self.ring }
    }

    /// Closes the receiver (dropping it does the same): buffered messages are dropped by this
    /// call, outside any lock; the sender's sends fail with [`SendError`] and a blocked sender
    /// wakes at once. Later receives return [`RecvError`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(weftsync::SendError(1)));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError));
    /// # }
    /// ```
    pub fn close(&self) {
        self.ring.shutdown(true);
    }
}

impl<T> PipeSender<T> {
    /// Sends `msg`, waiting for room; [`SendError`] hands it back once the receiver (or this
    /// sender) is closed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// # }
    /// ```
    #[inline]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        self.ring.put_blocking(msg)
    }

    /// Sends `msg` if there is room right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (_rx, tx) = weftsync::pipe_oneway(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(weftsync::TrySendError::Full(2)));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.ring.try_put(msg)
    }

    /// Sends `msg`, waiting at most `timeout` for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (_rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// let r = tx.send_for(2, std::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(weftsync::SendTimeoutError::Timeout(2)));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    #[doc(alias = "send_timeout")]
    pub fn send_for(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.ring.put_until(msg, shim::deadline_after(timeout))
    }

    /// Sends `msg`, waiting until `deadline` at the latest for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send_until(1, std::time::Instant::now()).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the message is handed back in the error if the send did not happen"]
    #[doc(alias = "send_deadline")]
    pub fn send_until(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.ring.put_until(msg, Some(deadline))
    }

    /// Closes the sender (dropping it does the same): the receiver gets what is buffered, then
    /// [`RecvError`]; a blocked receiver wakes at once. Later sends fail with [`SendError`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// tx.close();
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError));
    /// # }
    /// ```
    pub fn close(&self) {
        self.ring.shutdown(false);
    }

    /// Whether the receiver or this sender closed: a send would fail. A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway::<u8>(1);
    /// drop(rx);
    /// assert!(tx.is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.ring.state() != State::Open
    }
}

/// The blocking iterator of [`Connection::iter`] and [`PipeReceiver::iter`]: yields messages as
/// `recv` returns them and ends for good at end-of-file.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway(1);
/// drop(tx);
/// let mut it: weftsync::pipe::Iter<'_, u8> = rx.iter();
/// assert_eq!(it.next(), None);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    ring: &'a FifoCore<T>,
}

/// The non-blocking iterator of [`Connection::try_iter`] and [`PipeReceiver::try_iter`]: yields
/// the messages buffered until the first `try_recv` that fails.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway(1);
/// let mut it: weftsync::pipe::TryIter<'_, u8> = rx.try_iter();
/// assert_eq!(it.next(), None);
/// tx.send(1).unwrap();
/// assert_eq!(it.next(), Some(1));
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T> {
    ring: &'a FifoCore<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.ring.get_blocking().ok()
    }
}

/// End-of-file is sticky: once `None`, always `None`.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.ring.try_get().ok()
    }
}

/// `for msg in &receiver` receives until end-of-file.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway(2);
/// tx.send("a").unwrap();
/// drop(tx);
/// for msg in &rx {
///     assert_eq!(msg, "a");
/// }
/// # }
/// ```
impl<'a, T> IntoIterator for &'a PipeReceiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> Drop for Connection<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> Drop for PipeReceiver<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> Drop for PipeSender<T> {
    fn drop(&mut self) {
        self.close();
    }
}

/// Never blocks.
impl<T> fmt::Debug for Connection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("side", &self.side)
            .finish_non_exhaustive()
    }
}

/// Never blocks.
impl<T> fmt::Debug for PipeReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeReceiver").finish_non_exhaustive()
    }
}

/// Never blocks.
impl<T> fmt::Debug for PipeSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeSender").finish_non_exhaustive()
    }
}

/// Never blocks.
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// Never blocks.
impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}
