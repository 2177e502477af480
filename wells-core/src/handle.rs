//! Handles: how everything outside the core names a kernel object.
//!
//! A handle packs a slot index, the slot's generation and the object kind into 64 bits. A slot's
//! generation changes every time its object is freed, so a stale handle never reaches a new
//! object; the kind catches a handle passed to the wrong family of calls; generation 0 is never
//! used, so an all-zero handle is always invalid.

use crate::error::{Error, Result};
use alloc::vec::Vec;

/// What a handle refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Thread = 1,
    Mutex = 2,
    Semaphore = 3,
    Event = 4,
    Port = 5,
    Timer = 6,
    SharedObject = 7,
    Transaction = 8,
}

impl Kind {
    fn from_bits(bits: u8) -> Option<Kind> {
        Some(match bits {
            1 => Kind::Thread,
            2 => Kind::Mutex,
            3 => Kind::Semaphore,
            4 => Kind::Event,
            5 => Kind::Port,
            6 => Kind::Timer,
            7 => Kind::SharedObject,
            8 => Kind::Transaction,
            _ => return None,
        })
    }
}

const INDEX_BITS: u32 = 24;
const GENERATION_BITS: u32 = 32;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
const GENERATION_MASK: u64 = (1 << GENERATION_BITS) - 1;

/// A reference to a kernel object: index + generation + kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(u64);

impl Handle {
    fn new(index: usize, generation: u32, kind: Kind) -> Handle {
        Handle(
            index as u64
                | (generation as u64) << INDEX_BITS
                | (kind as u64) << (INDEX_BITS + GENERATION_BITS),
        )
    }

    /// The raw 64-bit value (what C sees).
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// A handle from its raw value; whether it names a live object is checked on use.
    pub const fn from_raw(raw: u64) -> Handle {
        Handle(raw)
    }

    fn index(self) -> usize {
        (self.0 & INDEX_MASK) as usize
    }

    /// The object-table slot it names (below the table's capacity for a live object), for
    /// structures indexed by object.
    pub const fn slot(self) -> usize {
        (self.0 & INDEX_MASK) as usize
    }

    fn generation(self) -> u32 {
        ((self.0 >> INDEX_BITS) & GENERATION_MASK) as u32
    }

    /// The kind encoded in the handle, if it is a known one.
    /// The kind field as it is stored (a [`Kind`] value when the handle is well formed).
    #[inline]
    pub(crate) fn kind_bits(self) -> u8 {
        (self.0 >> (INDEX_BITS + GENERATION_BITS)) as u8
    }

    pub fn kind(self) -> Option<Kind> {
        Kind::from_bits((self.0 >> (INDEX_BITS + GENERATION_BITS)) as u8)
    }
}

/// What a table holds says its own kind (the kernel's objects: their variant, which is also the
/// tag the compiler tests), so a slot keeps no kind of its own and a look-up tests one byte.
pub trait Kinded {
    fn kind(&self) -> Kind;
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// A table of objects addressed by [`Handle`]s, with a fixed capacity.
pub struct ObjectTable<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
    capacity: usize,
    live: usize,
}

impl<T: Kinded> ObjectTable<T> {
    /// An empty table that holds at most `capacity` objects.
    pub const fn new(capacity: usize) -> Self {
        ObjectTable { slots: Vec::new(), free: Vec::new(), capacity, live: 0 }
    }

    /// Limits the table to `capacity` objects (at most the one it was made with) and makes
    /// room for all of them, so inserting and removing never allocate; [`Error::NoMemory`]
    /// when the room is not there, [`Error::BadState`] when more objects are live.
    pub fn reserve(&mut self, capacity: usize) -> Result<()> {
        let capacity = capacity.min(self.capacity);
        if self.slots.len() > capacity {
            return Err(Error::BadState);
        }
        self.slots.try_reserve_exact(capacity - self.slots.len()).map_err(|_| Error::NoMemory)?;
        self.free.try_reserve_exact(capacity.saturating_sub(self.free.len())).map_err(|_| Error::NoMemory)?;
        self.capacity = capacity;
        Ok(())
    }

    /// Number of live objects.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no object is live.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The slot the next [`ObjectTable::insert`] takes, `None` when the table is full.
    pub fn next_slot(&self) -> Option<usize> {
        match self.free.last() {
            Some(&index) => Some(index),
            None if self.slots.len() < self.capacity.min(INDEX_MASK as usize) => Some(self.slots.len()),
            None => None,
        }
    }

    /// Stores `value` and returns its handle; [`Error::Limit`] when the table is full.
    pub fn insert(&mut self, value: T) -> Result<Handle> {
        let kind = value.kind();
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                if self.slots.len() >= self.capacity.min(INDEX_MASK as usize) {
                    return Err(Error::Limit);
                }
                self.slots.try_reserve(1).map_err(|_| Error::NoMemory)?;
                self.free.try_reserve(self.slots.len() + 1).map_err(|_| Error::NoMemory)?;
                self.slots.push(Slot { generation: 1, value: None });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.value = Some(value);
        self.live += 1;
        Ok(Handle::new(index, slot.generation, kind))
    }

    fn slot_of(&self, handle: Handle) -> Result<&Slot<T>> {
        let slot = self.slots.get(handle.index()).ok_or(Error::InvalidHandle)?;
        if handle.generation() == 0 || slot.generation != handle.generation() || slot.value.is_none() {
            return Err(Error::InvalidHandle);
        }
        Ok(slot)
    }

    /// Checks that `handle` names a live object of `kind`.
    pub fn check(&self, handle: Handle, kind: Kind) -> Result<()> {
        let slot = self.slot_of(handle)?;
        match &slot.value {
            Some(value) if value.kind() == kind && handle.kind() == Some(kind) => Ok(()),
            Some(_) => Err(Error::WrongKind),
            None => Err(Error::InvalidHandle),
        }
    }

    /// The object named by `handle`, which must be of `kind`.
    #[inline]
    pub fn get(&self, handle: Handle, kind: Kind) -> Result<&T> {
        let slot = self.slots.get(handle.index()).ok_or(Error::InvalidHandle)?;
        // A slot's generation is never 0 (`remove` skips it), so this refuses generation 0 too.
        if slot.generation != handle.generation() {
            return Err(Error::InvalidHandle);
        }
        match &slot.value {
            Some(value) if value.kind() == kind && handle.kind_bits() == kind as u8 => Ok(value),
            Some(_) => Err(Error::WrongKind),
            None => Err(Error::InvalidHandle),
        }
    }

    /// The object named by `handle`, whatever its kind: one bounds check and one generation
    /// compare, no kind compare (the caller matches the value, which names its kind).
    #[inline]
    pub fn get_any(&self, handle: Handle) -> Option<&T> {
        let slot = self.slots.get(handle.index())?;
        // A slot's generation is never 0 (`remove` skips it), so this refuses generation 0 too.
        if slot.generation != handle.generation() {
            return None;
        }
        slot.value.as_ref()
    }

    /// [`ObjectTable::get_any`], mutable (for the handles the kernel keeps itself, on the
    /// switch path, and the typed look-ups).
    #[inline]
    pub fn get_any_mut(&mut self, handle: Handle) -> Option<&mut T> {
        let slot = self.slots.get_mut(handle.index())?;
        // A slot's generation is never 0 (`remove` skips it), so this refuses generation 0 too.
        if slot.generation != handle.generation() {
            return None;
        }
        slot.value.as_mut()
    }

    /// Removes the object; its handle (and every copy of it) becomes stale.
    pub fn remove(&mut self, handle: Handle, kind: Kind) -> Result<T> {
        self.check(handle, kind)?;
        let index = handle.index();
        let slot = &mut self.slots[index];
        let value = slot.value.take().ok_or(Error::InvalidHandle)?;
        // Generation 0 is reserved for "never valid": skip it on wrap-around.
        slot.generation = match slot.generation.wrapping_add(1) & GENERATION_MASK as u32 {
            0 => 1,
            g => g,
        };
        self.free.push(index);
        self.live -= 1;
        Ok(value)
    }

    /// Handles of every live object of `kind`, in slot order.
    pub fn handles(&self, kind: Kind) -> impl Iterator<Item = Handle> + '_ {
        self.handles_from(kind, 0)
    }

    /// Handles of the live objects of `kind` in slots `first..`, in slot order (to walk the
    /// table while changing it, without collecting).
    pub fn handles_from(&self, kind: Kind, first: usize) -> impl Iterator<Item = Handle> + '_ {
        self.slots.iter().enumerate().skip(first).filter_map(move |(i, s)| match &s.value {
            Some(value) if value.kind() == kind => Some(Handle::new(i, s.generation, kind)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test object: its kind and a number.
    #[derive(Debug, PartialEq)]
    struct Tagged(Kind, u32);

    impl Kinded for Tagged {
        fn kind(&self) -> Kind {
            self.0
        }
    }

    #[test]
    fn stale_forged_zero_and_wrong_kind_handles_are_refused() {
        let mut table = ObjectTable::new(4);
        let a = table.insert(Tagged(Kind::Mutex, 10)).unwrap();
        assert_eq!(*table.get(a, Kind::Mutex).unwrap(), Tagged(Kind::Mutex, 10));
        assert_eq!(table.get(a, Kind::Port), Err(Error::WrongKind));
        assert_eq!(table.get(Handle::from_raw(0), Kind::Mutex), Err(Error::InvalidHandle));
        assert_eq!(table.get(Handle::from_raw(0xdead_beef_1234_5678), Kind::Mutex), Err(Error::InvalidHandle));
        assert_eq!(table.remove(a, Kind::Mutex), Ok(Tagged(Kind::Mutex, 10)));
        assert_eq!(table.get(a, Kind::Mutex), Err(Error::InvalidHandle));
        let b = table.insert(Tagged(Kind::Mutex, 11)).unwrap();
        assert_ne!(a, b, "a reused slot gets a new generation");
        assert_eq!(table.get(a, Kind::Mutex), Err(Error::InvalidHandle));
    }

    #[test]
    fn capacity_is_enforced() {
        let mut table = ObjectTable::new(2);
        table.insert(Tagged(Kind::Event, 1)).unwrap();
        table.insert(Tagged(Kind::Event, 2)).unwrap();
        assert_eq!(table.next_slot(), None);
        assert_eq!(table.insert(Tagged(Kind::Event, 3)), Err(Error::Limit));
        assert_eq!(table.len(), 2);
    }
}
