//! Timer calls: callbacks run from the tick, once or periodically.

use super::objects::{Object, Timer};
use super::timeline::Wakeup;
use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use alloc::boxed::Box;

impl<A: Arch> Kernel<A> {
    /// Creates a stopped timer. Its callback runs in tick context: it may post, set and send
    /// without waiting; a call that would block gets [`Error::BadContext`]. Every timer call
    /// answers [`Error::NotSupported`] without feature `timers`, before it looks at its handle.
    pub fn timer_create(&self, callback: Box<dyn FnMut() + Send>) -> Result<Handle> {
        super::objects::built_in(Kind::Timer)?;
        self.unsealed()?;
        let timer = Timer { callback: Some(callback), period_ns: 0, key: None };
        self.critical().insert_object(Object::Timer(timer))
    }

    /// Starts (or restarts) a timer: first run after `delay_ns`, then every `period_ns`
    /// (0 = once).
    pub fn timer_start(&self, handle: Handle, delay_ns: u64, period_ns: u64) -> Result<()> {
        super::objects::built_in(Kind::Timer)?;
        let mut cs = self.critical();
        let deadline = self.host.now_ns().saturating_add(delay_ns);
        let old_key = cs.timer_mut(handle)?.key.take();
        if let Some(key) = old_key {
            cs.clock.remove(key);
        }
        let key = cs.clock.insert(deadline, Wakeup::Timer(handle));
        let timer = cs.timer_mut(handle)?;
        timer.key = Some(key);
        timer.period_ns = period_ns;
        Ok(())
    }

    /// Stops a timer (nothing happens if it is not running).
    pub fn timer_cancel(&self, handle: Handle) -> Result<()> {
        super::objects::built_in(Kind::Timer)?;
        let mut cs = self.critical();
        if let Some(key) = cs.timer_mut(handle)?.key.take() {
            cs.clock.remove(key);
        }
        Ok(())
    }

    /// Stops and destroys a timer.
    pub fn timer_destroy(&self, handle: Handle) -> Result<()> {
        super::objects::built_in(Kind::Timer)?;
        let mut cs = self.critical();
        let Object::Timer(timer) = cs.objects.remove(handle, Kind::Timer)? else { return Err(Error::WrongKind) };
        if let Some(key) = timer.key {
            cs.clock.remove(key);
        }
        Ok(())
    }
}
