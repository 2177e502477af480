//! The secure service ABI (`docs/monitor.md`): function IDs and answers of the calls a
//! normal-world task makes with [`crate::secure_call`], and of the secure world's own protocol.
//! Every service call is a fast SMC64 call of owning entity 48 (trusted applications); its
//! answer is x0 = a status ([`SUCCESS`] or a negative error), x1 = a value.

/// x1 = the service's version ([`VERSION`]).
pub const SERVICE_VERSION: u32 = 0xf000_0000;
/// x1 = the monotonic counter.
pub const COUNTER_READ: u32 = 0xf000_0001;
/// Adds one to the counter; x1 = its new value.
pub const COUNTER_INCREMENT: u32 = 0xf000_0002;
/// x1 = key; answers x1 = its value.
pub const KV_GET: u32 = 0xf000_0003;
/// x1 = key, x2 = value (at most 32 bits).
pub const KV_PUT: u32 = 0xf000_0004;
/// x1 = the secure ticks the secure world has been given (its timer, taken while the normal
/// world runs).
pub const SECURE_TICKS: u32 = 0xf000_0005;

/// The protocol's calls, the secure world's own (owning entity 50): "here is my answer (x1
/// status, x2 value), give me the next event"; the normal world gets [`DENIED`].
pub const SECURE_DONE: u32 = 0xf200_0000;
/// An event the secure world is given instead of a call: x1 secure ticks.
pub const SECURE_EVENT_TICK: u32 = 0xf200_0001;

/// The service version answered: 1.0.
pub const VERSION: u64 = 0x1_0000;
/// Keys 0..KEYS; keys below [`FIRST_WRITABLE_KEY`] are the secure world's, read-only to callers.
pub const KEYS: u64 = 16;
pub const FIRST_WRITABLE_KEY: u64 = 4;
/// Key 0: set by the secure world at its boot.
pub const KEY_SECURE_ID: u64 = 0;
pub const SECURE_ID: u64 = 0x5ec_0001;

/// Answers (x0).
pub const SUCCESS: i64 = 0;
/// An unknown function ID.
pub const NOT_SUPPORTED: i64 = -1;
/// A key outside 0..KEYS.
pub const BAD_KEY: i64 = -2;
/// A call from the wrong world, or a write to a read-only key.
pub const DENIED: i64 = -3;
/// A value wider than 32 bits.
pub const TOO_BIG: i64 = -4;
/// A key never written.
pub const NOT_FOUND: i64 = -5;
