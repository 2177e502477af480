//! Typed handles for C: each kind its own struct, so the C compiler catches a mix-up; the
//! kernel checks the kind again at run time for handles built by hand. All-zero is never a
//! valid handle. (Spelled out one by one because cbindgen does not expand macros.)
#![allow(non_camel_case_types)]

/// Handle of a thread: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_thread_t {
    pub raw: u64,
}

/// Handle of a mutex: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_mutex_t {
    pub raw: u64,
}

/// Handle of a counting semaphore: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_sem_t {
    pub raw: u64,
}

/// Handle of an event: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_event_t {
    pub raw: u64,
}

/// Handle of a port: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_port_t {
    pub raw: u64,
}

/// Handle of a timer: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_timer_t {
    pub raw: u64,
}

/// Handle of a shared object: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct wells_shared_t {
    pub raw: u64,
}

/// Handle of a transaction: index + generation + kind.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wells_txn_t {
    pub raw: u64,
}

macro_rules! convert {
    ($($name:ident),*) => {$(
        impl From<$name> for wells_core::Handle {
            fn from(handle: $name) -> Self {
                wells_core::Handle::from_raw(handle.raw)
            }
        }

        impl From<wells_core::Handle> for $name {
            fn from(handle: wells_core::Handle) -> Self {
                $name { raw: handle.raw() }
            }
        }
    )*};
}

convert!(wells_thread_t, wells_mutex_t, wells_sem_t, wells_event_t, wells_port_t, wells_timer_t, wells_shared_t, wells_txn_t);
