//! The kernel's object table entries and typed access to them.

use super::state::State;
use super::StaticBounds;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind, Kinded};
use crate::ipc::Port;
use crate::sync::{Event, Mutex, Semaphore};
use crate::thread::{Thread, WaitSlot};
use crate::txn::{SharedObject, Transaction};
use crate::wait::WaitQueue;
use alloc::boxed::Box;

/// A user timer: a callback run from the tick, once or periodically.
pub struct Timer {
    /// Taken out while the callback runs (the kernel lock is not held then).
    pub callback: Option<Box<dyn FnMut() + Send>>,
    pub period_ns: u64,
    pub key: Option<super::timeline::TimelineKey>,
}

/// What the table holds for a kind that only the `transactions` feature brings: the value
/// itself with the feature; without it [`Absent`], a type with no values, so the compiler drops
/// the variant's drop glue and every match arm on it (and the code those arms reach).
#[cfg(feature = "transactions")]
pub type TxnOnly<T> = T;
/// See the feature's definition above.
#[cfg(not(feature = "transactions"))]
pub type TxnOnly<T> = Absent<T>;

/// No value of this type can exist (its first field is `Infallible`); it stands in for a `T`
/// that the kernel was built without, and reads as one only in code that cannot run.
pub struct Absent<T>(core::convert::Infallible, core::marker::PhantomData<T>);

impl<T> core::ops::Deref for Absent<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.0 {}
    }
}

impl<T> core::ops::DerefMut for Absent<T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.0 {}
    }
}

/// `value` as the table holds a transactions-only kind; `NotSupported` without the feature
/// (never reached: the calls that make one check [`built_in`] first).
#[cfg(feature = "transactions")]
pub fn txn_only<T>(value: T) -> Result<TxnOnly<T>> {
    Ok(value)
}

/// See the feature's definition above.
#[cfg(not(feature = "transactions"))]
pub fn txn_only<T>(_value: T) -> Result<TxnOnly<T>> {
    Err(Error::NotSupported)
}

/// Every kind of kernel object, as stored in the table. The tag is a byte equal to the
/// object's [`Kind`]: a look-up tests the variant with one byte compare, and the table keeps no
/// kind of its own (`cargo xtask bench`, arm64: switch 348 -> 338, IPC fast path 2134 -> 2038).
#[repr(u8)]
pub enum Object {
    /// Boxed so its saved stack pointer keeps its address while the table grows.
    Thread(Box<Thread>) = Kind::Thread as u8,
    Mutex(Mutex) = Kind::Mutex as u8,
    Semaphore(Semaphore) = Kind::Semaphore as u8,
    Event(Event) = Kind::Event as u8,
    Port(Port) = Kind::Port as u8,
    Timer(Timer) = Kind::Timer as u8,
    SharedObject(TxnOnly<SharedObject>) = Kind::SharedObject as u8,
    /// Boxed: it carries maps and a wait queue, larger than the other entries.
    Transaction(TxnOnly<Box<Transaction>>) = Kind::Transaction as u8,
}

impl Kinded for Object {
    fn kind(&self) -> Kind {
        match self {
            Object::Thread(_) => Kind::Thread,
            Object::Mutex(_) => Kind::Mutex,
            Object::Semaphore(_) => Kind::Semaphore,
            Object::Event(_) => Kind::Event,
            Object::Port(_) => Kind::Port,
            Object::Timer(_) => Kind::Timer,
            Object::SharedObject(_) => Kind::SharedObject,
            Object::Transaction(_) => Kind::Transaction,
        }
    }
}

impl Object {
    /// Sizes its queues from a static configuration's bounds, so they never grow later.
    fn reserve(&mut self, bounds: &StaticBounds) -> Result<()> {
        let waiters = bounds.threads;
        let done = match self {
            Object::Thread(t) => t.joiners.reserve(waiters).and_then(|()| t.owned_mutexes.try_reserve_exact(bounds.held_mutexes)),
            Object::Mutex(m) => m.waiters.reserve(waiters),
            Object::Semaphore(s) => s.waiters.reserve(waiters),
            Object::Event(e) => e.waiters.reserve(waiters),
            Object::Port(p) => p.senders.reserve(waiters).and_then(|()| p.receivers.reserve(waiters)),
            Object::Transaction(t) => t.voters.reserve(waiters),
            Object::Timer(_) | Object::SharedObject(_) => Ok(()),
        };
        done.map_err(|_| Error::NoMemory)
    }
}

/// `NotSupported` for a kind the kernel was built without (feature `transactions` off: no
/// transaction or shared object exists; `mutexes` off: no mutex; `timers` off: no timer).
/// Folded at compile time, so without the feature every path that looks one up is dropped from
/// the image (handing on the mutexes of a thread that ends, priority inheritance through a
/// mutex's waiters, a timer's firing and callback in the tick).
#[inline(always)]
pub(super) const fn built_in(kind: Kind) -> Result<()> {
    match kind {
        Kind::Transaction | Kind::SharedObject if !cfg!(feature = "transactions") => Err(Error::NotSupported),
        Kind::Mutex if !cfg!(feature = "mutexes") => Err(Error::NotSupported),
        Kind::Timer if !cfg!(feature = "timers") => Err(Error::NotSupported),
        _ => Ok(()),
    }
}

macro_rules! typed_access {
    ($get:ident, $get_mut:ident, $variant:ident, $ty:ty) => {
        /// The object named by `handle`, checked to be of this kind, as the mutable look-up below.
        #[inline]
        pub fn $get(&self, handle: Handle) -> Result<&$ty> {
            built_in(Kind::$variant)?;
            match self.objects.get_any(handle).ok_or(Error::InvalidHandle)? {
                Object::$variant(object) if handle.kind_bits() == Kind::$variant as u8 => Ok(object),
                _ => Err(Error::WrongKind),
            }
        }

        /// The object named by `handle`, mutable, checked to be of this kind (looked up on
        /// every kernel call): the answers of `ObjectTable::get`, with one bounds check, one
        /// generation compare and the object's variant standing for the slot's kind.
        pub fn $get_mut(&mut self, handle: Handle) -> Result<&mut $ty> {
            built_in(Kind::$variant)?;
            match self.objects.get_any_mut(handle).ok_or(Error::InvalidHandle)? {
                Object::$variant(object) if handle.kind_bits() == Kind::$variant as u8 => Ok(object),
                _ => Err(Error::WrongKind),
            }
        }
    };
}

impl State {
    typed_access!(thread, thread_mut, Thread, Thread);
    typed_access!(mutex, mutex_mut, Mutex, Mutex);
    typed_access!(semaphore, semaphore_mut, Semaphore, Semaphore);
    typed_access!(event, event_mut, Event, Event);
    typed_access!(port, port_mut, Port, Port);
    typed_access!(timer, timer_mut, Timer, Timer);
    typed_access!(shared, shared_mut, SharedObject, SharedObject);
    typed_access!(transaction, transaction_mut, Transaction, Transaction);

    /// Stores a new object; under a static configuration its queues are sized first.
    pub fn insert_object(&mut self, mut object: Object) -> Result<Handle> {
        if let Some(bounds) = self.bounds() {
            object.reserve(bounds)?;
        }
        self.objects.insert(object)
    }

    /// The wait queue `slot` of object `handle`, whatever its kind.
    pub fn wait_queue_mut(&mut self, handle: Handle, slot: WaitSlot) -> Option<&mut WaitQueue> {
        match (self.objects.get_any_mut(handle)?, slot) {
            (Object::Thread(t), WaitSlot::Main) => Some(&mut t.joiners),
            (Object::Mutex(m), WaitSlot::Main) => Some(&mut m.waiters),
            (Object::Semaphore(s), WaitSlot::Main) => Some(&mut s.waiters),
            (Object::Event(e), WaitSlot::Main) => Some(&mut e.waiters),
            (Object::Port(p), WaitSlot::PortSenders) => Some(&mut p.senders),
            (Object::Port(p), WaitSlot::PortReceivers | WaitSlot::PortAnswer) => Some(&mut p.receivers),
            (Object::Transaction(t), WaitSlot::Main) => Some(&mut t.voters),
            _ => None,
        }
    }
}
