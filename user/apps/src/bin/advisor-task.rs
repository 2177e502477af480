//! A user task acting as a scheduling advisor: it hands the kernel a malformed decision set
//! (which must be refused), a good one, clears it, loads the good one again (which stays in
//! force) and finds the loads in the telemetry. Exit 0 when every answer was right, 1 when the
//! task is no advisor (every call denied), 2 or more for a wrong answer.
#![no_std]
#![no_main]

use wells_user::{policy_clear, policy_load, println, telemetry_read, Error, TelemetryBatch, TELEMETRY_SET_LOADED};

wells_user::entry!(main);

/// One rule: best-effort threads run at priority 3 (format: wells-core/src/sched/decision/format.rs).
const GOOD_SET: [u8; 32] = [
    b'W', b'D', b'S', b'1', 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, // header: version 1, one rule
    0b100, 0, 31, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, // best-effort, any priority -> run at 3
];

fn main(_arg: usize) -> i32 {
    let mut bad = GOOD_SET;
    bad[16 + 6] = 9; // an action that does not exist
    match policy_load(&bad) {
        Err(error) if error == Error::ACCESS_DENIED => {
            let denied_again = policy_load(&GOOD_SET) == Err(Error::ACCESS_DENIED)
                && policy_clear() == Err(Error::ACCESS_DENIED)
                && telemetry_read(&mut TelemetryBatch::<4>::starting_at(0)).err() == Some(Error::ACCESS_DENIED);
            println!("advisor-task: not allowed to load decision sets");
            return if denied_again { 1 } else { 2 };
        }
        Err(error) if error == Error::INVALID_ARGUMENT => {}
        other => {
            println!("advisor-task: a malformed set got {:?}", other.err());
            return 3;
        }
    }
    if let Err(error) = policy_load(&GOOD_SET).and_then(|()| policy_clear()) {
        println!("advisor-task: a good set or its clearing failed: {}", error);
        return 4;
    }
    if let Err(error) = policy_load(&GOOD_SET) {
        println!("advisor-task: a good set was refused: {}", error);
        return 5;
    }
    // Both loads are in the telemetry, each with its one rule, read in batches of three.
    let (mut loads, mut from) = (0, 0);
    loop {
        let mut batch = TelemetryBatch::<3>::starting_at(from);
        match telemetry_read(&mut batch) {
            Ok(count) if count == batch.events().len() => {}
            other => {
                println!("advisor-task: telemetry read gave {:?}", other);
                return 6;
            }
        }
        loads += batch.events().iter().filter(|e| e.kind == TELEMETRY_SET_LOADED && e.arg == 1).count();
        if batch.count == 0 {
            break;
        }
        from = batch.next;
    }
    println!("advisor-task: decision set loaded; telemetry shows {} loads", loads);
    if loads == 2 {
        0
    } else {
        7
    }
}
