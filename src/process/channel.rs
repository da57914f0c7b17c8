//! `process::Queue` and `process::Pipe`: byte messages between processes, length-framed in a
//! bounded byte ring that lives in the shared memory itself.
//!
//! A ring is a header and `capacity` bytes. Each message is a frame: its length as 4
//! little-endian bytes, then the bytes, wrapping around the end of the buffer. Header fields, all
//! under the ring's robust lock:
//!
//! | field | meaning |
//! |---|---|
//! | `head`, `tail` | bytes consumed and committed since the start (never wrap: 64 bits); used = `tail − head` |
//! | `count` | messages in the ring |
//! | `flags` | `SENDER_GONE`: no more puts (a plain shutdown, or the sending end closed or died): gets drain, then `Disconnected`; `RECEIVER_GONE`: puts fail with `Disconnected` |
//! | `getters`, `putters` | threads registered as sleeping (hints: a dead one inflates them) |
//! | `not_empty`, `not_full` | the futex words getters and putters sleep on, bumped under the lock |
//!
//! **A kill at any point leaves the ring consistent.** A put writes the frame past `tail` (no
//! reader looks there), then commits it with one store of `tail`; a get copies the frame out,
//! then consumes it with one store of `head`. So a process killed mid-put sent nothing, and one
//! killed mid-get took nothing: the message stays for the next getter. The lock is robust, so
//! the next caller gets it within a slice.
//!
//! **Nothing is read past a bad frame.** A length prefix is checked against the bytes committed
//! and the capacity before any byte is copied: a corrupted one (a process scribbling on the
//! shared memory) is reported as [`RecvError::Corrupt`], and the ring stops there (every later
//! get reports it again) rather than returning garbage. A message longer than the ring can ever
//! hold is refused at once ([`SendError::TooLarge`]).
//!
//! Wake-ups (as `src/ring.rs`, simplified): a put that commits bumps `not_empty` and wakes one
//! getter when one is registered; a get that frees room bumps `not_full` and wakes every putter
//! (they may need different amounts). A woken getter or putter re-checks under the lock and acts
//! if it can, even past its deadline, so a wake that reached it is used or not needed. A getter
//! killed after being woken leaves the message for the others, who re-check at the end of their
//! slice: at most one slice late, never lost.
//!
//! **Pipe ends.** A [`Pipe`] is two rings and two end records (`token`, `state`): a process
//! [`open`](Pipe::open)s an end (recording its token), and closing it (or dropping the
//! [`Connection`]) sets `SENDER_GONE` on the ring it sends on and `RECEIVER_GONE` on the ring it
//! receives on, dropping what was buffered for it. A blocked peer checks at the end of each slice
//! whether the process holding the other end is alive; if it died, the peer closes that end on
//! its behalf: **a dead process's end reads as closed.**
//!
//! Memory ordering: everything is read and written under the ring's robust lock (Acquire take,
//! Release release); the fields are atomics (Relaxed) only so that a kill mid-store leaves the old
//! or the new value. The buffer bytes are plain memory written and read only under the lock.

use core::cell::UnsafeCell;
use core::fmt;
use std::borrow::Cow;

use super::robust::RawLock;
use crate::shim::{
    self, AtomicU32, AtomicU64, Duration, Instant,
    Ordering::Relaxed,
    WakeMode,
    owner::{self, Slept, Watch},
};

const SENDER_GONE: u32 = 1;
const RECEIVER_GONE: u32 = 2;
/// Bytes of a frame's length prefix.
const PREFIX: u64 = 4;

#[repr(C)]
pub(crate) struct RingHeader {
    lock: RawLock,
    capacity: AtomicU64,
    head: AtomicU64,
    tail: AtomicU64,
    count: AtomicU64,
    flags: AtomicU32,
    getters: AtomicU32,
    putters: AtomicU32,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    scan_at: AtomicU32,
}

impl RingHeader {
    fn new(capacity: u64) -> Self {
        RingHeader {
            lock: RawLock::new(),
            capacity: AtomicU64::new(capacity),
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            count: AtomicU64::new(0),
            flags: AtomicU32::new(0),
            getters: AtomicU32::new(0),
            putters: AtomicU32::new(0),
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            scan_at: AtomicU32::new(0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Messages: how a value becomes bytes and back.

/// A message a [`Queue`] or [`Connection`] can send: bytes (`[u8]`, `[u8; N]`, `Vec<u8>`, `str`,
/// `String`), plain data ([`Plain`]), or any serde type (`Serde`, feature `serde`).
pub trait Encode {
    /// The message's bytes.
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError>;
}

/// A message a [`Queue`] or [`Connection`] can receive: `Vec<u8>`, `String` (checked UTF-8),
/// [`Plain`], or `Serde` (feature `serde`).
pub trait Decode: Sized {
    /// The value from a message's bytes; on failure the error hands the bytes back.
    fn decode(bytes: Vec<u8>) -> Result<Self, CodecError>;
}

/// A message that could not be encoded or decoded. A decode failure hands the message's bytes
/// back ([`CodecError::into_bytes`]): nothing received is lost.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{Decode, Plain};
/// let err = Plain::<u64>::decode(vec![1, 2, 3]).unwrap_err();
/// assert_eq!(err.into_bytes(), [1, 2, 3]);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CodecError {
    what: String,
    bytes: Vec<u8>,
}

impl CodecError {
    fn new(what: impl Into<String>, bytes: Vec<u8>) -> Self {
        CodecError {
            what: what.into(),
            bytes,
        }
    }

    /// The message's bytes (empty for an encoding failure).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::Decode;
    /// let err = String::decode(vec![0xff]).unwrap_err();
    /// assert_eq!(err.into_bytes(), [0xff]);
    /// # }
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl fmt::Debug for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodecError")
            .field("what", &self.what)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for CodecError {}

impl Encode for [u8] {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(self))
    }
}
impl<const N: usize> Encode for [u8; N] {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(self))
    }
}
impl Encode for Vec<u8> {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(self))
    }
}
impl Encode for str {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(self.as_bytes()))
    }
}
impl Encode for String {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(self.as_bytes()))
    }
}
impl Decode for Vec<u8> {
    fn decode(bytes: Vec<u8>) -> Result<Self, CodecError> {
        Ok(bytes)
    }
}
impl Decode for String {
    fn decode(bytes: Vec<u8>) -> Result<Self, CodecError> {
        String::from_utf8(bytes)
            .map_err(|e| CodecError::new(format!("not UTF-8: {}", e.utf8_error()), e.into_bytes()))
    }
}

/// Plain data sent as its bytes: `T: bytemuck::NoUninit` to send (no padding, so no
/// uninitialised byte ever reaches another process), `T: bytemuck::AnyBitPattern` to receive
/// (any bytes are a valid `T`, so a message from another process cannot make an invalid one); a
/// message of another size is a [`CodecError`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{Plain, Queue};
/// let q = Queue::boxed(64);
/// q.put(&Plain([1u32, 2, 3])).unwrap();
/// let Plain(got) = q.get::<Plain<[u32; 3]>>().unwrap();
/// assert_eq!(got, [1, 2, 3]);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plain<T>(pub T);

impl<T: bytemuck::NoUninit> Encode for Plain<T> {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        Ok(Cow::Borrowed(bytemuck::bytes_of(&self.0)))
    }
}

impl<T: bytemuck::AnyBitPattern> Decode for Plain<T> {
    fn decode(bytes: Vec<u8>) -> Result<Self, CodecError> {
        if bytes.len() != core::mem::size_of::<T>() {
            let what = format!(
                "a message of {} bytes is not a {} ({} bytes)",
                bytes.len(),
                core::any::type_name::<T>(),
                core::mem::size_of::<T>()
            );
            return Err(CodecError::new(what, bytes));
        }
        Ok(Plain(bytemuck::pod_read_unaligned(&bytes)))
    }
}

/// Any serde type, encoded with postcard's compact format (feature `serde`).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{Queue, Serde};
/// let q = Queue::boxed(256);
/// q.put(&Serde((7u8, String::from("seven")))).unwrap();
/// let Serde(got) = q.get::<Serde<(u8, String)>>().unwrap();
/// assert_eq!(got, (7, "seven".to_string()));
/// # }
/// ```
#[cfg(feature = "serde")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Serde<T>(pub T);

#[cfg(feature = "serde")]
impl<T: serde::Serialize> Encode for Serde<T> {
    fn encode(&self) -> Result<Cow<'_, [u8]>, CodecError> {
        postcard::to_allocvec(&self.0)
            .map(Cow::Owned)
            .map_err(|e| CodecError::new(format!("cannot encode: {e}"), Vec::new()))
    }
}

#[cfg(feature = "serde")]
impl<T: serde::de::DeserializeOwned> Decode for Serde<T> {
    fn decode(bytes: Vec<u8>) -> Result<Self, CodecError> {
        match postcard::from_bytes(&bytes) {
            Ok(v) => Ok(Serde(v)),
            Err(e) => Err(CodecError::new(format!("cannot decode: {e}"), bytes)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: the channel family of `docs/api.md`, with the two causes a byte ring adds.

/// A message that can never fit: longer than the ring's capacity minus its 4-byte prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The message's length in bytes.
    pub len: u64,
    /// The longest message the ring can hold.
    pub max: u64,
}

/// A frame whose length prefix does not fit the bytes in the ring: the shared memory was
/// overwritten. Nothing was read past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameError {
    /// The length the prefix claims.
    pub claimed: u64,
    /// The bytes committed after the prefix.
    pub available: u64,
}

/// Why a blocking `put` / `send` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(alias = "ShutDown", alias = "BrokenPipeError")]
pub enum SendError {
    /// Shut down, or the receiving end is closed or its process died.
    Disconnected,
    /// The message can never fit.
    TooLarge(TooLarge),
    /// The message could not be encoded.
    Encode(CodecError),
}

/// Why a `try_put` / `try_send` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(alias = "Full")]
pub enum TrySendError {
    /// No room right now.
    Full,
    /// Shut down, or the receiving end is closed or its process died.
    Disconnected,
    /// The message can never fit.
    TooLarge(TooLarge),
    /// The message could not be encoded.
    Encode(CodecError),
}

/// Why a timed `put` / `send` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendTimeoutError {
    /// No room before the deadline.
    Timeout,
    /// Shut down, or the receiving end is closed or its process died.
    Disconnected,
    /// The message can never fit.
    TooLarge(TooLarge),
    /// The message could not be encoded.
    Encode(CodecError),
}

/// Why a blocking `get` / `recv` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(alias = "EOFError", alias = "ShutDown")]
pub enum RecvError {
    /// Shut down (or the sending end closed or died) and drained.
    Disconnected,
    /// A corrupted frame: the shared memory was overwritten.
    Corrupt(FrameError),
    /// The message was received but could not be decoded; the error holds its bytes.
    Decode(CodecError),
}

/// Why a `try_get` / `try_recv` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(alias = "Empty")]
pub enum TryRecvError {
    /// Nothing to receive right now.
    Empty,
    /// Shut down (or the sending end closed or died) and drained.
    Disconnected,
    /// A corrupted frame.
    Corrupt(FrameError),
    /// Received but not decodable; the error holds its bytes.
    Decode(CodecError),
}

/// Why a timed `get` / `recv` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// Nothing arrived before the deadline.
    Timeout,
    /// Shut down (or the sending end closed or died) and drained.
    Disconnected,
    /// A corrupted frame.
    Corrupt(FrameError),
    /// Received but not decodable; the error holds its bytes.
    Decode(CodecError),
}

/// What went wrong at the ring level, before it is shaped into the caller's error type.
#[derive(Debug)]
enum Fail {
    Full,
    Empty,
    Timeout,
    Disconnected,
    TooLarge(TooLarge),
    Corrupt(FrameError),
    Codec(CodecError),
}

impl From<Fail> for SendError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::TooLarge(t) => SendError::TooLarge(t),
            Fail::Codec(c) => SendError::Encode(c),
            _ => SendError::Disconnected,
        }
    }
}
impl From<Fail> for TrySendError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Full => TrySendError::Full,
            Fail::TooLarge(t) => TrySendError::TooLarge(t),
            Fail::Codec(c) => TrySendError::Encode(c),
            _ => TrySendError::Disconnected,
        }
    }
}
impl From<Fail> for SendTimeoutError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Timeout => SendTimeoutError::Timeout,
            Fail::TooLarge(t) => SendTimeoutError::TooLarge(t),
            Fail::Codec(c) => SendTimeoutError::Encode(c),
            _ => SendTimeoutError::Disconnected,
        }
    }
}
impl From<Fail> for RecvError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Corrupt(c) => RecvError::Corrupt(c),
            Fail::Codec(c) => RecvError::Decode(c),
            _ => RecvError::Disconnected,
        }
    }
}
impl From<Fail> for TryRecvError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Empty => TryRecvError::Empty,
            Fail::Corrupt(c) => TryRecvError::Corrupt(c),
            Fail::Codec(c) => TryRecvError::Decode(c),
            _ => TryRecvError::Disconnected,
        }
    }
}
impl From<Fail> for RecvTimeoutError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Timeout => RecvTimeoutError::Timeout,
            Fail::Corrupt(c) => RecvTimeoutError::Corrupt(c),
            Fail::Codec(c) => RecvTimeoutError::Decode(c),
            _ => RecvTimeoutError::Disconnected,
        }
    }
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a message of {} bytes can never fit: the longest this ring holds is {} bytes",
            self.len, self.max
        )
    }
}
impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt frame: its length prefix says {} bytes, {} are committed after it",
            self.claimed, self.available
        )
    }
}
impl std::error::Error for TooLarge {}
impl std::error::Error for FrameError {}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Disconnected => f.write_str("sending on a closed channel"),
            SendError::TooLarge(t) => t.fmt(f),
            SendError::Encode(c) => c.fmt(f),
        }
    }
}
impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full => f.write_str("sending on a full channel"),
            TrySendError::Disconnected => f.write_str("sending on a closed channel"),
            TrySendError::TooLarge(t) => t.fmt(f),
            TrySendError::Encode(c) => c.fmt(f),
        }
    }
}
impl fmt::Display for SendTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout => f.write_str("timed out waiting for room on the channel"),
            SendTimeoutError::Disconnected => f.write_str("sending on a closed channel"),
            SendTimeoutError::TooLarge(t) => t.fmt(f),
            SendTimeoutError::Encode(c) => c.fmt(f),
        }
    }
}
impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Disconnected => f.write_str("receiving on a closed and empty channel"),
            RecvError::Corrupt(c) => c.fmt(f),
            RecvError::Decode(c) => c.fmt(f),
        }
    }
}
impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed and empty channel"),
            TryRecvError::Corrupt(c) => c.fmt(f),
            TryRecvError::Decode(c) => c.fmt(f),
        }
    }
}
impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on the channel"),
            RecvTimeoutError::Disconnected => {
                f.write_str("receiving on a closed and empty channel")
            }
            RecvTimeoutError::Corrupt(c) => c.fmt(f),
            RecvTimeoutError::Decode(c) => c.fmt(f),
        }
    }
}
impl std::error::Error for SendError {}
impl std::error::Error for TrySendError {}
impl std::error::Error for SendTimeoutError {}
impl std::error::Error for RecvError {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}

// ---------------------------------------------------------------------------------------------
// The ring.

/// How long a put or get may wait.
#[derive(Clone, Copy)]
enum Block {
    No,
    Until(Option<Instant>),
}

/// A ring: its header and its bytes.
struct Ring<'a> {
    h: &'a RingHeader,
    buf: &'a [UnsafeCell<u8>],
}

/// What a blocked ring operation checks at the end of a slice: the pipe end on the other side.
type PeerCheck<'a> = Option<&'a dyn Fn()>;

impl Ring<'_> {
    fn cap(&self) -> u64 {
        self.buf.len() as u64
    }

    /// The longest message this ring holds.
    fn max_message(&self) -> u64 {
        self.cap().saturating_sub(PREFIX).min(u64::from(u32::MAX))
    }

    fn lock(&self) {
        // A dead holder needs no repair: see the file docs (one committing store per step).
        let _ = self.h.lock.lock(None);
    }

    /// Copies `src` into the ring at absolute position `pos` (wrapping). Under the lock, past
    /// `tail` (no reader looks there).
    fn write_at(&self, pos: u64, src: &[u8]) {
        let cap = self.cap();
        let start = (pos % cap) as usize;
        let first = src.len().min(self.buf.len() - start);
        let base = UnsafeCell::raw_get(self.buf.as_ptr());
        // SAFETY: `base` points at the ring's bytes (provenance over the whole slice, which
        // `UnsafeCell` lets us write through a shared reference); `start + first <= len` and
        // `src.len() - first <= start` (the message fits in the free room, `<= cap`); the bytes
        // past `tail` are touched only by the lock holder, which we are.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), base.add(start), first);
            core::ptr::copy_nonoverlapping(src.as_ptr().add(first), base, src.len() - first);
        }
    }

    /// Copies `dst.len()` bytes out of the ring from absolute position `pos` (wrapping). Under
    /// the lock, within `head..tail`.
    fn read_at(&self, pos: u64, dst: &mut [u8]) {
        let cap = self.cap();
        let start = (pos % cap) as usize;
        let first = dst.len().min(self.buf.len() - start);
        let base = UnsafeCell::raw_get(self.buf.as_ptr());
        // SAFETY: as in `write_at`; the bytes lie within `head..tail` (checked by the caller),
        // which only the lock holder reads and nobody writes until `head` moves past them.
        unsafe {
            core::ptr::copy_nonoverlapping(base.add(start), dst.as_mut_ptr(), first);
            core::ptr::copy_nonoverlapping(base, dst.as_mut_ptr().add(first), dst.len() - first);
        }
    }

    fn put(&self, msg: &[u8], block: Block, peer: PeerCheck<'_>) -> Result<(), Fail> {
        let len = msg.len() as u64;
        if len > self.max_message() {
            return Err(Fail::TooLarge(TooLarge {
                len,
                max: self.max_message(),
            }));
        }
        let need = PREFIX + len;
        let deadline = match block {
            Block::No => None,
            Block::Until(d) => d,
        };
        let mut watch = Watch::new();
        self.lock();
        loop {
            if self.h.flags.load(Relaxed) & (SENDER_GONE | RECEIVER_GONE) != 0 {
                self.h.lock.unlock();
                return Err(Fail::Disconnected);
            }
            let head = self.h.head.load(Relaxed);
            let tail = self.h.tail.load(Relaxed);
            if self.cap() - (tail - head) >= need {
                self.write_at(tail, &(len as u32).to_le_bytes());
                self.write_at(tail + PREFIX, msg);
                self.h.count.fetch_add(1, Relaxed);
                // The commit: one store. A kill before it sent nothing.
                self.h.tail.store(tail + need, Relaxed);
                let wake = self.h.getters.load(Relaxed) > 0;
                if wake {
                    self.h.not_empty.fetch_add(1, Relaxed);
                }
                self.h.lock.unlock();
                if wake {
                    shim::Shared::wake(&self.h.not_empty, 1);
                }
                return Ok(());
            }
            if matches!(block, Block::No) {
                self.h.lock.unlock();
                if self.check_peer(peer) {
                    self.lock();
                    continue;
                }
                return Err(Fail::Full);
            }
            if shim::expired(deadline) {
                self.h.lock.unlock();
                return Err(Fail::Timeout);
            }
            self.h.putters.fetch_add(1, Relaxed);
            // Relaxed: read under the ring's lock, which every bump of this word also holds, so
            // the lock orders it; the futex compares the word again when the wait begins.
            let epoch = self.h.not_full.load(Relaxed);
            self.h.lock.unlock();
            let slept = owner::wait_slice(&self.h.not_full, epoch, deadline, &mut watch);
            if slept == Slept::Slice {
                self.check_peer(peer);
            }
            self.lock();
            self.h.putters.fetch_sub(1, Relaxed);
        }
    }

    fn get(&self, block: Block, peer: PeerCheck<'_>) -> Result<Vec<u8>, Fail> {
        let deadline = match block {
            Block::No => None,
            Block::Until(d) => d,
        };
        let mut watch = Watch::new();
        self.lock();
        loop {
            let head = self.h.head.load(Relaxed);
            let tail = self.h.tail.load(Relaxed);
            let used = tail.wrapping_sub(head);
            if used > self.cap() {
                self.h.lock.unlock();
                return Err(Fail::Corrupt(FrameError {
                    claimed: used,
                    available: self.cap(),
                }));
            }
            if used > 0 {
                let result = self.take_frame(head, used);
                self.h.lock.unlock();
                return result.map(|(msg, wake_putters)| {
                    if wake_putters {
                        // After unlocking; the epoch was bumped under the lock.
                        shim::Shared::wake(&self.h.not_full, u32::MAX);
                    }
                    msg
                });
            }
            if self.h.flags.load(Relaxed) & SENDER_GONE != 0 {
                self.h.lock.unlock();
                return Err(Fail::Disconnected);
            }
            if matches!(block, Block::No) {
                self.h.lock.unlock();
                if self.check_peer(peer) {
                    self.lock();
                    continue;
                }
                return Err(Fail::Empty);
            }
            if shim::expired(deadline) {
                self.h.lock.unlock();
                return Err(Fail::Timeout);
            }
            self.h.getters.fetch_add(1, Relaxed);
            // Relaxed: read under the ring's lock, which every bump of this word also holds, so
            // the lock orders it; the futex compares the word again when the wait begins.
            let epoch = self.h.not_empty.load(Relaxed);
            self.h.lock.unlock();
            let slept = owner::wait_slice(&self.h.not_empty, epoch, deadline, &mut watch);
            if slept == Slept::Slice {
                self.check_peer(peer);
            }
            self.lock();
            self.h.getters.fetch_sub(1, Relaxed);
        }
    }

    /// Under the lock, with `used > 0` bytes committed at `head`: checks the frame and takes it.
    /// Returns the message and whether putters must be woken (the epoch is bumped already).
    fn take_frame(&self, head: u64, used: u64) -> Result<(Vec<u8>, bool), Fail> {
        let mut prefix = [0u8; PREFIX as usize];
        if used < PREFIX {
            return Err(Fail::Corrupt(FrameError {
                claimed: PREFIX,
                available: used,
            }));
        }
        self.read_at(head, &mut prefix);
        let len = u64::from(u32::from_le_bytes(prefix));
        if len > used - PREFIX || len > self.max_message() {
            return Err(Fail::Corrupt(FrameError {
                claimed: len,
                available: used - PREFIX,
            }));
        }
        let mut out = vec![0u8; len as usize];
        self.read_at(head + PREFIX, &mut out);
        self.h.count.fetch_sub(1, Relaxed);
        // The commit: one store. A kill before it took nothing.
        self.h.head.store(head + PREFIX + len, Relaxed);
        let wake_putters = self.h.putters.load(Relaxed) > 0;
        if wake_putters {
            self.h.not_full.fetch_add(1, Relaxed);
        }
        Ok((out, wake_putters))
    }

    /// Runs the peer check (if any), at most once per slice; returns whether the ring's flags
    /// changed meanwhile (so the caller should look again).
    fn check_peer(&self, peer: PeerCheck<'_>) -> bool {
        let Some(check) = peer else { return false };
        if !owner::scan_due(&self.h.scan_at) {
            return false;
        }
        let before = self.h.flags.load(Relaxed);
        check();
        self.h.flags.load(Relaxed) != before
    }

    /// Sets `flags` (under the lock) and wakes everybody on the ring. With `drop_buffered`,
    /// also discards what is buffered (the receiving end is gone).
    fn close(&self, flags: u32, drop_buffered: bool) {
        self.lock();
        self.h.flags.fetch_or(flags, Relaxed);
        if drop_buffered {
            self.h.count.store(0, Relaxed);
            self.h.head.store(self.h.tail.load(Relaxed), Relaxed);
        }
        self.h.not_empty.fetch_add(1, Relaxed);
        self.h.not_full.fetch_add(1, Relaxed);
        self.h.lock.unlock();
        shim::Shared::wake(&self.h.not_empty, u32::MAX);
        shim::Shared::wake(&self.h.not_full, u32::MAX);
    }

    fn flags(&self) -> u32 {
        self.h.flags.load(Relaxed)
    }
}

fn encode<M: Encode + ?Sized>(msg: &M) -> Result<Cow<'_, [u8]>, Fail> {
    msg.encode().map_err(Fail::Codec)
}

fn decode<M: Decode>(bytes: Result<Vec<u8>, Fail>) -> Result<M, Fail> {
    M::decode(bytes?).map_err(Fail::Codec)
}

// ---------------------------------------------------------------------------------------------
// Queue.

/// A bounded queue of byte messages shared between processes, Python's `multiprocessing.Queue`.
///
/// - **Capacity in bytes**, fixed when it is placed: each message takes its length plus 4
///   bytes. A message that could never fit is refused at once
///   ([`SendError::TooLarge`]); one that does not fit *now* waits for room.
/// - **FIFO**; every message is got exactly once. A process killed in the middle of a put sent
///   nothing, one killed in the middle of a get took nothing (the message stays).
/// - Messages are bytes, [`Plain`] data, or serde types (`Serde`, feature `serde`); the
///   receiver names the type (`q.get::<Vec<u8>>()`).
/// - [`shutdown`](Queue::shutdown) closes it: puts fail, gets drain what is left, then fail.
/// - A corrupted frame (the memory overwritten) is reported ([`RecvError::Corrupt`]), never
///   read past.
///
/// Place it with [`Region::place_queue`](super::Region::place_queue); [`Queue::boxed`] makes one
/// in ordinary memory.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::Queue;
/// let q = Queue::boxed(64);
/// q.put("job 1").unwrap();
/// q.put(&b"job 2"[..]).unwrap();
/// assert_eq!(q.get::<String>().unwrap(), "job 1");
/// assert_eq!(q.get::<Vec<u8>>().unwrap(), b"job 2");
/// # }
/// ```
#[repr(C)]
pub struct Queue {
    ring: RingHeader,
    buf: [UnsafeCell<u8>],
}

/// The queue's bytes are only touched under its robust lock.
// SAFETY: every access to `buf` happens under `ring.lock` (see the file docs); the header is
// atomics.
unsafe impl Sync for Queue {}
// SAFETY: as above; nothing in a queue is tied to a thread.
unsafe impl Send for Queue {}

impl Queue {
    /// The bytes a queue of `capacity` takes in a region (its header included, not the
    /// region's per-allocation header).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::process::Queue::footprint(1024) > 1024);
    /// # }
    /// ```
    pub fn footprint(capacity: usize) -> usize {
        core::mem::size_of::<RingHeader>() + capacity
    }

    /// A queue of `capacity` bytes in ordinary memory (between threads, or for tests).
    ///
    /// # Panics
    /// If `capacity` is below 5 (no message would fit) or the memory cannot be allocated.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::process::Queue::boxed(16);
    /// assert_eq!(q.capacity(), 16);
    /// # }
    /// ```
    #[track_caller]
    pub fn boxed(capacity: usize) -> Box<Queue> {
        assert!(
            capacity > PREFIX as usize,
            "process::Queue: capacity below 5 bytes"
        );
        let mem = alloc_dst::<RingHeader>(capacity);
        // SAFETY: `mem` is a fresh zeroed allocation: a `RingHeader` at offset 0 followed by
        // `capacity` bytes (`alloc_dst`). The header is written before the pointer is turned
        // into a `Box<Queue>`, whose layout (`for_value`: header, tail, padded) is the same.
        unsafe {
            core::ptr::write(mem.cast::<RingHeader>(), RingHeader::new(capacity as u64));
            Box::from_raw(core::ptr::slice_from_raw_parts_mut(
                mem.cast::<UnsafeCell<u8>>(),
                capacity,
            ) as *mut Queue)
        }
    }

    /// Initialises a queue of `capacity` bytes at `mem` (zeroed memory of
    /// [`footprint`](Queue::footprint) bytes, 8-aligned) and returns it.
    ///
    /// # Safety
    /// `mem` must be valid, 8-aligned, zeroed and unaliased for `footprint(capacity)` bytes,
    /// for `'a`.
    #[cfg_attr(weft_checker, allow(dead_code))]
    pub(crate) unsafe fn init_at<'a>(mem: *mut u8, capacity: usize) -> &'a Queue {
        // SAFETY: the caller's contract.
        unsafe {
            core::ptr::write(mem.cast::<RingHeader>(), RingHeader::new(capacity as u64));
            Queue::at(mem, capacity)
        }
    }

    /// The queue of `capacity` bytes already initialised at `mem`.
    ///
    /// # Safety
    /// A queue of that capacity was initialised at `mem` and stays valid for `'a`.
    #[cfg_attr(weft_checker, allow(dead_code))]
    pub(crate) unsafe fn at<'a>(mem: *mut u8, capacity: usize) -> &'a Queue {
        // SAFETY: the caller's contract; the fat pointer's length is the tail's.
        unsafe {
            &*(core::ptr::slice_from_raw_parts_mut(mem.cast::<UnsafeCell<u8>>(), capacity)
                as *const Queue)
        }
    }

    fn ring(&self) -> Ring<'_> {
        Ring {
            h: &self.ring,
            buf: &self.buf,
        }
    }

    /// Puts a message, waiting for room. Python's `put`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::process::Queue::boxed(32);
    /// q.put("hello").unwrap();
    /// assert_eq!(q.len(), 1);
    /// # }
    /// ```
    pub fn put<M: Encode + ?Sized>(&self, msg: &M) -> Result<(), SendError> {
        let bytes = encode(msg)?;
        Ok(self.ring().put(&bytes, Block::Until(None), None)?)
    }

    /// Puts a message if there is room right now; never blocks. Python's `put_nowait`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Queue, TrySendError};
    /// let q = Queue::boxed(8);
    /// q.try_put("abcd").unwrap(); // 4 + 4 bytes: full
    /// assert_eq!(q.try_put("e"), Err(TrySendError::Full));
    /// # }
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn try_put<M: Encode + ?Sized>(&self, msg: &M) -> Result<(), TrySendError> {
        let bytes = encode(msg)?;
        Ok(self.ring().put(&bytes, Block::No, None)?)
    }

    /// Puts a message, waiting at most `timeout` for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{Queue, SendTimeoutError};
    /// let q = Queue::boxed(8);
    /// q.put("abcd").unwrap();
    /// assert_eq!(q.put_for("e", Duration::from_millis(1)), Err(SendTimeoutError::Timeout));
    /// # }
    /// ```
    pub fn put_for<M: Encode + ?Sized>(
        &self,
        msg: &M,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError> {
        let bytes = encode(msg)?;
        Ok(self
            .ring()
            .put(&bytes, Block::Until(shim::deadline_after(timeout)), None)?)
    }

    /// Puts a message, waiting until `deadline` at the latest for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let q = weftsync::process::Queue::boxed(8);
    /// assert!(q.put_until("ok", Instant::now()).is_ok(), "room now: no wait needed");
    /// # }
    /// ```
    pub fn put_until<M: Encode + ?Sized>(
        &self,
        msg: &M,
        deadline: Instant,
    ) -> Result<(), SendTimeoutError> {
        let bytes = encode(msg)?;
        Ok(self
            .ring()
            .put(&bytes, Block::Until(Some(deadline)), None)?)
    }

    /// Gets the oldest message, waiting for one. Python's `get`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::process::Queue::boxed(32);
    /// q.put(&[1u8, 2][..]).unwrap();
    /// assert_eq!(q.get::<Vec<u8>>().unwrap(), [1, 2]);
    /// # }
    /// ```
    pub fn get<M: Decode>(&self) -> Result<M, RecvError> {
        Ok(decode(self.ring().get(Block::Until(None), None))?)
    }

    /// Gets the oldest message if there is one; never blocks. Python's `get_nowait`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Queue, TryRecvError};
    /// let q = Queue::boxed(32);
    /// assert_eq!(q.try_get::<Vec<u8>>(), Err(TryRecvError::Empty));
    /// # }
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_get<M: Decode>(&self) -> Result<M, TryRecvError> {
        Ok(decode(self.ring().get(Block::No, None))?)
    }

    /// Gets the oldest message, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{Queue, RecvTimeoutError};
    /// let q = Queue::boxed(32);
    /// assert_eq!(q.get_for::<Vec<u8>>(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// # }
    /// ```
    pub fn get_for<M: Decode>(&self, timeout: Duration) -> Result<M, RecvTimeoutError> {
        Ok(decode(
            self.ring()
                .get(Block::Until(shim::deadline_after(timeout)), None),
        )?)
    }

    /// Gets the oldest message, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let q = weftsync::process::Queue::boxed(32);
    /// q.put("x").unwrap();
    /// assert_eq!(q.get_until::<String>(Instant::now()).unwrap(), "x");
    /// # }
    /// ```
    pub fn get_until<M: Decode>(&self, deadline: Instant) -> Result<M, RecvTimeoutError> {
        Ok(decode(self.ring().get(Block::Until(Some(deadline)), None))?)
    }

    /// Shuts the queue down: puts fail from now on; gets take what is left, then fail with
    /// `Disconnected`. With `immediate`, what is left is discarded too. Wakes every waiter.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Queue, RecvError, SendError};
    /// let q = Queue::boxed(32);
    /// q.put("last").unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.put("late"), Err(SendError::Disconnected));
    /// assert_eq!(q.get::<String>().unwrap(), "last");
    /// assert_eq!(q.get::<String>(), Err(RecvError::Disconnected));
    /// # }
    /// ```
    #[doc(alias = "close")]
    pub fn shutdown(&self, immediate: bool) {
        self.ring().close(SENDER_GONE, immediate);
    }

    /// Whether [`shutdown`](Queue::shutdown) was called.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::process::Queue::boxed(32);
    /// assert!(!q.is_shutdown());
    /// # }
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.ring().flags() & SENDER_GONE != 0
    }

    /// Messages in the queue right now (a snapshot). Python's `qsize()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::process::Queue::boxed(32);
    /// q.put("a").unwrap();
    /// assert_eq!(q.len(), 1);
    /// # }
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.ring.count.load(Relaxed) as usize
    }

    /// Whether the queue holds no message right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::process::Queue::boxed(32).is_empty());
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity in bytes (prefixes included).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Queue::boxed(100).capacity(), 100);
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The longest message the queue can ever hold: capacity minus the 4-byte prefix.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Queue::boxed(100).max_message(), 96);
    /// # }
    /// ```
    pub fn max_message(&self) -> usize {
        self.ring().max_message() as usize
    }

    /// Overwrites the length prefix of the oldest message (for tests of corruption only).
    #[doc(hidden)]
    pub fn __corrupt_oldest_prefix(&self, claimed: u32) {
        let r = self.ring();
        r.lock();
        let head = self.ring.head.load(Relaxed);
        if self.ring.tail.load(Relaxed) > head {
            r.write_at(head, &claimed.to_le_bytes());
        }
        self.ring.lock.unlock();
    }
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Queue")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// Allocates zeroed memory for a header `H` followed by `tail` bytes, 8-aligned.
fn alloc_dst<H>(tail: usize) -> *mut u8 {
    let layout = std::alloc::Layout::new::<H>()
        .extend(std::alloc::Layout::array::<u8>(tail).expect("capacity too large"))
        .expect("capacity too large")
        .0
        .pad_to_align();
    // SAFETY: the layout has a non-zero size (a header is never empty).
    let mem = unsafe { std::alloc::alloc_zeroed(layout) };
    if mem.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    mem
}

// ---------------------------------------------------------------------------------------------
// Pipe.

const UNOPENED: u32 = 0;
const OPEN: u32 = 1;
const CLOSED: u32 = 2;

#[repr(C)]
struct EndRecord {
    /// The process that opened the end; 0 before.
    token: AtomicU64,
    /// UNOPENED / OPEN / CLOSED; changed under the lock of the ring the end sends on.
    state: AtomicU32,
    _pad: AtomicU32,
}

/// One side of a [`Pipe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The first end (Python's first `Connection` of `Pipe()`).
    A,
    /// The second end.
    B,
}

/// Why [`Pipe::open`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// A live process has this end open.
    InUse,
    /// The end was closed (or its process died); a pipe end never reopens.
    Closed,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpenError::InUse => "a live process has this pipe end open",
            OpenError::Closed => "this pipe end was closed",
        })
    }
}

impl std::error::Error for OpenError {}

/// A duplex pipe of byte messages between two processes, Python's `multiprocessing.Pipe()`: two
/// ends, each of which sends to the other.
///
/// Each process [`open`](Pipe::open)s one [`End`] and gets a [`Connection`]. Each direction is a
/// byte ring of the pipe's capacity, with the [`Queue`]'s framing and promises. Closing an end
/// (dropping its `Connection`) gives the peer end-of-file after what was buffered, and makes the
/// peer's sends fail; **an end whose process died reads as closed** (the peer notices within a
/// slice when it waits).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{End, Pipe, RecvError};
/// let pipe = Pipe::boxed(64);
/// let (a, b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
/// a.send("ping").unwrap();
/// assert_eq!(b.recv::<String>().unwrap(), "ping");
/// drop(a);
/// assert_eq!(b.recv::<String>(), Err(RecvError::Disconnected));
/// # }
/// ```
#[repr(C)]
pub struct Pipe {
    ends: [EndRecord; 2],
    /// `rings[k]` carries what end `k` sends.
    rings: [RingHeader; 2],
    buf: [UnsafeCell<u8>],
}

// SAFETY: as for `Queue`: the bytes are touched under the rings' robust locks only.
unsafe impl Sync for Pipe {}
// SAFETY: nothing in a pipe is tied to a thread.
unsafe impl Send for Pipe {}

/// An open end of a [`Pipe`]: sends to the other end, receives from it. Dropping it closes it.
pub struct Connection<'a> {
    pipe: &'a Pipe,
    end: usize,
}

impl Pipe {
    /// The bytes a pipe of `capacity` bytes per direction takes in a region.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::process::Pipe::footprint(100) > 200);
    /// # }
    /// ```
    pub fn footprint(capacity: usize) -> usize {
        core::mem::size_of::<PipeHeader>() + 2 * capacity
    }

    /// A pipe of `capacity` bytes per direction in ordinary memory (for threads, or tests).
    ///
    /// # Panics
    /// If `capacity` is below 5 bytes or the memory cannot be allocated.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Pipe::boxed(32).capacity(), 32);
    /// # }
    /// ```
    #[track_caller]
    pub fn boxed(capacity: usize) -> Box<Pipe> {
        assert!(
            capacity > PREFIX as usize,
            "process::Pipe: capacity below 5 bytes"
        );
        let tail = capacity.checked_mul(2).expect("capacity too large");
        let mem = alloc_dst::<PipeHeader>(tail);
        // SAFETY: a fresh zeroed allocation for a `PipeHeader` (the sized prefix of `Pipe`)
        // and `tail` bytes; written before it becomes a `Box<Pipe>` of exactly that layout.
        unsafe {
            core::ptr::write(mem.cast::<PipeHeader>(), PipeHeader::new(capacity as u64));
            Box::from_raw(
                core::ptr::slice_from_raw_parts_mut(mem.cast::<UnsafeCell<u8>>(), tail)
                    as *mut Pipe,
            )
        }
    }

    /// Initialises a pipe at `mem` and returns it.
    ///
    /// # Safety
    /// `mem` must be valid, 8-aligned, zeroed and unaliased for `footprint(capacity)` bytes.
    #[cfg_attr(weft_checker, allow(dead_code))]
    pub(crate) unsafe fn init_at<'a>(mem: *mut u8, capacity: usize) -> &'a Pipe {
        // SAFETY: the caller's contract.
        unsafe {
            core::ptr::write(mem.cast::<PipeHeader>(), PipeHeader::new(capacity as u64));
            Pipe::at(mem, capacity)
        }
    }

    /// The pipe of `capacity` bytes per direction initialised at `mem`.
    ///
    /// # Safety
    /// A pipe of that capacity was initialised at `mem` and stays valid for `'a`.
    #[cfg_attr(weft_checker, allow(dead_code))]
    pub(crate) unsafe fn at<'a>(mem: *mut u8, capacity: usize) -> &'a Pipe {
        // SAFETY: the caller's contract.
        unsafe {
            &*(core::ptr::slice_from_raw_parts_mut(mem.cast::<UnsafeCell<u8>>(), 2 * capacity)
                as *const Pipe)
        }
    }

    /// Bytes per direction.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Pipe::boxed(40).capacity(), 40);
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.len() / 2
    }

    fn ring(&self, k: usize) -> Ring<'_> {
        let cap = self.capacity();
        Ring {
            h: &self.rings[k],
            buf: &self.buf[k * cap..(k + 1) * cap],
        }
    }

    /// Opens `end` for this process. Python hands the ends out as `Pipe()`'s pair; here each
    /// process opens the end it uses (the parent one, a child the other).
    ///
    /// Errors: [`OpenError::InUse`] if a live process has it open (one that died has its end
    /// closed: [`OpenError::Closed`]).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, OpenError, Pipe};
    /// let pipe = Pipe::boxed(32);
    /// let a = pipe.open(End::A).unwrap();
    /// assert_eq!(pipe.open(End::A).err(), Some(OpenError::InUse));
    /// drop(a);
    /// assert_eq!(pipe.open(End::A).err(), Some(OpenError::Closed));
    /// # }
    /// ```
    pub fn open(&self, end: End) -> Result<Connection<'_>, OpenError> {
        let k = end as usize;
        let out = self.ring(k);
        out.lock();
        let rec = &self.ends[k];
        let result = match rec.state.load(Relaxed) {
            UNOPENED => {
                rec.token.store(owner::process_token(), Relaxed);
                rec.state.store(OPEN, Relaxed);
                Ok(Connection { pipe: self, end: k })
            }
            OPEN => {
                let token = rec.token.load(Relaxed);
                if owner::token_alive(token) {
                    Err(OpenError::InUse)
                } else {
                    Err(OpenError::Closed)
                }
            }
            _ => Err(OpenError::Closed),
        };
        out.h.lock.unlock();
        if matches!(result, Err(OpenError::Closed)) {
            self.close_end(k);
        }
        result
    }

    /// Closes end `k`: its outgoing ring is drained by the peer then `Disconnected`; its
    /// incoming ring refuses the peer's sends and drops what was buffered. Idempotent.
    fn close_end(&self, k: usize) {
        let out = self.ring(k);
        out.lock();
        self.ends[k].state.store(CLOSED, Relaxed);
        out.h.lock.unlock();
        out.close(SENDER_GONE, false);
        self.ring(1 - k).close(RECEIVER_GONE, true);
    }

    /// Closes the peer of end `k` if its process is dead.
    fn check_end_alive(&self, peer: usize) {
        let rec = &self.ends[peer];
        if rec.state.load(Relaxed) == OPEN && !owner::token_alive(rec.token.load(Relaxed)) {
            self.close_end(peer);
        }
    }
}

/// The sized front of a `Pipe` (its ends and ring headers), for sizing and initialising it.
#[repr(C)]
struct PipeHeader {
    ends: [EndRecord; 2],
    rings: [RingHeader; 2],
}

impl PipeHeader {
    fn new(capacity: u64) -> Self {
        let end = || EndRecord {
            token: AtomicU64::new(0),
            state: AtomicU32::new(UNOPENED),
            _pad: AtomicU32::new(0),
        };
        PipeHeader {
            ends: [end(), end()],
            rings: [RingHeader::new(capacity), RingHeader::new(capacity)],
        }
    }
}

impl Connection<'_> {
    fn outgoing(&self) -> Ring<'_> {
        self.pipe.ring(self.end)
    }

    fn incoming(&self) -> Ring<'_> {
        self.pipe.ring(1 - self.end)
    }

    fn peer_check(&self) -> impl Fn() + '_ {
        move || self.pipe.check_end_alive(1 - self.end)
    }

    /// Sends a message, waiting for room. Python's `send_bytes` / `send`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe};
    /// let pipe = Pipe::boxed(32);
    /// let (a, b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// a.send(&[7u8][..]).unwrap();
    /// assert_eq!(b.recv::<Vec<u8>>().unwrap(), [7]);
    /// # }
    /// ```
    #[doc(alias = "send_bytes")]
    pub fn send<M: Encode + ?Sized>(&self, msg: &M) -> Result<(), SendError> {
        let bytes = encode(msg)?;
        let check = self.peer_check();
        Ok(self
            .outgoing()
            .put(&bytes, Block::Until(None), Some(&check))?)
    }

    /// Sends a message if there is room now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe, TrySendError};
    /// let pipe = Pipe::boxed(8);
    /// let (a, _b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// a.try_send("abcd").unwrap();
    /// assert_eq!(a.try_send("e"), Err(TrySendError::Full));
    /// # }
    /// ```
    pub fn try_send<M: Encode + ?Sized>(&self, msg: &M) -> Result<(), TrySendError> {
        let bytes = encode(msg)?;
        let check = self.peer_check();
        Ok(self.outgoing().put(&bytes, Block::No, Some(&check))?)
    }

    /// Sends a message, waiting at most `timeout` for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{End, Pipe, SendTimeoutError};
    /// let pipe = Pipe::boxed(8);
    /// let (a, _b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// a.send("abcd").unwrap();
    /// assert_eq!(a.send_for("e", Duration::from_millis(1)), Err(SendTimeoutError::Timeout));
    /// # }
    /// ```
    pub fn send_for<M: Encode + ?Sized>(
        &self,
        msg: &M,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError> {
        let bytes = encode(msg)?;
        let check = self.peer_check();
        Ok(self.outgoing().put(
            &bytes,
            Block::Until(shim::deadline_after(timeout)),
            Some(&check),
        )?)
    }

    /// Sends a message, waiting until `deadline` at the latest for room.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// use weftsync::process::{End, Pipe};
    /// let pipe = Pipe::boxed(8);
    /// let (a, _b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// assert!(a.send_until("ok", Instant::now()).is_ok());
    /// # }
    /// ```
    pub fn send_until<M: Encode + ?Sized>(
        &self,
        msg: &M,
        deadline: Instant,
    ) -> Result<(), SendTimeoutError> {
        let bytes = encode(msg)?;
        let check = self.peer_check();
        Ok(self
            .outgoing()
            .put(&bytes, Block::Until(Some(deadline)), Some(&check))?)
    }

    /// Receives a message, waiting for one. `Disconnected` once the peer end is closed (or its
    /// process died) and everything it sent was received. Python's `recv` / `recv_bytes`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe};
    /// let pipe = Pipe::boxed(32);
    /// let (a, b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// b.send("pong").unwrap();
    /// assert_eq!(a.recv::<String>().unwrap(), "pong");
    /// # }
    /// ```
    #[doc(alias = "recv_bytes")]
    pub fn recv<M: Decode>(&self) -> Result<M, RecvError> {
        let check = self.peer_check();
        Ok(decode(
            self.incoming().get(Block::Until(None), Some(&check)),
        )?)
    }

    /// Receives a message if one is there; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe, TryRecvError};
    /// let pipe = Pipe::boxed(32);
    /// let (a, _b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// assert_eq!(a.try_recv::<Vec<u8>>(), Err(TryRecvError::Empty));
    /// # }
    /// ```
    pub fn try_recv<M: Decode>(&self) -> Result<M, TryRecvError> {
        let check = self.peer_check();
        Ok(decode(self.incoming().get(Block::No, Some(&check)))?)
    }

    /// Receives a message, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{End, Pipe, RecvTimeoutError};
    /// let pipe = Pipe::boxed(32);
    /// let (a, _b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// assert_eq!(a.recv_for::<Vec<u8>>(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// # }
    /// ```
    pub fn recv_for<M: Decode>(&self, timeout: Duration) -> Result<M, RecvTimeoutError> {
        let check = self.peer_check();
        Ok(decode(self.incoming().get(
            Block::Until(shim::deadline_after(timeout)),
            Some(&check),
        ))?)
    }

    /// Receives a message, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// use weftsync::process::{End, Pipe};
    /// let pipe = Pipe::boxed(32);
    /// let (a, b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// b.send("x").unwrap();
    /// assert_eq!(a.recv_until::<String>(Instant::now()).unwrap(), "x");
    /// # }
    /// ```
    pub fn recv_until<M: Decode>(&self, deadline: Instant) -> Result<M, RecvTimeoutError> {
        let check = self.peer_check();
        Ok(decode(
            self.incoming()
                .get(Block::Until(Some(deadline)), Some(&check)),
        )?)
    }

    /// Closes this end (as dropping it does): the peer receives what was sent, then
    /// `Disconnected`; its sends fail.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe, SendError};
    /// let pipe = Pipe::boxed(32);
    /// let (a, b) = (pipe.open(End::A).unwrap(), pipe.open(End::B).unwrap());
    /// a.close();
    /// assert_eq!(b.send("late"), Err(SendError::Disconnected));
    /// # }
    /// ```
    pub fn close(self) {
        drop(self);
    }

    /// Which end this is.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{End, Pipe};
    /// let pipe = Pipe::boxed(32);
    /// assert_eq!(pipe.open(End::B).unwrap().end(), End::B);
    /// # }
    /// ```
    pub fn end(&self) -> End {
        if self.end == 0 { End::A } else { End::B }
    }
}

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        self.pipe.close_end(self.end);
    }
}

impl fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Connection")
            .field("end", &self.end())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Pipe")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a process Queue or Pipe call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let q = weftsync::process::Queue::boxed(64);
/// q.try_put("hi");
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let q = weftsync::process::Queue::boxed(64);
/// let _ = q.try_put("hi");
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let q = weftsync::process::Queue::boxed(64);
/// q.get_for::<Vec<u8>>(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let q = weftsync::process::Queue::boxed(64);
/// let _ = q.get_for::<Vec<u8>>(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let p = weftsync::process::Pipe::boxed(64);
/// let a = p.open(weftsync::process::End::A).unwrap();
/// a.send_for("hi", std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let p = weftsync::process::Pipe::boxed(64);
/// let a = p.open(weftsync::process::End::A).unwrap();
/// let _ = a.send_for("hi", std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let p = weftsync::process::Pipe::boxed(64);
/// let a = p.open(weftsync::process::End::A).unwrap();
/// a.recv_until::<Vec<u8>>(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let p = weftsync::process::Pipe::boxed(64);
/// let a = p.open(weftsync::process::End::A).unwrap();
/// let _ = a.recv_until::<Vec<u8>>(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
