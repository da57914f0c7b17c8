//! Errors: the transport [`Error`], and the queue's channel-shaped family.
//!
//! The family has the shapes of `std::sync::mpsc`'s and `crossbeam-channel`'s errors (and of the
//! core crate's, `docs/api.md` §3), with one variant more in each: `Connection`, a failure the
//! network can cause and a thread cannot. Every error of a failed put hands the item back.

use core::fmt;

/// What went wrong talking to the server.
///
/// ```
/// use weftsync_redis::{Client, ErrorKind};
/// // Nothing listens on port 1: the error says so at once, instead of hanging.
/// let err = Client::open("redis://127.0.0.1:1/").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Unreachable);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server refused the password or the user (Redis `WRONGPASS` / `NOAUTH`; Python's
    /// `AuthenticationError` for a wrong `authkey`).
    #[doc(alias = "AuthenticationError")]
    Auth,
    /// No connection could be made within the reconnect window (refused, timed out, no route).
    Unreachable,
    /// The connection failed during an operation and could not be re-established within the
    /// reconnect window.
    ConnectionLost,
    /// The URL or an option is invalid.
    Config,
    /// A value could not be encoded, or a stored one could not be decoded as the handle's `T`
    /// (another program wrote it with a different type).
    Codec,
    /// The object exists on the server with other parameters (a queue's capacity, a
    /// semaphore's permits).
    Mismatch,
    /// The server answered with an error (out of memory, read-only replica, a deleted object…).
    Server,
}

/// A failure to reach the server or to act on it; [`kind`](Error::kind) says which.
///
/// `Clone` and `Eq` (it keeps the message, not the client library's error), so the errors that
/// carry it stay `Clone`/`Eq` where `T` allows.
///
/// ```
/// use weftsync_redis::{Client, ErrorKind};
/// let err = Client::open("not a url").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(!err.to_string().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    outcome_unknown: bool,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            outcome_unknown: false,
        }
    }

    pub(crate) fn with_unknown_outcome(mut self) -> Self {
        self.outcome_unknown = true;
        self
    }

    /// Which kind of failure.
    ///
    /// ```
    /// # use weftsync_redis::{Client, ErrorKind};
    /// assert_eq!(Client::open("redis://127.0.0.1:1/").unwrap_err().kind(), ErrorKind::Unreachable);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// `true` when the connection failed after the operation was sent and the server could not
    /// be asked afterwards whether it took effect. For a put, the item handed back may then also
    /// be in the queue (never lost, possibly twice). `false` means the operation is known not to
    /// have taken effect.
    ///
    /// ```
    /// # use weftsync_redis::Client;
    /// assert!(!Client::open("redis://127.0.0.1:1/").unwrap_err().outcome_unknown());
    /// ```
    pub fn outcome_unknown(&self) -> bool {
        self.outcome_unknown
    }

    /// Classifies a client-library error.
    pub(crate) fn from_redis(e: &redis::RedisError, while_connecting: bool) -> Self {
        let text = e.to_string();
        let auth = e.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(e.code(), Some("WRONGPASS" | "NOAUTH"))
            || text.contains("WRONGPASS")
            || text.contains("NOAUTH");
        let kind = if auth {
            ErrorKind::Auth
        } else if e.kind() == redis::ErrorKind::InvalidClientConfig {
            ErrorKind::Config
        } else if is_transport(e) {
            if while_connecting {
                ErrorKind::Unreachable
            } else {
                ErrorKind::ConnectionLost
            }
        } else {
            ErrorKind::Server
        };
        Error::new(kind, text)
    }
}

/// Whether a client-library error means the connection is gone (so the operation may be retried
/// on a new one), as opposed to an answer from the server.
pub(crate) fn is_transport(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_unrecoverable_error()
            && e.kind() != redis::ErrorKind::AuthenticationFailed
            && e.kind() != redis::ErrorKind::InvalidClientConfig
        || matches!(
            e.kind(),
            redis::ErrorKind::Server(redis::ServerErrorKind::BusyLoading)
        )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Auth => "authentication refused",
            ErrorKind::Unreachable => "server unreachable",
            ErrorKind::ConnectionLost => "connection lost",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Codec => "value could not be encoded or decoded",
            ErrorKind::Mismatch => "object exists with other parameters",
            ErrorKind::Server => "server error",
        };
        write!(f, "{what}: {}", self.message)?;
        if self.outcome_unknown {
            f.write_str(" (whether the operation took effect is unknown)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

macro_rules! family_common {
    ($ty:ident < T >, $($variant:ident),*) => {
        impl<T> $ty<T> {
            /// The item the failed call hands back.
            ///
            /// ```
            #[doc = concat!("use weftsync_redis::", stringify!($ty), ";")]
            #[doc = concat!("let e = ", stringify!($ty), "::Disconnected(5);")]
            /// assert_eq!(e.into_inner(), 5);
            /// ```
            pub fn into_inner(self) -> T {
                match self {
                    $($ty::$variant(t))|* => t,
                    $ty::Connection(t, _) => t,
                }
            }

            /// The transport error, for the `Connection` variant.
            ///
            /// ```
            #[doc = concat!("use weftsync_redis::", stringify!($ty), ";")]
            #[doc = concat!("assert!(", stringify!($ty), "::Disconnected(5).connection_error().is_none());")]
            /// ```
            pub fn connection_error(&self) -> Option<&Error> {
                match self {
                    $ty::Connection(_, e) => Some(e),
                    _ => None,
                }
            }
        }

        /// Prints the variant without the item, so any `T` can be unwrapped.
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($ty::$variant(_) => f.write_str(concat!(stringify!($variant), "(..)")),)*
                    $ty::Connection(_, e) => write!(f, "Connection(.., {e:?})"),
                }
            }
        }

        impl<T> std::error::Error for $ty<T> {}
    };
}

/// Why a blocking [`put`](crate::Queue::put) failed; it hands the item back.
///
/// ```
/// use weftsync_redis::SendError;
/// let e = SendError::Disconnected("job");
/// assert_eq!(format!("{e:?}"), "Disconnected(..)");
/// assert_eq!(e.into_inner(), "job");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[doc(alias = "ShutDown")]
pub enum SendError<T> {
    /// The queue is shut down.
    Disconnected(T),
    /// The server could not be reached or acted on. See [`Error::outcome_unknown`].
    Connection(T, Error),
}
family_common!(SendError<T>, Disconnected);

/// Why a [`try_put`](crate::Queue::try_put) failed; it hands the item back.
///
/// ```
/// use weftsync_redis::TrySendError;
/// assert_eq!(TrySendError::Full(1).into_inner(), 1);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[doc(alias = "Full")]
pub enum TrySendError<T> {
    /// The queue was full.
    Full(T),
    /// The queue is shut down.
    Disconnected(T),
    /// The server could not be reached or acted on.
    Connection(T, Error),
}
family_common!(TrySendError<T>, Full, Disconnected);

/// Why a [`put_for`](crate::Queue::put_for) / [`put_until`](crate::Queue::put_until) failed; it
/// hands the item back.
///
/// ```
/// use weftsync_redis::SendTimeoutError;
/// assert_eq!(SendTimeoutError::Timeout('x').into_inner(), 'x');
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The queue stayed full until the timeout or deadline passed.
    Timeout(T),
    /// The queue is shut down.
    Disconnected(T),
    /// The server could not be reached or acted on.
    Connection(T, Error),
}
family_common!(SendTimeoutError<T>, Timeout, Disconnected);

/// Why a blocking [`get`](crate::Queue::get) failed.
///
/// ```
/// use weftsync_redis::RecvError;
/// assert_eq!(RecvError::Disconnected.to_string(), "get on a shut-down, drained queue");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "ShutDown")]
pub enum RecvError {
    /// The queue is shut down and nothing is left to get.
    Disconnected,
    /// The server could not be reached or acted on.
    Connection(Error),
}

/// Why a [`try_get`](crate::Queue::try_get) failed.
///
/// ```
/// use weftsync_redis::TryRecvError;
/// assert_ne!(TryRecvError::Empty, TryRecvError::Disconnected);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "Empty")]
pub enum TryRecvError {
    /// Nothing to get right now.
    Empty,
    /// The queue is shut down and nothing is left to get.
    Disconnected,
    /// The server could not be reached or acted on.
    Connection(Error),
}

/// Why a [`get_for`](crate::Queue::get_for) / [`get_until`](crate::Queue::get_until) failed.
///
/// ```
/// use weftsync_redis::RecvTimeoutError;
/// assert_eq!(RecvTimeoutError::Timeout.to_string(), "timed out waiting for an item");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// Nothing came before the timeout or deadline.
    Timeout,
    /// The queue is shut down and nothing is left to get.
    Disconnected,
    /// The server could not be reached or acted on.
    Connection(Error),
}

/// Why [`task_done`](crate::Queue::task_done) failed.
///
/// ```
/// use weftsync_redis::TaskDoneError;
/// assert!(TaskDoneError::NothingGot.to_string().contains("more times"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "ValueError")]
pub enum TaskDoneError {
    /// This handle holds no got item that is not yet marked done (Python's `ValueError`).
    NothingGot,
    /// The item's visibility timeout passed and it was handed to another getter (or dropped by
    /// an immediate shutdown): this getter no longer owns it, and its `task_done` counts for
    /// nothing. The item is the other getter's to finish.
    LeaseExpired,
    /// The server could not be reached or acted on; the item stays this handle's to mark done.
    Connection(Error),
}

fn display_send(f: &mut fmt::Formatter<'_>, e: &Error) -> fmt::Result {
    write!(f, "put failed, item handed back: {e}")
}

macro_rules! display_generic {
    ($ty:ident, $($variant:ident => $text:literal),*) => {
        impl<T> fmt::Display for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($ty::$variant(_) => f.write_str($text),)*
                    $ty::Connection(_, e) => display_send(f, e),
                }
            }
        }
    };
}

display_generic!(SendError, Disconnected => "put on a shut-down queue");
display_generic!(TrySendError, Full => "put on a full queue", Disconnected => "put on a shut-down queue");
display_generic!(
    SendTimeoutError,
    Timeout => "timed out waiting for room in the queue",
    Disconnected => "put on a shut-down queue"
);

fn display_recv(f: &mut fmt::Formatter<'_>, e: &Error) -> fmt::Result {
    write!(f, "get failed: {e}")
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Disconnected => f.write_str("get on a shut-down, drained queue"),
            RecvError::Connection(e) => display_recv(f, e),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("get on an empty queue"),
            TryRecvError::Disconnected => f.write_str("get on a shut-down, drained queue"),
            TryRecvError::Connection(e) => display_recv(f, e),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting for an item"),
            RecvTimeoutError::Disconnected => f.write_str("get on a shut-down, drained queue"),
            RecvTimeoutError::Connection(e) => display_recv(f, e),
        }
    }
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskDoneError::NothingGot => {
                f.write_str("task_done() called more times than this handle got items")
            }
            TaskDoneError::LeaseExpired => f.write_str(
                "the item's visibility timeout passed before task_done(): it was handed on",
            ),
            TaskDoneError::Connection(e) => write!(f, "task_done failed: {e}"),
        }
    }
}

impl std::error::Error for RecvError {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}
impl std::error::Error for TaskDoneError {}
