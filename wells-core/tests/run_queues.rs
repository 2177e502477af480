//! Run queues linked through one table: FIFO per level, front insertion, O(1) removal of any
//! member, stale or misplaced handles refused, a re-queued thread moved (never twice in the
//! queues), reserved room that never grows, and the object table's reservation and limit.

use wells_core::handle::{Kinded, ObjectTable};
use wells_core::sched::run_queues::RunQueues;
use wells_core::{Error, Handle, Kind};

/// Handles as the object table makes them: slot in the low bits, generation above.
fn handle(slot: u64, generation: u64) -> Handle {
    Handle::from_raw(slot | generation << 24 | 1 << 56)
}

fn drain(q: &mut RunQueues, level: u8) -> Vec<u64> {
    std::iter::from_fn(|| q.pop(level)).map(|h| h.slot() as u64).collect()
}

#[test]
fn fifo_per_level_with_front_insertion() {
    let mut q = RunQueues::default();
    for slot in 0..5 {
        q.push(handle(slot, 1), 7, false);
    }
    q.push(handle(9, 1), 7, true);
    q.push(handle(6, 1), 3, false);
    assert_eq!(q.head(7), Some(handle(9, 1)));
    assert_eq!(drain(&mut q, 7), [9, 0, 1, 2, 3, 4]);
    assert!(q.is_empty(7));
    assert_eq!(drain(&mut q, 3), [6]);
}

#[test]
fn removal_from_anywhere_keeps_the_rest_in_order() {
    let mut q = RunQueues::default();
    for slot in 0..6 {
        q.push(handle(slot, 1), 2, false);
    }
    assert!(q.remove(handle(0, 1), 2), "head");
    assert!(q.remove(handle(3, 1), 2), "middle");
    assert!(q.remove(handle(5, 1), 2), "tail");
    assert!(!q.remove(handle(5, 1), 2), "not queued any more");
    assert!(!q.remove(handle(4, 2), 2), "stale generation");
    assert!(!q.remove(handle(4, 1), 3), "queued at another level");
    assert!(!q.remove(handle(1000, 1), 2), "a slot never seen");
    q.push(handle(5, 1), 2, false);
    assert_eq!(drain(&mut q, 2), [1, 2, 4, 5]);
}

#[test]
fn queueing_a_queued_thread_moves_it() {
    let mut q = RunQueues::default();
    q.push(handle(1, 1), 4, false);
    q.push(handle(2, 1), 4, false);
    q.push(handle(1, 1), 9, false);
    assert_eq!(drain(&mut q, 4), [2]);
    assert_eq!(drain(&mut q, 9), [1]);
}

#[test]
fn levels_above_the_last_share_the_last_queue() {
    let mut q = RunQueues::default();
    q.push(handle(1, 1), 31, false);
    q.push(handle(2, 1), 200, false);
    assert!(q.remove(handle(2, 1), 255));
    assert_eq!(drain(&mut q, 31), [1]);
}

#[test]
fn reserved_room_does_not_grow() {
    let mut q = RunQueues::default();
    q.reserve(32).unwrap();
    let capacity = q.capacity();
    for round in 0..100u64 {
        for slot in 0..32 {
            q.push(handle(slot, 1 + round % 3), (slot % 4) as u8, round % 2 == 0);
        }
        for level in 0..4 {
            assert_eq!(drain(&mut q, level).len(), 8);
        }
    }
    assert_eq!(q.capacity(), capacity);
}

/// A table entry for these tests: its kind and a number.
struct Tagged(Kind, u32);

impl Kinded for Tagged {
    fn kind(&self) -> Kind {
        self.0
    }
}

#[test]
fn object_table_reservation_limits_and_never_grows() {
    let mut table = ObjectTable::new(100);
    table.reserve(4).unwrap();
    let handles: Vec<_> = (0..4).map(|n| table.insert(Tagged(Kind::Event, n)).unwrap()).collect();
    assert_eq!(table.insert(Tagged(Kind::Event, 9)).err(), Some(Error::Limit));
    table.remove(handles[1], Kind::Event).unwrap();
    let again = table.insert(Tagged(Kind::Event, 10)).unwrap();
    assert_eq!(again.slot(), handles[1].slot(), "the freed slot is reused");
    assert_eq!(table.get(again, Kind::Event).map(|t| t.1), Ok(10), "the new object is in it");
    assert_ne!(again, handles[1]);
    let mut bigger = ObjectTable::<Tagged>::new(8);
    for n in 0..3 {
        bigger.insert(Tagged(Kind::Mutex, n)).unwrap();
    }
    assert_eq!(bigger.reserve(2), Err(Error::BadState), "more objects live than the new limit");
    bigger.reserve(50).unwrap();
    for n in 3..8 {
        bigger.insert(Tagged(Kind::Mutex, n)).unwrap();
    }
    assert_eq!(bigger.insert(Tagged(Kind::Mutex, 8)).err(), Some(Error::Limit), "a reservation never raises the limit the table was made with");
}
