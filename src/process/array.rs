//! `process::Array<T>`: a run of plain data in a region with its own robust lock, Python's
//! `multiprocessing.Array`. Only in a [`Region`](super::Region): its length is chosen at run
//! time, so it is a dynamically sized type whose elements follow its header in the shared memory.
//!
//! Layout (`#[repr(C)]`): the `RawLock`, the length (for `Debug` and checks), then the elements.
//! Memory ordering: the raw lock's (Acquire take, Release release) orders the elements.

use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use super::robust::{RawLock, Taken};
use crate::shim::{self, AtomicU64, Duration, Instant, Ordering::Relaxed};

/// Plain data shared between processes, with its own lock: Python's `multiprocessing.Array`.
///
/// Placed with [`Region::place_array`](super::Region::place_array) (zero-filled) and found with
/// [`Region::find_array`](super::Region::find_array). [`lock`](Array::lock) and its
/// `try_` / `_for` / `_until` forms give a guard that derefs to `[T]`; as with
/// [`process::Lock`](super::Lock), a holder that dies is replaced within a slice and the new
/// guard says [`owner_died`](ArrayGuard::owner_died).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// # #[cfg(target_os = "linux")] {
/// let region = weftsync::process::Region::create(4096).unwrap();
/// let a = region.place_array::<i32>("a", 4).unwrap();
/// a.lock().copy_from_slice(&[1, 2, 3, 4]);
/// assert_eq!(a.load(2), 3);
/// assert_eq!(a.to_vec(), [1, 2, 3, 4]);
/// # }
/// # }
/// ```
#[repr(C)]
pub struct Array<T> {
    raw: RawLock,
    len: AtomicU64,
    data: [UnsafeCell<T>],
}

// SAFETY: the elements are reached only through guards of the robust lock, one thread at a time.
unsafe impl<T: Send> Sync for Array<T> {}
// SAFETY: an `Array` owns plain data; nothing is tied to a thread.
unsafe impl<T: Send> Send for Array<T> {}

/// The header before the elements (for the layout computation).
#[repr(C)]
struct Head {
    raw: RawLock,
    len: AtomicU64,
}

/// Holds an [`Array`] locked; derefs to its elements.
#[must_use = "if unused the Array will immediately unlock"]
#[clippy::has_significant_drop]
pub struct ArrayGuard<'a, T> {
    array: &'a Array<T>,
    owner_died: bool,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: `&ArrayGuard<T>` gives `&[T]` only.
unsafe impl<T: Sync> Sync for ArrayGuard<'_, T> {}

impl<T> Array<T> {
    /// The alignment of the whole array: its header's or `T`'s, whichever is larger.
    pub(crate) const ALIGN: usize = if align_of::<T>() > align_of::<Head>() {
        align_of::<T>()
    } else {
        align_of::<Head>()
    };

    /// Bytes an array of `len` elements takes, or `None` if that overflows.
    pub(crate) fn footprint(len: usize) -> Option<usize> {
        let head = core::mem::size_of::<Head>().next_multiple_of(align_of::<T>());
        let bytes = head.checked_add(core::mem::size_of::<T>().checked_mul(len)?)?;
        Some(bytes.next_multiple_of(Self::ALIGN))
    }

    /// The array of `len` elements at `mem`; writes its length.
    ///
    /// # Safety
    /// `mem` is aligned to `ALIGN`, valid for `footprint(len)` bytes for `'a`, and holds an
    /// array of `len` elements (or zeroes, a free lock and zero `T`s, with `T: Zeroable`).
    pub(crate) unsafe fn at<'a>(mem: *mut u8, len: usize) -> &'a Array<T> {
        // SAFETY: the caller's contract; the fat pointer's metadata is the element count.
        let array = unsafe {
            &*(core::ptr::slice_from_raw_parts_mut(mem.cast::<UnsafeCell<T>>(), len)
                as *const Array<T>)
        };
        array.len.store(len as u64, Relaxed);
        array
    }

    fn guard(&self, taken: Taken) -> ArrayGuard<'_, T> {
        ArrayGuard {
            array: self,
            owner_died: taken == Taken::OwnerDied,
            _not_send: PhantomData,
        }
    }

    /// Locks the array, blocking until it is free or its holder is found dead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u8>("a", 2).unwrap();
    /// a.lock()[1] = 9;
    /// # }
    /// # }
    /// ```
    #[doc(alias = "get_lock", alias = "acquire")]
    pub fn lock(&self) -> ArrayGuard<'_, T> {
        match self.raw.lock(None) {
            Some(t) => self.guard(t),
            None => unreachable!("an untimed lock cannot time out"),
        }
    }

    /// Locks the array if it is free right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u8>("a", 2).unwrap();
    /// let g = a.lock();
    /// assert!(a.try_lock().is_none());
    /// # drop(g);
    /// # }
    /// # }
    /// ```
    #[must_use = "the lock may not have been taken: check the Option"]
    pub fn try_lock(&self) -> Option<ArrayGuard<'_, T>> {
        self.raw.try_lock().map(|t| self.guard(t))
    }

    /// Locks the array, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// use std::time::Duration;
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u8>("a", 2).unwrap();
    /// assert!(a.lock_for(Duration::from_millis(5)).is_some());
    /// # }
    /// # }
    /// ```
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_for")]
    pub fn lock_for(&self, timeout: Duration) -> Option<ArrayGuard<'_, T>> {
        self.raw
            .lock(shim::deadline_after(timeout))
            .map(|t| self.guard(t))
    }

    /// Locks the array, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// use std::time::Instant;
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u8>("a", 2).unwrap();
    /// assert!(a.lock_until(Instant::now()).is_some());
    /// # }
    /// # }
    /// ```
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_until")]
    pub fn lock_until(&self, deadline: Instant) -> Option<ArrayGuard<'_, T>> {
        self.raw.lock(Some(deadline)).map(|t| self.guard(t))
    }

    /// The number of elements.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// assert_eq!(region.place_array::<u16>("a", 5).unwrap().len(), 5);
    /// # }
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the array has no elements.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// assert!(region.place_array::<u16>("a", 0).unwrap().is_empty());
    /// # }
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl<T: Copy> Array<T> {
    /// Element `i`, read under the lock (Python's `a[i]`).
    ///
    /// # Panics
    /// If `i >= len()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// assert_eq!(region.place_array::<u16>("a", 5).unwrap().load(4), 0);
    /// # }
    /// # }
    /// ```
    #[track_caller]
    pub fn load(&self, i: usize) -> T {
        self.lock()[i]
    }

    /// Writes element `i` under the lock (Python's `a[i] = v`).
    ///
    /// # Panics
    /// If `i >= len()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u16>("a", 5).unwrap();
    /// a.store(0, 7);
    /// assert_eq!(a.load(0), 7);
    /// # }
    /// # }
    /// ```
    #[track_caller]
    pub fn store(&self, i: usize, value: T) {
        self.lock()[i] = value;
    }

    /// A copy of every element, read under the lock (Python's `a[:]`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// assert_eq!(region.place_array::<u8>("a", 3).unwrap().to_vec(), [0, 0, 0]);
    /// # }
    /// # }
    /// ```
    pub fn to_vec(&self) -> Vec<T> {
        self.lock().to_vec()
    }
}

impl<T> ArrayGuard<'_, T> {
    /// Whether the previous holder died holding the lock; see
    /// [`LockGuard::owner_died`](super::LockGuard::owner_died).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// # #[cfg(target_os = "linux")] {
    /// let region = weftsync::process::Region::create(4096).unwrap();
    /// let a = region.place_array::<u8>("a", 1).unwrap();
    /// assert!(!weftsync::process::ArrayGuard::owner_died(&a.lock()));
    /// # }
    /// # }
    /// ```
    #[doc(alias = "EOWNERDEAD")]
    pub fn owner_died(guard: &Self) -> bool {
        guard.owner_died
    }
}

impl<T> Deref for ArrayGuard<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the guard holds the lock; `UnsafeCell<T>` has `T`'s layout, so the slice of
        // cells is a slice of `T`s; no `&mut` exists while this shared one lives.
        unsafe { &*(&self.array.data as *const [UnsafeCell<T>] as *const [T]) }
    }
}

impl<T> DerefMut for ArrayGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: the guard holds the lock and `&mut self` is unique; `UnsafeCell` permits the
        // mutation through the shared reference to the array.
        unsafe {
            let first = UnsafeCell::raw_get(self.array.data.as_ptr());
            &mut *core::ptr::slice_from_raw_parts_mut(first, self.array.data.len())
        }
    }
}

impl<T> Drop for ArrayGuard<'_, T> {
    fn drop(&mut self) {
        self.array.raw.unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for ArrayGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Never blocks: prints the elements if the lock is free, `<locked>` otherwise.
impl<T: fmt::Debug> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("process::Array");
        d.field("len", &self.len());
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Ignoring whether a process Array call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// a.try_lock(); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// let _ = a.try_lock(); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// a.lock_for(std::time::Duration::ZERO); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// let _ = a.lock_for(std::time::Duration::ZERO); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// a.lock_until(std::time::Instant::now()); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(a: &weftsync::process::Array<u32>) {
/// let _ = a.lock_until(std::time::Instant::now()); }
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
