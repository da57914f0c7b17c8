//! Pipes between threads, Python's `multiprocessing.Pipe()`: a duplex pair of [`Connection`]s,
//! and a one-way pair ([`PipeReceiver`], [`PipeSender`]) whose ends have distinct types.
//!
//! Each direction is one bounded ring from `src/ring.rs` (the core `Queue` uses), where closing
//! an end is a shutdown of the rings it touches:
//!
//! | event                | ring the end sends on            | ring the end receives on       |
//! |----------------------|----------------------------------|--------------------------------|
//! | end open             | open                             | open                           |
//! | end closed / dropped | plain shutdown: the peer drains what is buffered, then `Eof` | immediate shutdown: buffered messages dropped, the peer's sends fail with `Disconnected(T)` |
//!
//! So end-of-file is sticky (a ring never reopens), a blocked peer wakes at once (a shutdown
//! wakes every sleeper on the ring), and a message is never lost silently: it is received, handed
//! back in `Disconnected(T)`, or dropped because its receiving end was closed.
//!
//! Memory ordering: every operation takes the ring's lock, so a `send` happens-before the `recv`
//! that returns its message, and a close happens-before the peer's `Eof` / `Disconnected`.

use core::fmt;
use std::sync::Arc;

use crate::queue::{GetError, PutError};
use crate::ring::{Block, Ring, State};
use crate::shim::{self, Duration, Instant};

/// One end of a duplex pipe: sends to the other end and receives from it. Made by [`pipe`].
///
/// Dropping the end, or [`close`](Connection::close), closes it: the peer receives what is
/// buffered and then [`RecvError::Eof`], and the peer's sends fail with
/// [`SendError::Disconnected`]. A `Connection` is `Sync`: threads may share one end.
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
/// assert_eq!(parent.recv(), Err(weftsync::RecvError::Eof), "the child's end was dropped");
/// # }
/// ```
pub struct Connection<T> {
    rings: Arc<[Ring<T>; 2]>,
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
    ring: Arc<Ring<T>>,
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
/// assert_eq!(tx.send("lost?"), Err(weftsync::SendError::Disconnected("lost?")));
/// # }
/// ```
pub struct PipeSender<T> {
    ring: Arc<Ring<T>>,
}

/// Why a send failed; each variant hands the message back.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::SendError;
/// let (a, _b) = weftsync::pipe(1);
/// a.send(1).unwrap();
/// assert_eq!(a.try_send(2), Err(SendError::Full(2)));
/// assert_eq!(a.try_send(2).unwrap_err().into_inner(), 2);
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendError<T> {
    /// This direction's buffer was full and the call does not wait (`try_send`).
    Full(T),
    /// The buffer stayed full until the timeout or deadline passed.
    Timeout(T),
    /// The peer end (or this end) is closed; the message can never be received.
    Disconnected(T),
}

/// Why a receive failed. Nothing is consumed by a failed receive.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::RecvError;
/// let (a, b) = weftsync::pipe::<u8>(1);
/// assert_eq!(a.try_recv(), Err(RecvError::Empty));
/// drop(b);
/// assert_eq!(a.try_recv(), Err(RecvError::Eof));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Nothing was buffered and the call does not wait (`try_recv`).
    Empty,
    /// Nothing arrived before the timeout or deadline passed.
    Timeout,
    /// The peer end (or this end) is closed and everything buffered was received: Python's
    /// `EOFError`. Sticky: every later receive returns it too.
    #[doc(alias = "EOFError")]
    Eof,
}

/// Makes a duplex pipe: two connected [`Connection`]s, each direction buffering up to
/// `capacity` messages. Python's `multiprocessing.Pipe()` (duplex).
///
/// # Panics
/// If `capacity` is 0.
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
pub fn pipe<T>(capacity: usize) -> (Connection<T>, Connection<T>) {
    assert!(capacity != 0, "weftsync::pipe: capacity must be at least 1");
    let rings = Arc::new([Ring::new(capacity, false), Ring::new(capacity, false)]);
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
/// If `capacity` is 0.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let (rx, tx) = weftsync::pipe_oneway(8);
/// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
/// let got: Vec<i32> = std::iter::from_fn(|| rx.recv().ok()).collect();
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
#[doc(alias = "Pipe")]
pub fn pipe_oneway<T>(capacity: usize) -> (PipeReceiver<T>, PipeSender<T>) {
    assert!(
        capacity != 0,
        "weftsync::pipe_oneway: capacity must be at least 1"
    );
    let ring = Arc::new(Ring::new(capacity, false));
    (
        PipeReceiver {
            ring: Arc::clone(&ring),
        },
        PipeSender { ring },
    )
}

// The operations, written once over a ring and shared by the end types.
fn send_on<T>(ring: &Ring<T>, msg: T, block: Block) -> Result<(), SendError<T>> {
    ring.put(msg, block).map_err(|e| match e {
        PutError::Full(m) => SendError::Full(m),
        PutError::Timeout(m) => SendError::Timeout(m),
        PutError::ShutDown(m) => SendError::Disconnected(m),
    })
}

fn recv_on<T>(ring: &Ring<T>, block: Block) -> Result<T, RecvError> {
    ring.get(block).map_err(|e| match e {
        GetError::Empty => RecvError::Empty,
        GetError::Timeout => RecvError::Timeout,
        GetError::ShutDown => RecvError::Eof,
    })
}

impl<T> Connection<T> {
    fn outgoing(&self) -> &Ring<T> {
        &self.rings[self.side]
    }

    fn incoming(&self) -> &Ring<T> {
        &self.rings[1 - self.side]
    }

    /// Sends `msg` to the peer, waiting for room. [`SendError::Disconnected`] hands it back if
    /// either end is or gets closed.
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
        send_on(self.outgoing(), msg, Block::Until(None))
    }

    /// Sends `msg` if there is room right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe(1);
    /// assert!(a.try_send(1).is_ok());
    /// assert_eq!(a.try_send(2), Err(weftsync::SendError::Full(2)));
    /// # }
    /// ```
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), SendError<T>> {
        send_on(self.outgoing(), msg, Block::No)
    }

    /// Sends `msg`, waiting at most `timeout` for room. `Duration::ZERO` is one try; a timeout
    /// too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let (a, _b) = weftsync::pipe(1);
    /// a.send(1).unwrap();
    /// assert_eq!(a.send_for(2, Duration::from_millis(1)), Err(weftsync::SendError::Timeout(2)));
    /// # }
    /// ```
    #[inline]
    pub fn send_for(&self, msg: T, timeout: Duration) -> Result<(), SendError<T>> {
        send_on(
            self.outgoing(),
            msg,
            Block::Until(shim::deadline_after(timeout)),
        )
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
    pub fn send_until(&self, msg: T, deadline: Instant) -> Result<(), SendError<T>> {
        send_on(self.outgoing(), msg, Block::Until(Some(deadline)))
    }

    /// Receives the oldest message, waiting for one. After the peer closed, returns what is
    /// buffered, then [`RecvError::Eof`] for good.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, b) = weftsync::pipe(2);
    /// b.send(1).unwrap();
    /// drop(b);
    /// assert_eq!(a.recv(), Ok(1));
    /// assert_eq!(a.recv(), Err(weftsync::RecvError::Eof));
    /// # }
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        recv_on(self.incoming(), Block::Until(None))
    }

    /// Receives a message if one is buffered right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert_eq!(a.try_recv(), Err(weftsync::RecvError::Empty));
    /// # }
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, RecvError> {
        recv_on(self.incoming(), Block::No)
    }

    /// Receives a message, waiting at most `timeout`. `Duration::ZERO` is one try.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert_eq!(a.recv_for(Duration::from_millis(1)), Err(weftsync::RecvError::Timeout));
    /// # }
    /// ```
    #[inline]
    pub fn recv_for(&self, timeout: Duration) -> Result<T, RecvError> {
        recv_on(self.incoming(), Block::Until(shim::deadline_after(timeout)))
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
    pub fn recv_until(&self, deadline: Instant) -> Result<T, RecvError> {
        recv_on(self.incoming(), Block::Until(Some(deadline)))
    }

    /// Waits at most `timeout` until a receive would not block: `true` if a message is
    /// buffered or end-of-file is pending. Never consumes anything. `Duration::ZERO` (Python's
    /// default) only looks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let (a, b) = weftsync::pipe(1);
    /// assert!(!a.poll(Duration::ZERO));
    /// b.send(1).unwrap();
    /// assert!(a.poll(Duration::ZERO));
    /// assert!(a.poll(Duration::ZERO), "poll does not consume");
    /// assert_eq!(a.recv(), Ok(1));
    /// drop(b);
    /// assert!(a.poll(Duration::ZERO), "end-of-file is pending");
    /// # }
    /// ```
    pub fn poll(&self, timeout: Duration) -> bool {
        self.incoming().poll(shim::deadline_after(timeout))
    }

    /// [`poll`](Connection::poll) until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (a, _b) = weftsync::pipe::<u8>(1);
    /// assert!(!a.poll_until(std::time::Instant::now()));
    /// # }
    /// ```
    pub fn poll_until(&self, deadline: Instant) -> bool {
        self.incoming().poll(Some(deadline))
    }

    /// Closes this end (dropping it does the same): the peer receives what this end sent and
    /// then [`RecvError::Eof`]; messages buffered for this end are dropped (by this call, outside
    /// any lock) and the peer's sends fail with [`SendError::Disconnected`]; calls blocked on
    /// either side wake at once. Later calls on this end fail the same way. Closing twice is
    /// fine.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{RecvError, SendError};
    /// let (a, b) = weftsync::pipe(2);
    /// a.send(1).unwrap();
    /// a.close();
    /// assert_eq!(b.recv(), Ok(1));
    /// assert_eq!(b.recv(), Err(RecvError::Eof));
    /// assert_eq!(b.send(2), Err(SendError::Disconnected(2)));
    /// assert_eq!(a.send(3), Err(SendError::Disconnected(3)));
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
    /// Receives the oldest message, waiting for one; after the sender closed, what is buffered
    /// and then [`RecvError::Eof`] for good.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError::Eof));
    /// # }
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        recv_on(&self.ring, Block::Until(None))
    }

    /// Receives a message if one is buffered right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(weftsync::RecvError::Empty));
    /// # }
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, RecvError> {
        recv_on(&self.ring, Block::No)
    }

    /// Receives a message, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// let r = rx.recv_for(std::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(weftsync::RecvError::Timeout));
    /// # }
    /// ```
    #[inline]
    pub fn recv_for(&self, timeout: Duration) -> Result<T, RecvError> {
        recv_on(&self.ring, Block::Until(shim::deadline_after(timeout)))
    }

    /// Receives a message, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, _tx) = weftsync::pipe_oneway::<u8>(1);
    /// let r = rx.recv_until(std::time::Instant::now());
    /// assert_eq!(r, Err(weftsync::RecvError::Timeout));
    /// # }
    /// ```
    #[inline]
    pub fn recv_until(&self, deadline: Instant) -> Result<T, RecvError> {
        recv_on(&self.ring, Block::Until(Some(deadline)))
    }

    /// Waits at most `timeout` until a receive would not block (a message is buffered or
    /// end-of-file is pending); never consumes.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway::<u8>(1);
    /// assert!(!rx.poll(std::time::Duration::ZERO));
    /// drop(tx);
    /// assert!(rx.poll(std::time::Duration::ZERO), "end-of-file is pending");
    /// # }
    /// ```
    pub fn poll(&self, timeout: Duration) -> bool {
        self.ring.poll(shim::deadline_after(timeout))
    }

    /// [`poll`](PipeReceiver::poll) until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(0u8).unwrap();
    /// assert!(rx.poll_until(std::time::Instant::now()));
    /// # }
    /// ```
    pub fn poll_until(&self, deadline: Instant) -> bool {
        self.ring.poll(Some(deadline))
    }

    /// Closes the receiver (dropping it does the same): buffered messages are dropped by this
    /// call, outside any lock; the sender's sends fail with [`SendError::Disconnected`] and a
    /// blocked sender wakes at once. Later receives return [`RecvError::Eof`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(weftsync::SendError::Disconnected(1)));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError::Eof));
    /// # }
    /// ```
    pub fn close(&self) {
        self.ring.shutdown(true);
    }
}

impl<T> PipeSender<T> {
    /// Sends `msg`, waiting for room; [`SendError::Disconnected`] hands it back once the
    /// receiver (or this sender) is closed.
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
        send_on(&self.ring, msg, Block::Until(None))
    }

    /// Sends `msg` if there is room right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (_rx, tx) = weftsync::pipe_oneway(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(weftsync::SendError::Full(2)));
    /// # }
    /// ```
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), SendError<T>> {
        send_on(&self.ring, msg, Block::No)
    }

    /// Sends `msg`, waiting at most `timeout` for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (_rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// let r = tx.send_for(2, std::time::Duration::from_millis(1));
    /// assert_eq!(r, Err(weftsync::SendError::Timeout(2)));
    /// # }
    /// ```
    #[inline]
    pub fn send_for(&self, msg: T, timeout: Duration) -> Result<(), SendError<T>> {
        send_on(&self.ring, msg, Block::Until(shim::deadline_after(timeout)))
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
    pub fn send_until(&self, msg: T, deadline: Instant) -> Result<(), SendError<T>> {
        send_on(&self.ring, msg, Block::Until(Some(deadline)))
    }

    /// Closes the sender (dropping it does the same): the receiver gets what is buffered, then
    /// [`RecvError::Eof`]; a blocked receiver wakes at once. Later sends fail with
    /// [`SendError::Disconnected`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let (rx, tx) = weftsync::pipe_oneway(1);
    /// tx.send(1).unwrap();
    /// tx.close();
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(weftsync::RecvError::Eof));
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

impl<T> SendError<T> {
    /// The message the failed send hands back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::SendError::Disconnected("m").into_inner(), "m");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendError::Full(m) | SendError::Timeout(m) | SendError::Disconnected(m) => m,
        }
    }

    /// Whether the send failed because an end is closed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::SendError::Disconnected(()).is_disconnected());
    /// # }
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, SendError::Disconnected(_))
    }
}

/// Prints the variant without the message, so any `T` can be unwrapped.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "Full(..)",
            SendError::Timeout(_) => "Timeout(..)",
            SendError::Disconnected(_) => "Disconnected(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "send on a full pipe",
            SendError::Timeout(_) => "timed out waiting for room in the pipe",
            SendError::Disconnected(_) => "send on a closed pipe",
        })
    }
}

impl<T> std::error::Error for SendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecvError::Empty => "receive on an empty pipe",
            RecvError::Timeout => "timed out waiting for a message",
            RecvError::Eof => "end of file: the pipe is closed and drained",
        })
    }
}

impl std::error::Error for RecvError {}
