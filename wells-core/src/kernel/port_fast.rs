//! The IPC fast path, in the style of seL4's: a call (or a server's reply-wait) whose message
//! finds its receiver already waiting gives that receiver the CPU directly. A receiver that
//! waits by the fast path too (in its own call or reply-wait) is handed a short message in its
//! control block (`ipc/handed.rs`) and runs next, in the same critical section on one CPU, so
//! it takes the message before anything else can happen to it; any other receiver finds it in
//! the port, as on the slow path. What is skipped is the ready queues: the receiver is not queued and picked, the caller blocks on its answer port
//! and the next `schedule` runs the receiver. Taken only when the slow path would end the same
//! way: the receiver would be picked next anyway (`State::direct_level`), and the caller would
//! block (nothing queued on the port it waits on).

use super::critical::Critical;
use super::port_calls::WaitTerms;
use super::scheduler::HandOff;
use super::Kernel;
use crate::arch::Arch;
use crate::error::Result;
use crate::handle::Handle;
use crate::thread::{WaitSlot, WakeReason};
use crate::time::Timeout;

impl<A: Arch> Kernel<A> {
    /// Sends the first message-size bytes of `buf` on `send` and waits on `receive` by the
    /// fast path; returns how the wait ended: with the answer's size when it was handed to
    /// the caller in its block (`Thread::handed`, then already in `buf`), with `None` when the
    /// caller takes it from `receive` as the slow path does. `None` overall, with nothing done,
    /// when the fast path does not apply: anything to refuse (a bad handle, a buffer too small
    /// for either message) is left to the slow path, which answers it.
    #[inline(always)]
    pub(super) fn send_direct(&self, cs: &mut Critical<'_, A>, send: Handle, receive: Handle, buf: &mut [u8], wait: WaitTerms) -> Option<Result<Option<usize>>> {
        if wait.may_wait.is_err() || wait.timeout == Timeout::NoWait || send == receive {
            return None;
        }
        if wait.deadline.is_some_and(|d| self.host.now_ns() >= d) {
            return None;
        }
        let me = Self::blocking_caller(cs).ok()?;
        let answers = cs.port(receive).ok()?;
        if answers.count() != 0 || buf.len() < answers.msg_size() {
            return None;
        }
        let port = cs.port(send).ok()?;
        let size = port.msg_size();
        if port.count() != 0 || buf.len() < size {
            return None;
        }
        let receiver = port.receivers.first()?;
        let queue_it = match cs.hand_cpu_to(receiver, WakeReason::Done, &buf[..size]) {
            HandOff::Refused => return None,
            HandOff::MessageGiven => false,
            HandOff::QueueMessage => true,
        };
        // Found above in this critical section: the receiver is handed the CPU already, so the
        // message must follow it.
        let port = cs.port_mut(send).expect("wells: port vanished inside the critical section that found it");
        port.receivers.pop();
        if queue_it {
            // An empty port has room for one message.
            let _ = port.push(&buf[..size]);
        }
        port.count_handoff();
        cs.block_for_hand_off(receiver, (receive, WaitSlot::PortAnswer), wait.deadline);
        let Ok(thread) = cs.thread_mut(me) else { return Some(Ok(None)) };
        let reason = thread.wake_reason.take().unwrap_or(WakeReason::Done);
        let answer = thread.handed.take(buf);
        Some(Self::wake_result(reason).map(|()| answer))
    }
}
