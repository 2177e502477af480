//! The timeline (an indexed binary heap): deadline order, FIFO among equal deadlines, cancel
//! by key (also of entries that already fired), reserved capacity that never grows, and a long
//! random run against a plain sorted list.

use wells_core::kernel::timeline::{Timeline, Wakeup};
use wells_core::Handle;

fn thread(n: u64) -> Wakeup {
    Wakeup::Thread(Handle::from_raw(n))
}

#[test]
fn equal_deadlines_pop_in_insertion_order() {
    let mut t = Timeline::default();
    for n in 0..20 {
        t.insert(if n % 2 == 0 { 50 } else { 40 }, thread(n));
    }
    let order: Vec<_> = std::iter::from_fn(|| t.pop_due(100)).collect();
    let expected: Vec<_> = (0..20).filter(|n| n % 2 == 1).map(|n| (40, thread(n))).chain((0..20).filter(|n| n % 2 == 0).map(|n| (50, thread(n)))).collect();
    assert_eq!(order, expected);
    assert!(t.is_empty() && t.first_deadline().is_none());
}

#[test]
fn a_key_whose_entry_fired_cancels_nothing_even_when_its_slot_is_reused() {
    let mut t = Timeline::default();
    let old = t.insert(10, thread(1));
    assert_eq!(t.pop_due(10), Some((10, thread(1))));
    let new = t.insert(20, thread(2));
    t.remove(old);
    assert_eq!(t.len(), 1, "the stale key left the new entry alone");
    t.remove(new);
    t.remove(new);
    assert!(t.is_empty());
    assert!(t.take_changed());
    assert!(!t.take_changed(), "changed is reported once");
}

#[test]
fn reserved_room_is_enough_and_does_not_grow() {
    let mut t = Timeline::default();
    t.reserve(64).unwrap();
    let capacity = t.capacity();
    assert!(capacity >= 64);
    for round in 0..10u64 {
        let keys: Vec<_> = (0..64).map(|n| t.insert((n * 7919 + round) % 101, thread(n))).collect();
        for key in keys.iter().step_by(3) {
            t.remove(*key);
        }
        while t.pop_due(u64::MAX).is_some() {}
    }
    assert_eq!(t.capacity(), capacity, "64 live entries at most: the room reserved sufficed");
}

#[test]
fn random_inserts_cancels_and_pops_match_a_sorted_list() {
    let mut t = Timeline::default();
    // The reference: (deadline, insertion number, wakeup), kept sorted.
    let mut model: Vec<(u64, u64, Wakeup)> = Vec::new();
    let mut keys = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Miri checks every access, so it walks a shorter run of the same sequence.
    let steps = if cfg!(miri) { 1_000 } else { 20_000u64 };
    for step in 0..steps {
        match next() % 4 {
            0 | 1 => {
                let deadline = next() % 1000;
                keys.push((t.insert(deadline, thread(step)), step));
                model.push((deadline, step, thread(step)));
                model.sort_by_key(|&(d, s, _)| (d, s));
            }
            2 if !keys.is_empty() => {
                let (key, number) = keys.swap_remove((next() % keys.len() as u64) as usize);
                t.remove(key);
                model.retain(|&(_, s, _)| s != number);
            }
            _ => {
                let now = next() % 1000;
                let expected = model.first().filter(|&&(d, _, _)| d <= now).map(|&(d, _, w)| (d, w));
                assert_eq!(t.pop_due(now), expected, "step {step}");
                if expected.is_some() {
                    model.remove(0);
                }
            }
        }
        assert_eq!(t.first_deadline(), model.first().map(|&(d, _, _)| d), "step {step}");
        assert_eq!(t.len(), model.len());
    }
}
