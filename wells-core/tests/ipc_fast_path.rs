//! The IPC fast path of `port_call` / `port_reply_wait`: a message that finds its receiver
//! waiting, with nothing else ready at the receiver's level or above, hands it the CPU
//! directly (counted by `port_handoffs`); every other case takes the slow path, and both end
//! the same way: the same answers, the same errors, the same timeouts.

mod common;
use common::{Log, World, MS};
use wells_core::{Handle, Timeout};

/// A server waiting on `requests` answers each request with ten times it, until `u64::MAX`.
fn serve(world: &World, priority: u8, requests: Handle, replies: Handle) {
    let kernel = world.kernel;
    world.spawn("server", priority, move || {
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
}

#[test]
fn calls_to_a_waiting_server_switch_to_it_directly_both_ways() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    // The server is higher: it runs first and waits before the client calls.
    serve(&world, 12, requests, replies);
    let log = Log::default();
    let l = log.clone();
    world.spawn("client", 10, move || {
        for n in 1u64..=4 {
            let mut buf = n.to_le_bytes();
            assert_eq!(kernel.port_call(requests, replies, &mut buf, Timeout::Ns(50 * MS)), Ok(8));
            l.push(format!("{n} -> {}", u64::from_le_bytes(buf)));
        }
        kernel.port_send(requests, &u64::MAX.to_le_bytes(), Timeout::Forever).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["1 -> 10", "2 -> 20", "3 -> 30", "4 -> 40"]);
    // Every request found the server waiting, every answer the client.
    assert_eq!(kernel.port_handoffs(requests), Ok(4));
    assert_eq!(kernel.port_handoffs(replies), Ok(4));
    assert_eq!((kernel.port_count(requests), kernel.port_count(replies)), (Ok(0), Ok(0)));
}

#[test]
fn a_ready_thread_at_the_servers_level_sends_the_call_the_slow_way() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    serve(&world, 10, requests, replies);
    let log = Log::default();
    let l = log.clone();
    // A bystander at the server's level, ready when the client calls: the queues would run it
    // before the server, so the call is not handed over, and it does run first.
    world.spawn("client", 10, move || {
        let mut buf = 7u64.to_le_bytes();
        assert_eq!(kernel.port_call(requests, replies, &mut buf, Timeout::Forever), Ok(8));
        l.push(format!("answer {}", u64::from_le_bytes(buf)));
        kernel.port_send(requests, &u64::MAX.to_le_bytes(), Timeout::Forever).unwrap();
        0
    });
    let l = log.clone();
    world.spawn("bystander", 10, move || {
        l.push("bystander".to_string());
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["bystander", "answer 70"]);
    assert_eq!(kernel.port_handoffs(requests), Ok(0));
}

#[test]
fn bad_calls_to_a_waiting_server_get_the_slow_paths_errors_and_send_nothing() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    let wide = kernel.port_create(16, 1).unwrap();
    let semaphore = kernel.semaphore_create(0, 1).unwrap();
    serve(&world, 12, requests, replies);
    let log = Log::default();
    let l = log.clone();
    world.spawn("client", 10, move || {
        let mut buf = [0u8; 8];
        let bad = Handle::from_raw(0x1_0000);
        l.push(format!("bad handle {:?}", kernel.port_call(bad, replies, &mut buf, Timeout::Forever)));
        l.push(format!("bad reply {:?}", kernel.port_call(requests, bad, &mut buf, Timeout::Forever)));
        l.push(format!("wrong kind {:?}", kernel.port_call(requests, semaphore, &mut buf, Timeout::Forever)));
        l.push(format!("short buffer {:?}", kernel.port_call(requests, replies, &mut [0u8; 7], Timeout::Forever)));
        l.push(format!("answer too long {:?}", kernel.port_call(requests, wide, &mut buf, Timeout::Forever)));
        l.push(format!("same port {:?}", kernel.port_call(requests, requests, &mut [0u8; 8], Timeout::NoWait)));
        l.push(format!("waiting {:?}", kernel.port_count(requests)));
        // Without waiting the request still goes (the server is woken the usual way) and the
        // answer is not there yet.
        let mut buf = 3u64.to_le_bytes();
        l.push(format!("no wait {:?}", kernel.port_call(requests, replies, &mut buf, Timeout::NoWait)));
        kernel.sleep_ns(MS).unwrap();
        l.push(format!("late answer {:?}", kernel.port_receive(replies, &mut buf, Timeout::NoWait).map(|_| u64::from_le_bytes(buf))));
        kernel.port_send(requests, &u64::MAX.to_le_bytes(), Timeout::Forever).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(
        log.take(),
        [
            "bad handle Err(InvalidHandle)",
            "bad reply Err(InvalidHandle)",
            "wrong kind Err(WrongKind)",
            "short buffer Err(InvalidArgument)",
            "answer too long Err(InvalidArgument)",
            "same port Ok(8)",
            "waiting Ok(0)",
            "no wait Err(WouldBlock)",
            "late answer Ok(30)",
        ]
    );
    assert_eq!(kernel.port_handoffs(requests), Ok(0));
}

#[test]
fn a_caller_handed_over_still_times_out_or_sees_its_answer_port_destroyed() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    let log = Log::default();
    let l = log.clone();
    // A server that takes two requests (both handed to it directly) and answers neither: the
    // first call times out, the second ends when the server destroys the answer port.
    world.spawn("server", 12, move || {
        let mut buf = [0u8; 8];
        for _ in 0..2 {
            kernel.port_receive(requests, &mut buf, Timeout::Forever).unwrap();
            l.push(format!("got {}", u64::from_le_bytes(buf)));
        }
        kernel.sleep_ns(MS).unwrap();
        kernel.port_destroy(replies).unwrap();
        0
    });
    let l = log.clone();
    world.spawn("client", 10, move || {
        let mut buf = 1u64.to_le_bytes();
        l.push(format!("{:?}", kernel.port_call(requests, replies, &mut buf, Timeout::Ns(5 * MS))));
        let mut buf = 2u64.to_le_bytes();
        l.push(format!("{:?}", kernel.port_call(requests, replies, &mut buf, Timeout::Forever)));
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["got 1", "Err(Timeout)", "got 2", "Err(Destroyed)"]);
    assert_eq!(kernel.port_handoffs(requests), Ok(2));
}

#[test]
fn a_server_to_be_suspended_is_not_handed_the_call() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    let server = world.spawn("server", 12, move || {
        let mut buf = [0u8; 8];
        kernel.port_receive(requests, &mut buf, Timeout::Forever).unwrap();
        0
    });
    let log = Log::default();
    let l = log.clone();
    world.spawn("client", 10, move || {
        kernel.thread_suspend(server).unwrap();
        let mut buf = 5u64.to_le_bytes();
        // Woken by the slow path, the server is suspended: the request stays queued.
        l.push(format!("{:?}", kernel.port_call(requests, replies, &mut buf, Timeout::Ns(2 * MS))));
        l.push(format!("queued {:?}", kernel.port_count(requests)));
        kernel.thread_resume(server).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["Err(Timeout)", "queued Ok(1)"]);
    assert_eq!(kernel.port_handoffs(requests), Ok(0));
    assert_eq!(kernel.port_count(requests), Ok(0));
}

#[test]
fn a_server_that_ends_after_the_hand_over_leaves_the_caller_to_its_timeout() {
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(8, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    let log = Log::default();
    let l = log.clone();
    world.spawn("server", 12, move || {
        let mut buf = [0u8; 8];
        kernel.port_receive(requests, &mut buf, Timeout::Forever).unwrap();
        l.push(format!("got {}", u64::from_le_bytes(buf)));
        // Ends with the caller waiting for its answer.
        1
    });
    let l = log.clone();
    world.spawn("client", 10, move || {
        let mut buf = 4u64.to_le_bytes();
        l.push(format!("{:?}", kernel.port_call(requests, replies, &mut buf, Timeout::Ns(3 * MS))));
        // The answer port still works for the next caller.
        l.push(format!("{:?}", kernel.port_send(replies, &9u64.to_le_bytes(), Timeout::NoWait)));
        l.push(format!("{:?}", kernel.port_receive(replies, &mut buf, Timeout::NoWait).map(|_| u64::from_le_bytes(buf))));
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["got 4", "Err(Timeout)", "Ok(())", "Ok(9)"]);
    assert_eq!(kernel.port_handoffs(requests), Ok(1));
}

#[test]
fn long_messages_are_handed_over_through_the_port_and_short_ones_through_the_thread() {
    // A 64-byte message is longer than a thread's slot for handed messages (16 bytes): it goes
    // through the port's ring; the 8-byte answers go straight to the waiting client. Every
    // byte of both arrives, and both ports are counted as handed over and left empty.
    let world = World::new();
    let kernel = world.kernel;
    let requests = kernel.port_create(64, 1).unwrap();
    let replies = kernel.port_create(8, 1).unwrap();
    world.spawn("server", 12, move || {
        let mut buf = [0u8; 64];
        kernel.port_receive(requests, &mut buf, Timeout::Forever).unwrap();
        while buf[0] != 0 {
            let sum: u64 = buf.iter().map(|&b| b as u64).sum();
            buf[..8].copy_from_slice(&sum.to_le_bytes());
            kernel.port_reply_wait(replies, requests, &mut buf, Timeout::Forever).unwrap();
        }
        0
    });
    let log = Log::default();
    let l = log.clone();
    world.spawn("client", 10, move || {
        for n in 1u8..=3 {
            let mut buf: [u8; 64] = core::array::from_fn(|i| n + i as u8);
            assert_eq!(kernel.port_call(requests, replies, &mut buf, Timeout::Forever), Ok(8));
            l.push(format!("{n}: {}", u64::from_le_bytes(buf[..8].try_into().unwrap())));
        }
        kernel.port_send(requests, &[0; 64], Timeout::Forever).unwrap();
        0
    });
    world.run().unwrap();
    // 64 n + (0 + 1 + ... + 63) = 64 n + 2016.
    assert_eq!(log.take(), ["1: 2080", "2: 2144", "3: 2208"]);
    assert_eq!((kernel.port_handoffs(requests), kernel.port_handoffs(replies)), (Ok(3), Ok(3)));
    assert_eq!((kernel.port_count(requests), kernel.port_count(replies)), (Ok(0), Ok(0)));
}
