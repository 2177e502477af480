//! Ports (FIFO, blocking and non-blocking, timeouts) and timers (order, period, cancel,
//! callbacks that must not block).

mod common;
use common::{Log, World, MS};
use std::sync::atomic::Ordering;
use wells_core::{Error, Timeout};

#[test]
fn port_is_fifo_and_blocks_senders_until_there_is_room() {
    let world = World::new();
    let kernel = world.kernel;
    assert_eq!(kernel.port_create(0, 4).err(), Some(Error::InvalidArgument));
    assert_eq!(kernel.port_create(4, 0).err(), Some(Error::InvalidArgument));
    let port = kernel.port_create(4, 2).unwrap();
    assert_eq!(kernel.port_send(port, &[1, 2, 3], Timeout::NoWait), Err(Error::InvalidArgument));
    let mut small = [0u8; 3];
    assert_eq!(kernel.port_receive(port, &mut small, Timeout::NoWait), Err(Error::InvalidArgument));
    assert_eq!(kernel.port_receive(port, &mut [0u8; 4], Timeout::NoWait), Err(Error::WouldBlock));
    let log = Log::default();
    let l = log.clone();
    world.spawn("producer", 10, move || {
        for i in 0u32..6 {
            kernel.port_send(port, &i.to_le_bytes(), Timeout::Forever).unwrap();
            l.push(format!("sent {i}"));
        }
        l.push(format!("full {:?}", kernel.port_send(port, &[9; 4], Timeout::NoWait)));
        l.push(format!("timeout {:?}", kernel.port_send(port, &[9; 4], Timeout::Ns(3 * MS))));
        0
    });
    let l = log.clone();
    world.spawn("consumer", 5, move || {
        let mut buf = [0u8; 8]; // larger than a message is fine
        for _ in 0..4 {
            assert_eq!(kernel.port_receive(port, &mut buf, Timeout::Forever), Ok(4));
            l.push(format!("got {}", u32::from_le_bytes(buf[..4].try_into().unwrap())));
        }
        kernel.sleep_ns(10 * MS).unwrap();
        0
    });
    world.run().unwrap();
    // The producer fills the port (capacity 2), then each receive makes room and wakes it; being
    // of higher priority it runs before the consumer logs. Its last send finds no reader.
    assert_eq!(
        log.take(),
        [
            "sent 0", "sent 1", "sent 2", "got 0", "sent 3", "got 1", "sent 4", "got 2", "sent 5",
            "full Err(WouldBlock)", "got 3", "timeout Err(Timeout)"
        ]
    );
    assert_eq!(kernel.port_count(port), Ok(2));
    let mut buf = [0u8; 4];
    for want in [4u32, 5] {
        kernel.port_receive(port, &mut buf, Timeout::NoWait).unwrap();
        assert_eq!(u32::from_le_bytes(buf), want);
    }
}

#[test]
fn receive_times_out_on_an_empty_port() {
    let world = World::new();
    let kernel = world.kernel;
    let port = kernel.port_create(1, 1).unwrap();
    let result = Log::default();
    let r = result.clone();
    let clock = world.clock.clone();
    world.spawn("receiver", 5, move || {
        let start = clock.now.load(Ordering::SeqCst);
        let outcome = kernel.port_receive(port, &mut [0], Timeout::Ns(7 * MS));
        r.push(format!("{outcome:?} after {} ms", (clock.now.load(Ordering::SeqCst) - start) / MS));
        0
    });
    world.run().unwrap();
    assert_eq!(result.take(), ["Err(Timeout) after 7 ms"]);
}

/// Call and reply-wait: a client's call sends from its buffer and takes the answer into it, in
/// one kernel entry; the server answers and waits for the next request in one. Bad calls send
/// nothing.
#[test]
fn call_and_reply_wait_pair_requests_with_answers() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    let narrow = kernel.port_create(4, 1).unwrap();
    // Outside a thread a call may not wait; a buffer too small for the answer, or a bad
    // handle, is refused before anything is sent.
    let mut buf = [0u8; 8];
    assert_eq!(kernel.port_call(requests, replies, &mut buf, Timeout::Forever), Err(Error::BadContext));
    assert_eq!(kernel.port_call(narrow, replies, &mut [0u8; 4], Timeout::NoWait), Err(Error::InvalidArgument));
    assert_eq!(kernel.port_call(requests, wells_core::Handle::from_raw(0), &mut buf, Timeout::NoWait), Err(Error::InvalidHandle));
    assert_eq!(kernel.port_reply_wait(requests, replies, &mut [0u8; 7], Timeout::NoWait), Err(Error::InvalidArgument));
    assert_eq!(kernel.port_count(requests), Ok(0));
    assert_eq!(kernel.port_count(narrow), Ok(0));
    let log = Log::default();
    let l = log.clone();
    world.spawn("client", 10, move || {
        for n in 1u64..=3 {
            let mut buf = n.to_le_bytes();
            assert_eq!(kernel.port_call(requests, replies, &mut buf, Timeout::Forever), Ok(8));
            l.push(format!("{n} -> {}", u64::from_le_bytes(buf)));
        }
        let mut stop = u64::MAX.to_le_bytes();
        kernel.port_send(requests, &stop, Timeout::Forever).unwrap();
        // Nobody answers any more: the shared timeout ends the wait for the answer.
        stop[0] = 9;
        l.push(format!("{:?}", kernel.port_call(requests, replies, &mut stop, Timeout::Ns(5 * MS))));
        0
    });
    world.spawn("server", 10, move || {
        let mut buf = [0u8; 8];
        kernel.port_receive(requests, &mut buf, Timeout::Forever).unwrap();
        loop {
            let n = u64::from_le_bytes(buf);
            if n == u64::MAX {
                return 0;
            }
            buf = (n * 10).to_le_bytes();
            kernel.port_reply_wait(replies, requests, &mut buf, Timeout::Forever).unwrap();
        }
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["1 -> 10", "2 -> 20", "3 -> 30", "Err(Timeout)"]);
    // The last call's request was sent (nobody took it), its answer never came.
    assert_eq!(kernel.port_count(requests), Ok(1));
}

#[cfg(feature = "timers")]
#[test]
fn timers_fire_in_deadline_order_and_cancel_works() {
    let world = World::new();
    let kernel = world.kernel;
    let log = Log::default();
    let mut timers = Vec::new();
    for delay in [30u64, 10, 20, 15] {
        let l = log.clone();
        let timer = kernel.timer_create(Box::new(move || l.push(format!("{delay}")))).unwrap();
        kernel.timer_start(timer, delay * MS, 0).unwrap();
        timers.push(timer);
    }
    kernel.timer_cancel(timers[3]).unwrap();
    world.spawn("sleeper", 5, move || {
        kernel.sleep_ns(100 * MS).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["10", "20", "30"]);
    kernel.timer_destroy(timers[0]).unwrap();
    assert_eq!(kernel.timer_start(timers[0], MS, 0), Err(Error::InvalidHandle));
}

#[cfg(feature = "timers")]
#[test]
fn periodic_timer_fires_once_per_period() {
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;
    let world = World::new();
    let kernel = world.kernel;
    let fired = Arc::new(AtomicU32::new(0));
    let f = fired.clone();
    let timer = kernel.timer_create(Box::new(move || {
        f.fetch_add(1, Ordering::SeqCst);
    })).unwrap();
    kernel.timer_start(timer, 10 * MS, 10 * MS).unwrap();
    world.spawn("sleeper", 5, move || {
        kernel.sleep_ns(55 * MS).unwrap();
        kernel.timer_cancel(timer).unwrap();
        kernel.sleep_ns(50 * MS).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(fired.load(Ordering::SeqCst), 5);
}

#[cfg(feature = "timers")]
#[test]
fn timer_callbacks_may_signal_but_not_block() {
    let world = World::new();
    let kernel = world.kernel;
    let sem = kernel.semaphore_create(0, 10).unwrap();
    let log = Log::default();
    let l = log.clone();
    let timer = kernel.timer_create(Box::new(move || {
        l.push(format!("wait {:?}", kernel.semaphore_wait(sem, Timeout::Forever)));
        l.push(format!("post {:?}", kernel.semaphore_post(sem)));
    })).unwrap();
    kernel.timer_start(timer, 5 * MS, 0).unwrap();
    let l = log.clone();
    world.spawn("waiter", 5, move || {
        l.push(format!("woken {:?}", kernel.semaphore_wait(sem, Timeout::Forever)));
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["wait Err(BadContext)", "post Ok(())", "woken Ok(())"]);
}
