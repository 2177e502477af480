//! A short message handed straight to a thread: the IPC fast path's receiver takes it from its
//! own control block instead of from the port's queue (`kernel/port_fast.rs`), which spares
//! both sides a port look-up and two copies through the port's ring.

/// The longest message handed this way (what two 64-bit registers hold); a longer one goes
/// through the port's queue. Kept short: every thread carries the slot (on the Cortex-M3's
/// minimal build, 32 bytes would put its two threads past the 4 KiB of kernel RAM).
pub const HANDED_MAX: usize = 16;

/// A thread's slot for one handed message. Given only to a thread blocked by the fast path
/// (`WaitSlot::PortAnswer`), which takes it as soon as it runs again.
///
/// Kept as words: a message whose buffers are word-aligned on both sides is copied with two
/// loads and two stores, where the byte copy costs a `memcpy` call on a kernel built for
/// strict alignment (arm64 IPC fast path 2038 -> 1896 per round trip, `cargo xtask bench`).
#[derive(Clone, Copy, Default)]
pub struct Handed {
    /// Bytes of `words` that hold the message; 0: empty. (A `u8` here cost the arm64 IPC fast
    /// path 170 instructions per round trip, `cargo xtask bench`: kept a word.)
    len: usize,
    words: [u64; WORDS],
}

const WORDS: usize = HANDED_MAX / 8;

impl Handed {
    /// True when `msg` fits.
    #[inline]
    pub fn fits(msg: &[u8]) -> bool {
        !msg.is_empty() && msg.len() <= HANDED_MAX
    }

    /// Puts `msg` (which [`Handed::fits`]) in the slot, replacing what it held.
    #[inline]
    pub fn give(&mut self, msg: &[u8]) {
        let len = msg.len().min(HANDED_MAX);
        match bytemuck::try_cast_slice::<u8, u64>(msg) {
            Ok(&[first, second]) => self.words = [first, second],
            _ => bytemuck::bytes_of_mut(&mut self.words)[..len].copy_from_slice(&msg[..len]),
        }
        self.len = len;
    }

    /// Empties the slot.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Takes the message, if there is one that `out` can hold, into `out`; returns its size.
    /// The slot is empty afterwards.
    #[inline]
    pub fn take(&mut self, out: &mut [u8]) -> Option<usize> {
        let len = core::mem::take(&mut self.len);
        let out = out.get_mut(..len).filter(|_| len != 0)?;
        match bytemuck::try_cast_slice_mut::<u8, u64>(out) {
            Ok(words @ &mut [_, _]) => words.copy_from_slice(&self.words),
            _ => out.copy_from_slice(&bytemuck::bytes_of(&self.words)[..len]),
        }
        Some(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_taken_once() {
        let mut slot = Handed::default();
        let mut out = [0u8; 16];
        assert_eq!(slot.take(&mut out), None, "empty");
        slot.give(&[7; 16]);
        assert_eq!(slot.take(&mut out), Some(16));
        assert_eq!(out, [7; 16]);
        assert_eq!(slot.take(&mut out), None, "taken already");
    }

    #[test]
    fn only_short_messages_fit_and_clear_empties() {
        assert!(Handed::fits(&[0; HANDED_MAX]));
        assert!(!Handed::fits(&[0; HANDED_MAX + 1]));
        assert!(!Handed::fits(&[]));
        let mut slot = Handed::default();
        slot.give(&[1; 8]);
        slot.clear();
        assert_eq!(slot.take(&mut [0; 8]), None);
    }

    #[test]
    fn odd_lengths_are_copied_whole() {
        let mut slot = Handed::default();
        let msg: [u8; 13] = core::array::from_fn(|i| i as u8 + 1);
        slot.give(&msg);
        let mut out = [0u8; 20];
        assert_eq!(slot.take(&mut out), Some(13));
        assert_eq!(out[..13], msg);
        assert_eq!(out[13..], [0; 7]);
    }

    #[test]
    fn aligned_and_unaligned_buffers_carry_the_same_bytes() {
        let msg: [u8; 16] = core::array::from_fn(|i| 0xA0 + i as u8);
        let mut aligned = [0u64; 3];
        let mut slot = Handed::default();
        for (from, to) in [(0, 0), (0, 1), (1, 0), (3, 5)] {
            let mut source = [0u64; 3];
            bytemuck::bytes_of_mut(&mut source)[from..from + 16].copy_from_slice(&msg);
            slot.give(&bytemuck::bytes_of(&source)[from..from + 16]);
            aligned.fill(0);
            let out = &mut bytemuck::bytes_of_mut(&mut aligned)[to..to + 16];
            assert_eq!(slot.take(out), Some(16), "from {from} to {to}");
            assert_eq!(*out, msg, "from {from} to {to}");
        }
    }

    #[test]
    fn a_buffer_too_small_takes_nothing() {
        let mut slot = Handed::default();
        slot.give(&[1; 16]);
        assert_eq!(slot.take(&mut [0; 8]), None);
    }
}
