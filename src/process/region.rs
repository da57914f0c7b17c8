//! `Region`: memory shared between a parent and the children it starts, with named, typed
//! allocations.
//!
//! **Why an anonymous memory file (`memfd_create`) and not a named segment (`shm_open`).** The
//! file has no name in any file system: nothing is left behind in `/dev/shm` when the parent is
//! killed, no two programs can collide on a name, and no other user can open it by guessing one.
//! It lives as long as some process holds its descriptor or a mapping. A child gets it the way
//! children get files: the descriptor is inherited across `exec` (only by the child being
//! started: it is close-on-exec everywhere else, and the flag is cleared in that child alone).
//! The file is **sealed** against shrinking and growing as soon as it is sized, so no process can
//! truncate it under another's mapping (which would make the other's next access a `SIGBUS`):
//! "sized up front" is enforced by the kernel. The price: only processes that are handed the
//! descriptor can attach (children we start, or a process it is sent to over a Unix socket).
//!
//! Layout (every offset from the start of the mapping, which is page-aligned):
//!
//! | offset | what |
//! |---|---|
//! | 0 | `RegionHeader`: magic, size, the allocation lock (a `RawLock`), the next free offset |
//! | then, per allocation | `AllocHeader` (8-aligned): magic, name, type tag, size, alignment, length, offsets |
//! | after each header | the value, at its type's alignment |
//!
//! Allocation and lookup both run under the region's own robust lock, so a process killed while
//! placing leaves the region usable (an allocation is published by the store of `next` after its
//! header and value are written: a half-written one is simply not there). Every header is checked
//! before it is trusted (magic, offsets inside the region and in order, alignment a power of two),
//! so a corrupted region gives [`RegionError::Corrupt`], never an access outside the mapping.
//! A lookup checks the type tag, size, alignment and length it expects against the header:
//! asking for the wrong type is [`RegionError::WrongType`], never a misread value.

use core::fmt;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr;

use super::robust::RawLock;
use crate::shim::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

/// The environment variable that carries the region's descriptor into a started child.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) const REGION_FD_ENV: &str = "WEFTSYNC_REGION_FD";

#[cfg_attr(any(weft_checker, not(target_os = "linux")), allow(dead_code))]
const MAGIC: u64 = u64::from_le_bytes(*b"WEFTRGN1");
const ALLOC_MAGIC: u64 = u64::from_le_bytes(*b"WEFTALC1");
/// The longest allocation name, in bytes.
pub const NAME_MAX: usize = 32;
/// The largest alignment a placed type may ask for.
const ALIGN_MAX: u64 = 4096;

#[repr(C)]
struct RegionHeader {
    magic: AtomicU64,
    size: AtomicU64,
    lock: RawLock,
    /// Offset of the first byte not yet allocated. Written under `lock` (Release), read under it.
    next: AtomicU64,
    /// Allocations made.
    count: AtomicU64,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct AllocHeader {
    magic: u64,
    name_len: u64,
    name: [u8; NAME_MAX],
    /// The type's tag: a hash of its name (and of the kind of allocation).
    tag: u64,
    size: u64,
    align: u64,
    /// The number of elements or bytes of a variable-sized value (queue capacity, array
    /// length), else 0.
    len: u64,
    /// Offset of the value.
    value: u64,
    /// Offset just past the value: where the next header may start.
    end: u64,
}

/// What a lookup or placement expects of an allocation: the type's description.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kind {
    pub(crate) type_name: &'static str,
    pub(crate) tag: u64,
    pub(crate) size: u64,
    pub(crate) align: u64,
    pub(crate) len: u64,
}

impl Kind {
    /// The description of type `T`, in namespace `space` ("placed", "plain", …), with the
    /// alignment of 8 (sized types: [`Kind::sized`]).
    pub(crate) fn of<T: ?Sized>(space: &str, len: u64, size: usize) -> Kind {
        let type_name = core::any::type_name::<T>();
        Kind {
            type_name,
            tag: fnv1a(&[space.as_bytes(), b":", type_name.as_bytes()]),
            size: size as u64,
            align: 8,
            len,
        }
    }
}

impl Kind {
    /// The description of a sized type `T`, in namespace `space`.
    pub(crate) fn sized<T>(space: &str) -> Kind {
        Kind {
            align: align_of::<T>() as u64,
            ..Kind::of::<T>(space, 0, size_of::<T>())
        }
    }
}

/// FNV-1a, 64 bits: a stable hash of a type's name for the tag. The parent and its children
/// run the same program (the child is started from this executable), so names agree.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Why a region could not be created, attached, or could not place or find an allocation.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// # #[cfg(target_os = "linux")] {
/// use weftsync::process::{Region, RegionError, Value};
/// let region = Region::create(4096).unwrap();
/// let err = region.find::<Value<u64>>("nothing here").unwrap_err();
/// assert!(matches!(err, RegionError::NotFound { .. }));
/// assert_eq!(err.to_string(), "no allocation named \"nothing here\" in the region");
/// # }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RegionError {
    /// Shared memory between processes is not supported on this target (Linux only).
    Unsupported,
    /// This process was not started with a region ([`Region::attach`] in a process that
    /// [`Builder::spawn`](super::Builder::spawn) did not start with one).
    NoRegion,
    /// The region has no room for the allocation.
    TooSmall {
        /// Bytes the allocation needs (its header and alignment included).
        requested: u64,
        /// Bytes left in the region.
        available: u64,
    },
    /// No allocation has this name.
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// An allocation has this name already.
    Exists {
        /// The name asked for.
        name: String,
    },
    /// The allocation has another type, size, alignment or length than the one asked for.
    WrongType {
        /// The name asked for.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// Why it does not match.
        detail: String,
    },
    /// The name is empty or longer than [`NAME_MAX`] bytes.
    BadName {
        /// The name given.
        name: String,
    },
    /// The region's bookkeeping is not what this crate writes: it was overwritten, or is not
    /// a weftsync region.
    Corrupt(&'static str),
    /// The operating system refused (creating, sizing, sealing or mapping the memory).
    Io(std::io::Error),
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Unsupported => {
                f.write_str("memory shared between processes is supported on Linux only")
            }
            RegionError::NoRegion => f.write_str("this process was not started with a region"),
            RegionError::TooSmall {
                requested,
                available,
            } => write!(
                f,
                "the region is too small: the allocation needs {requested} bytes, {available} are left"
            ),
            RegionError::NotFound { name } => {
                write!(f, "no allocation named {name:?} in the region")
            }
            RegionError::Exists { name } => {
                write!(f, "the region has an allocation named {name:?} already")
            }
            RegionError::WrongType {
                name,
                expected,
                detail,
            } => write!(f, "{name:?} is not a {expected}: {detail}"),
            RegionError::BadName { name } => write!(
                f,
                "allocation names are 1 to {NAME_MAX} bytes long, not {} ({name:?})",
                name.len()
            ),
            RegionError::Corrupt(why) => write!(f, "the region is corrupt: {why}"),
            RegionError::Io(e) => write!(f, "shared memory: {e}"),
        }
    }
}

impl std::error::Error for RegionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegionError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for RegionError {
    fn from(e: std::io::Error) -> Self {
        RegionError::Io(e)
    }
}

/// Memory shared between a parent and the child processes it starts, holding named
/// process-shared primitives and plain data.
///
/// The parent [`create`](Region::create)s it with a fixed size, [`place`](Region::place)s what
/// the processes share, and starts children with [`Builder::region`](super::Builder::region);
/// a child [`attach`](Region::attach)es it and [`find`](Region::find)s each allocation by name
/// and type. Asking for a name that holds another type, or placing more than the region holds,
/// is an error ([`RegionError`]), never a misread value. Dropping the `Region` unmaps it: every
/// reference it handed out borrows it, so none can outlive the mapping.
///
/// Linux only (`memfd_create`); elsewhere [`create`](Region::create) and
/// [`attach`](Region::attach) return [`RegionError::Unsupported`]. Design: `docs/process.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// # #[cfg(target_os = "linux")] {
/// use weftsync::process::{Lock, Region, Value};
///
/// let region = Region::create(64 * 1024).unwrap();
/// let hits = region.place("hits", Value::new(0u64)).unwrap();
/// hits.store(3);
/// // ... a child started with this region finds the same value:
/// assert_eq!(region.find::<Value<u64>>("hits").unwrap().load(), 3);
/// assert!(region.find::<Lock<u64>>("hits").is_err(), "another type");
/// # }
/// # }
/// ```
pub struct Region {
    base: *mut u8,
    size: usize,
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
    /// `Region` is neither `Clone` nor `Copy`; the raw pointer makes it `!Send + !Sync` until
    /// the impls below say why it may be shared.
    _own: PhantomData<*mut u8>,
}

/// The mapping may be used from any thread.
// SAFETY: the region only hands out `&T` for `T: Sync` (primitives made of atomics, and plain
// data never written through a shared reference); the mapping itself is not thread-bound.
unsafe impl Send for Region {}
// SAFETY: as above; all allocation bookkeeping goes through the header's robust lock.
unsafe impl Sync for Region {}

/// The sealed marker of types [`Region::place`] accepts: weftsync's process-shared primitives
/// (with plain-data contents where they hold data). Plain data on its own goes through
/// [`Region::place_plain`] (`bytemuck::AnyBitPattern`).
///
/// It cannot be implemented outside this crate: a type that lives in shared memory must be made
/// of atomics and plain data only, in a layout every process agrees on (`#[repr(C)]`), and must
/// not rely on being dropped (the region never drops what it holds).
pub trait Placeable: sealed::Sealed {}

pub(crate) mod sealed {
    /// Implemented by the process primitives only.
    pub trait Sealed {}
}

impl Region {
    /// Creates a region of `size` bytes (rounded up to whole pages), zero-filled, with room for
    /// its own header (a few dozen bytes) and the allocations placed in it.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(10_000).unwrap();
    /// assert!(region.size() >= 10_000);
    /// # }
    /// # }
    /// ```
    pub fn create(size: usize) -> Result<Region, RegionError> {
        #[cfg(all(target_os = "linux", not(weft_checker)))]
        {
            os::create(size)
        }
        #[cfg(not(all(target_os = "linux", not(weft_checker))))]
        {
            let _ = size;
            Err(RegionError::Unsupported)
        }
    }

    /// Maps the region this process was started with ([`Builder::region`](super::Builder::region)
    /// in the parent). [`RegionError::NoRegion`] in a process started otherwise.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Region, RegionError};
    /// // This doctest was not started by `Builder::spawn`:
    /// assert!(matches!(Region::attach(), Err(RegionError::NoRegion | RegionError::Unsupported)));
    /// # }
    /// ```
    pub fn attach() -> Result<Region, RegionError> {
        #[cfg(all(target_os = "linux", not(weft_checker)))]
        {
            let fd = std::env::var(REGION_FD_ENV).map_err(|_| RegionError::NoRegion)?;
            let fd: i32 = fd
                .parse()
                .map_err(|_| RegionError::Corrupt("the region descriptor is not a number"))?;
            os::attach(fd)
        }
        #[cfg(not(all(target_os = "linux", not(weft_checker))))]
        {
            Err(RegionError::Unsupported)
        }
    }

    /// The size of the region in bytes.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// assert_eq!(weftsync::process::Region::create(4096).unwrap().size(), 4096);
    /// # }
    /// # }
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes not yet allocated (each allocation also takes a header of about 100 bytes).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let before = region.available();
    /// region.place_plain("n", 7u64).unwrap();
    /// assert!(region.available() < before);
    /// # }
    /// # }
    /// ```
    pub fn available(&self) -> usize {
        let next = self.header().next.load(Acquire) as usize;
        self.size.saturating_sub(next)
    }

    /// The descriptor of the memory file (to hand to a child another way than
    /// [`Builder::region`](super::Builder::region)).
    #[cfg(target_os = "linux")]
    pub(crate) fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    fn header(&self) -> &RegionHeader {
        // SAFETY: `create`/`attach` checked the mapping is at least a header long and
        // page-aligned; the header is made of atomics, which any process may touch.
        unsafe { &*self.base.cast::<RegionHeader>() }
    }

    /// Places `value` under `name`: a process-shared primitive, e.g. a
    /// [`process::Lock`](super::Lock) or [`Value`](super::Value) of plain data. Returns a
    /// reference to it in the region.
    ///
    /// Errors: [`Exists`](RegionError::Exists) if the name is taken,
    /// [`TooSmall`](RegionError::TooSmall) if it does not fit, [`BadName`](RegionError::BadName).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// use weftsync::process::{Region, RegionError, Semaphore};
    /// let region = Region::create(4096).unwrap();
    /// let sem = region.place("slots", Semaphore::new(2)).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// let again = region.place("slots", Semaphore::new(2));
    /// assert!(matches!(again, Err(RegionError::Exists { .. })));
    /// # }
    /// # }
    /// ```
    pub fn place<T: Placeable>(&self, name: &str, value: T) -> Result<&T, RegionError> {
        let kind = Kind::sized::<T>("placed");
        let at = self.allocate(name, kind, |p| {
            // SAFETY: `allocate` hands a pointer to `size_of::<T>()` bytes at `T`'s alignment
            // inside the mapping, which no reference points to yet.
            unsafe { ptr::write(p.cast::<T>(), value) }
        })?;
        // SAFETY: the value was just written there and lives as long as the mapping, which
        // `&self` keeps; `T: Placeable` is made of atomics and plain data, shareable.
        Ok(unsafe { &*at.cast::<T>() })
    }

    /// Finds the primitive placed under `name`, which must be a `T`.
    ///
    /// Errors: [`NotFound`](RegionError::NotFound), [`WrongType`](RegionError::WrongType).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// use weftsync::process::{Event, Region};
    /// let region = Region::create(4096).unwrap();
    /// region.place("go", Event::new()).unwrap().set();
    /// assert!(region.find::<Event>("go").unwrap().is_set());
    /// # }
    /// # }
    /// ```
    pub fn find<T: Placeable>(&self, name: &str) -> Result<&T, RegionError> {
        let at = self.lookup(name, Kind::sized::<T>("placed"))?;
        // SAFETY: the header says a `T` (same tag, size, alignment) was placed at `at`, inside
        // the mapping, and it lives as long as the mapping.
        Ok(unsafe { &*at.cast::<T>() })
    }

    /// Places plain data under `name`, for every process to read (it is never written again:
    /// use a [`Value`](super::Value) for data that changes). `T: AnyBitPattern`: no pointers or
    /// references, and any bytes are a valid `T`, so no other process can make it invalid.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// region.place_plain("workers", [4u32, 100]).unwrap();
    /// assert_eq!(*region.find_plain::<[u32; 2]>("workers").unwrap(), [4, 100]);
    /// # }
    /// # }
    /// ```
    pub fn place_plain<T: bytemuck::AnyBitPattern + Sync>(
        &self,
        name: &str,
        value: T,
    ) -> Result<&T, RegionError> {
        let kind = Kind::sized::<T>("plain");
        let at = self.allocate(name, kind, |p| {
            // SAFETY: as in `place`: room for a `T` at its alignment, not yet referenced.
            unsafe { ptr::write(p.cast::<T>(), value) }
        })?;
        // SAFETY: written above; never written again; lives as long as the mapping.
        Ok(unsafe { &*at.cast::<T>() })
    }

    /// Finds plain data placed under `name` with [`place_plain`](Region::place_plain).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// region.place_plain("seed", 42u64).unwrap();
    /// assert!(region.find_plain::<u32>("seed").is_err(), "a u64 is not a u32");
    /// # }
    /// # }
    /// ```
    pub fn find_plain<T: bytemuck::AnyBitPattern + Sync>(
        &self,
        name: &str,
    ) -> Result<&T, RegionError> {
        let at = self.lookup(name, Kind::sized::<T>("plain"))?;
        // SAFETY: a `T` was placed there (tag, size, alignment match); any bytes are a `T`.
        Ok(unsafe { &*at.cast::<T>() })
    }

    /// Reserves room for a value of `kind` under `name`, runs `init` on it, and publishes it.
    /// Returns the value's address.
    pub(crate) fn allocate(
        &self,
        name: &str,
        kind: Kind,
        init: impl FnOnce(*mut u8),
    ) -> Result<*mut u8, RegionError> {
        let name_bytes = check_name(name)?;
        let header = self.header();
        // The lock's dead-holder report needs no repair here: an allocation is published by the
        // last store (`next`), so a holder killed half-way left nothing visible.
        let _ = header.lock.lock(None);
        let result = (|| {
            let start = self.walk(|h| {
                (h.name_len as usize == name_bytes.len()
                    && h.name[..name_bytes.len()] == *name_bytes)
                    .then_some(())
            })?;
            if start.found.is_some() {
                return Err(RegionError::Exists { name: name.into() });
            }
            let next = start.next;
            let h_off = align_up(next, 8);
            let v_off = align_up(h_off + size_of::<AllocHeader>() as u64, kind.align);
            let end = v_off.checked_add(kind.size).ok_or(RegionError::TooSmall {
                requested: u64::MAX,
                available: self.size as u64 - next,
            })?;
            if end > self.size as u64 {
                return Err(RegionError::TooSmall {
                    requested: end - next,
                    available: self.size as u64 - next,
                });
            }
            let mut name_buf = [0u8; NAME_MAX];
            name_buf[..name_bytes.len()].copy_from_slice(name_bytes);
            let h = AllocHeader {
                magic: ALLOC_MAGIC,
                name_len: name_bytes.len() as u64,
                name: name_buf,
                tag: kind.tag,
                size: kind.size,
                align: kind.align,
                len: kind.len,
                value: v_off,
                end,
            };
            // SAFETY: `v_off..end` and `h_off..v_off` are inside the mapping (checked above),
            // past `next`, so no allocation or reference covers them; the header is 8-aligned.
            unsafe {
                init(self.base.add(v_off as usize));
                ptr::write(self.base.add(h_off as usize).cast::<AllocHeader>(), h);
            }
            // Release (and the lock's release after it): the header and value are written
            // before any process sees `next` move past them.
            header.next.store(end, Release);
            header.count.fetch_add(1, Relaxed);
            // SAFETY: inside the mapping, as checked.
            Ok(unsafe { self.base.add(v_off as usize) })
        })();
        header.lock.unlock();
        result
    }

    /// Finds the allocation `name`, which must match `kind`; returns the value's address.
    pub(crate) fn lookup(&self, name: &str, kind: Kind) -> Result<*mut u8, RegionError> {
        let name_bytes = check_name(name)?;
        let header = self.header();
        let _ = header.lock.lock(None);
        let found = self.walk(|h| {
            (h.name_len as usize == name_bytes.len() && h.name[..name_bytes.len()] == *name_bytes)
                .then_some(*h)
        });
        header.lock.unlock();
        let h = found?
            .found
            .ok_or_else(|| RegionError::NotFound { name: name.into() })?;
        let mismatch = |detail: String| RegionError::WrongType {
            name: name.into(),
            expected: kind.type_name,
            detail,
        };
        if h.tag != kind.tag {
            return Err(mismatch(format!(
                "it was placed as another type ({} bytes, alignment {})",
                h.size, h.align
            )));
        }
        if h.size != kind.size || h.align != kind.align {
            return Err(mismatch(format!(
                "size {} / alignment {} in the region, {} / {} here",
                h.size, h.align, kind.size, kind.align
            )));
        }
        if h.len != kind.len && kind.len != u64::MAX {
            return Err(mismatch(format!(
                "length {} in the region, {} asked for",
                h.len, kind.len
            )));
        }
        // SAFETY: `walk` checked `value..end` is inside the mapping.
        Ok(unsafe { self.base.add(h.value as usize) })
    }

    /// Finds the variable-sized allocation `name` of `kind` (any length) whose size is
    /// `footprint(len)` for its recorded length; returns the value's address and the length.
    pub(crate) fn lookup_sized(
        &self,
        name: &str,
        kind: Kind,
        footprint: impl Fn(u64) -> Option<u64>,
    ) -> Result<(*mut u8, u64), RegionError> {
        let name_bytes = check_name(name)?;
        let header = self.header();
        let _ = header.lock.lock(None);
        let found = self.walk(|h| {
            (h.name_len as usize == name_bytes.len() && h.name[..name_bytes.len()] == *name_bytes)
                .then_some(*h)
        });
        header.lock.unlock();
        let h = found?
            .found
            .ok_or_else(|| RegionError::NotFound { name: name.into() })?;
        if h.tag != kind.tag || h.align != kind.align {
            return Err(RegionError::WrongType {
                name: name.into(),
                expected: kind.type_name,
                detail: format!(
                    "it was placed as another type ({} bytes, alignment {})",
                    h.size, h.align
                ),
            });
        }
        // The length decides how much memory the value covers: it must agree with the size the
        // allocation really has, or a scribbled length would reach past it.
        if footprint(h.len) != Some(h.size) {
            return Err(RegionError::Corrupt(
                "a variable-sized allocation's length does not match its size",
            ));
        }
        // SAFETY: `walk` checked `value..end` is inside the mapping.
        Ok((unsafe { self.base.add(h.value as usize) }, h.len))
    }

    /// Places a byte-message [`Queue`](super::Queue) of `capacity` bytes under `name`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(8192).unwrap();
    /// let q = region.place_queue("jobs", 4096).unwrap();
    /// q.put("job").unwrap();
    /// assert_eq!(region.find_queue("jobs").unwrap().len(), 1);
    /// # }
    /// # }
    /// ```
    pub fn place_queue(&self, name: &str, capacity: usize) -> Result<&super::Queue, RegionError> {
        if capacity <= 4 {
            return Err(RegionError::TooSmall {
                requested: 5,
                available: capacity as u64,
            });
        }
        let size = super::Queue::footprint(capacity);
        let kind = Kind::of::<super::Queue>("queue", capacity as u64, size);
        let kind = Kind { align: 8, ..kind };
        let at = self.allocate(name, kind, |_| {})?;
        // SAFETY: `allocate` gave `size` zeroed (fresh region memory is never reused), 8-aligned
        // bytes that nothing references yet, for as long as the mapping (`&self`).
        Ok(unsafe { super::Queue::init_at(at, capacity) })
    }

    /// Finds the [`Queue`](super::Queue) placed under `name`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(8192).unwrap();
    /// region.place_queue("jobs", 100).unwrap();
    /// assert_eq!(region.find_queue("jobs").unwrap().capacity(), 100);
    /// assert!(region.find_pipe("jobs").is_err(), "a queue is not a pipe");
    /// # }
    /// # }
    /// ```
    pub fn find_queue(&self, name: &str) -> Result<&super::Queue, RegionError> {
        let kind = Kind::of::<super::Queue>("queue", 0, 0);
        let kind = Kind { align: 8, ..kind };
        let (at, len) = self.lookup_sized(name, kind, |len| {
            usize::try_from(len)
                .ok()
                .map(|l| super::Queue::footprint(l) as u64)
        })?;
        // SAFETY: a queue of `len` bytes was initialised there (tag, size and length agree).
        Ok(unsafe { super::Queue::at(at, len as usize) })
    }

    /// Places a duplex [`Pipe`](super::Pipe) of `capacity` bytes per direction under `name`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(8192).unwrap();
    /// let pipe = region.place_pipe("talk", 1024).unwrap();
    /// assert_eq!(pipe.capacity(), 1024);
    /// # }
    /// # }
    /// ```
    pub fn place_pipe(&self, name: &str, capacity: usize) -> Result<&super::Pipe, RegionError> {
        if capacity <= 4 {
            return Err(RegionError::TooSmall {
                requested: 5,
                available: capacity as u64,
            });
        }
        let size = super::Pipe::footprint(capacity);
        let kind = Kind::of::<super::Pipe>("pipe", capacity as u64, size);
        let kind = Kind { align: 8, ..kind };
        let at = self.allocate(name, kind, |_| {})?;
        // SAFETY: as in `place_queue`.
        Ok(unsafe { super::Pipe::init_at(at, capacity) })
    }

    /// Finds the [`Pipe`](super::Pipe) placed under `name`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(8192).unwrap();
    /// region.place_pipe("talk", 64).unwrap();
    /// assert_eq!(region.find_pipe("talk").unwrap().capacity(), 64);
    /// # }
    /// # }
    /// ```
    pub fn find_pipe(&self, name: &str) -> Result<&super::Pipe, RegionError> {
        let kind = Kind::of::<super::Pipe>("pipe", 0, 0);
        let kind = Kind { align: 8, ..kind };
        let (at, len) = self.lookup_sized(name, kind, |len| {
            usize::try_from(len)
                .ok()
                .map(|l| super::Pipe::footprint(l) as u64)
        })?;
        // SAFETY: a pipe of `len` bytes per direction was initialised there.
        Ok(unsafe { super::Pipe::at(at, len as usize) })
    }

    /// Places an [`Array`](super::Array) of `len` zeroed `T`s under `name` (Python's
    /// `multiprocessing.Array`). `T: Zeroable`: the region's fresh memory is already zero, so
    /// the array is never built on the stack, however long.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(1 << 20).unwrap();
    /// let a = region.place_array::<u64>("hist", 100_000).unwrap();
    /// a.lock()[7] += 1;
    /// assert_eq!(region.find_array::<u64>("hist").unwrap().lock()[7], 1);
    /// # }
    /// # }
    /// ```
    pub fn place_array<T>(&self, name: &str, len: usize) -> Result<&super::Array<T>, RegionError>
    where
        T: bytemuck::AnyBitPattern + bytemuck::Zeroable + Send,
    {
        let size = super::Array::<T>::footprint(len).ok_or(RegionError::TooSmall {
            requested: u64::MAX,
            available: self.available() as u64,
        })?;
        let kind = Kind::of::<super::Array<T>>("array", len as u64, size);
        let kind = Kind {
            align: super::Array::<T>::ALIGN as u64,
            ..kind
        };
        let at = self.allocate(name, kind, |_| {})?;
        // SAFETY: zeroed (fresh region memory), aligned for the array, unreferenced, as long as
        // the mapping; all-zero is a free lock and valid `T`s (`Zeroable`).
        Ok(unsafe { super::Array::at(at, len) })
    }

    /// Finds the [`Array`](super::Array) of `T` placed under `name` (any length).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(8192).unwrap();
    /// region.place_array::<u32>("a", 3).unwrap();
    /// assert_eq!(region.find_array::<u32>("a").unwrap().len(), 3);
    /// assert!(region.find_array::<u64>("a").is_err(), "u32s are not u64s");
    /// # }
    /// # }
    /// ```
    pub fn find_array<T>(&self, name: &str) -> Result<&super::Array<T>, RegionError>
    where
        T: bytemuck::AnyBitPattern + bytemuck::Zeroable + Send,
    {
        let kind = Kind::of::<super::Array<T>>("array", 0, 0);
        let kind = Kind {
            align: super::Array::<T>::ALIGN as u64,
            ..kind
        };
        let (at, len) = self.lookup_sized(name, kind, |len| {
            usize::try_from(len)
                .ok()
                .and_then(super::Array::<T>::footprint)
                .map(|s| s as u64)
        })?;
        // SAFETY: an array of `len` `T`s was placed there (tag, size, alignment and length
        // agree).
        Ok(unsafe { super::Array::at(at, len as usize) })
    }

    /// Walks the allocations (under the region lock), checking each header, until `pick`
    /// returns something.
    fn walk<R>(
        &self,
        mut pick: impl FnMut(&AllocHeader) -> Option<R>,
    ) -> Result<Walk<R>, RegionError> {
        let size = self.size as u64;
        // Acquire: the headers below `next` were written before it was stored.
        let next = self.header().next.load(Acquire);
        let first = size_of::<RegionHeader>() as u64;
        if next < first || next > size {
            return Err(RegionError::Corrupt(
                "the next free offset is outside the region",
            ));
        }
        let mut cursor = first;
        while align_up(cursor, 8) < next {
            let at = align_up(cursor, 8);
            if at + size_of::<AllocHeader>() as u64 > next {
                return Err(RegionError::Corrupt(
                    "an allocation header runs past the allocations",
                ));
            }
            // SAFETY: `at .. at + size_of::<AllocHeader>()` is inside the mapping (below
            // `next <= size`) and 8-aligned; `AllocHeader` is plain integers, valid for any
            // bytes. A copy is read, so a concurrent scribbler cannot change it under us.
            let h = unsafe { ptr::read_volatile(self.base.add(at as usize).cast::<AllocHeader>()) };
            let ok = h.magic == ALLOC_MAGIC
                && h.name_len >= 1
                && h.name_len as usize <= NAME_MAX
                && h.align.is_power_of_two()
                && h.align <= ALIGN_MAX
                && h.value >= at + size_of::<AllocHeader>() as u64
                && h.value % h.align == 0
                && h.value.checked_add(h.size) == Some(h.end)
                && h.end <= next;
            if !ok {
                return Err(RegionError::Corrupt(
                    "an allocation header does not check out",
                ));
            }
            if let Some(r) = pick(&h) {
                return Ok(Walk {
                    found: Some(r),
                    next,
                });
            }
            cursor = h.end;
        }
        Ok(Walk { found: None, next })
    }
}

struct Walk<R> {
    found: Option<R>,
    next: u64,
}

fn check_name(name: &str) -> Result<&[u8], RegionError> {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > NAME_MAX {
        return Err(RegionError::BadName { name: name.into() });
    }
    Ok(b)
}

const fn align_up(x: u64, align: u64) -> u64 {
    (x + align - 1) & !(align - 1)
}

impl Drop for Region {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: `base`/`size` are the mapping made in `create`/`attach`; every reference into
        // it borrows `self`, so none is alive now.
        unsafe {
            libc::munmap(self.base.cast(), self.size);
        }
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("size", &self.size)
            .field("available", &self.available())
            .field("allocations", &self.header().count.load(Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(all(target_os = "linux", not(weft_checker)))]
mod os {
    use super::*;
    use std::io::Error;
    use std::os::fd::{FromRawFd, OwnedFd};

    fn page_size() -> usize {
        // SAFETY: sysconf has no memory effects.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p > 0 { p as usize } else { 4096 }
    }

    pub(super) fn create(size: usize) -> Result<Region, RegionError> {
        let min = size_of::<RegionHeader>();
        let page = page_size();
        let size = size
            .max(min)
            .checked_next_multiple_of(page)
            .ok_or(RegionError::TooSmall {
                requested: size as u64,
                available: 0,
            })?;
        // SAFETY: the name is a valid NUL-terminated string; the flags are documented ones.
        let fd = unsafe {
            libc::memfd_create(
                c"weftsync-region".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return Err(Error::last_os_error().into());
        }
        // SAFETY: `fd` was just returned by memfd_create and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        use std::os::fd::AsRawFd;
        let raw = fd.as_raw_fd();
        // SAFETY: plain system calls on a descriptor we own.
        unsafe {
            if libc::ftruncate(raw, size as libc::off_t) != 0 {
                return Err(Error::last_os_error().into());
            }
            // Sized once and for all: nobody may shrink it under another's mapping (SIGBUS).
            let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
            if libc::fcntl(raw, libc::F_ADD_SEALS, seals) != 0 {
                return Err(Error::last_os_error().into());
            }
        }
        let region = map(fd, size)?;
        let h = region.header();
        // Fresh memfd pages are zero: the lock is free, `count` 0. Relaxed: nobody else has the
        // descriptor yet; a child gets it only after these stores (the spawn orders them).
        h.size.store(size as u64, Relaxed);
        h.next.store(size_of::<RegionHeader>() as u64, Relaxed);
        h.magic.store(MAGIC, Release);
        Ok(region)
    }

    pub(super) fn attach(fd: i32) -> Result<Region, RegionError> {
        // Each attach maps its own duplicate (close-on-exec), so attaching twice never closes a
        // descriptor twice; the inherited one is made close-on-exec so a grandchild does not
        // inherit it by accident.
        // SAFETY: plain fcntl calls; an invalid descriptor is reported as an error.
        let dup = unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0)
        };
        if dup < 0 {
            return Err(Error::last_os_error().into());
        }
        // SAFETY: `dup` was just made by F_DUPFD_CLOEXEC and belongs to nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(dup) };
        use std::os::fd::AsRawFd;
        // SAFETY: fstat writes into the zeroed struct (all-zero is a valid `stat`).
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: `fd` is open; `st` is writable.
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
            return Err(Error::last_os_error().into());
        }
        let size = st.st_size as usize;
        if size < size_of::<RegionHeader>() {
            return Err(RegionError::Corrupt(
                "the region is smaller than its header",
            ));
        }
        let region = map(fd, size)?;
        let h = region.header();
        if h.magic.load(Acquire) != MAGIC {
            return Err(RegionError::Corrupt("not a weftsync region (bad magic)"));
        }
        if h.size.load(Relaxed) != size as u64 {
            return Err(RegionError::Corrupt(
                "the recorded size differs from the file's",
            ));
        }
        Ok(region)
    }

    fn map(fd: OwnedFd, size: usize) -> Result<Region, RegionError> {
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh shared mapping of `size` bytes of the file; the kernel picks the
        // address. The result is checked against MAP_FAILED.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Error::last_os_error().into());
        }
        Ok(Region {
            base: base.cast(),
            size,
            fd,
            _own: PhantomData,
        })
    }
}

#[cfg(all(test, target_os = "linux", not(weft_checker), not(miri)))]
mod tests {
    use super::*;

    /// Scribbles on the region's bookkeeping (as a misbehaving process could) and checks every
    /// lookup reports `Corrupt` instead of reading outside the mapping.
    #[test]
    fn corrupt_headers_are_refused_never_read_past() {
        let region = Region::create(4096).unwrap();
        region.place_plain("a", 1u64).unwrap();
        let first = align_up(size_of::<RegionHeader>() as u64, 8) as usize;
        let scribble = |offset: usize, bytes: &[u8]| {
            // SAFETY: inside the mapping (offsets below its 4096 bytes); the test holds no
            // reference to these bytes, and the region reads headers by copy.
            unsafe {
                ptr::copy_nonoverlapping(bytes.as_ptr(), region.base.add(offset), bytes.len())
            }
        };
        let end_field = first + core::mem::offset_of!(AllocHeader, end);
        scribble(end_field, &u64::MAX.to_le_bytes());
        assert!(
            matches!(region.find_plain::<u64>("a"), Err(RegionError::Corrupt(_))),
            "an allocation claiming to end past the region must be refused"
        );
        scribble(first, &[0; 8]); // the magic
        assert!(matches!(
            region.place_plain("b", 2u64),
            Err(RegionError::Corrupt(_))
        ));
        region.header().next.store(1 << 40, Relaxed);
        assert!(matches!(
            region.find_plain::<u64>("a"),
            Err(RegionError::Corrupt(_))
        ));
    }
}
