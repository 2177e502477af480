//! Reading the trace dumps an image prints (`images/common/src/trace/mod.rs` gives the format)
//! and turning the switches into running intervals.

use std::collections::HashMap;

use crate::Result;

/// One event of a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub sequence: u64,
    pub time_ns: u64,
    pub kind: String,
    /// Raw handle of the thread (or transaction) concerned; 0: none (idle).
    pub subject: u64,
    pub arg: u64,
}

/// One dump: the run's name, its events in order and the names of its threads.
#[derive(Debug, Default)]
pub struct Trace {
    pub name: String,
    pub events: Vec<Event>,
    pub threads: HashMap<u64, String>,
    pub dropped: u64,
}

/// A thread on the CPU from `start_ns` to `end_ns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub thread: u64,
    pub start_ns: u64,
    pub end_ns: u64,
}

impl Trace {
    /// A thread's name, or its handle when the dump did not name it.
    pub fn thread_name(&self, thread: u64) -> String {
        self.threads.get(&thread).cloned().unwrap_or_else(|| format!("thread {thread:#x}"))
    }

    /// The names of the threads switched to, in order.
    pub fn switches(&self) -> Vec<String> {
        self.events.iter().filter(|e| e.kind == "switch").map(|e| self.thread_name(e.subject)).collect()
    }

    /// Who ran when: each switch starts an interval, which ends at the next switch or when its
    /// thread blocks or exits (the CPU then idles until the next switch).
    pub fn intervals(&self) -> Vec<Interval> {
        let mut intervals = Vec::new();
        let mut running: Option<(u64, u64)> = None;
        for e in &self.events {
            let ends = match e.kind.as_str() {
                "switch" => true,
                "block" | "exit" => running.is_some_and(|(thread, _)| thread == e.subject),
                _ => false,
            };
            if ends {
                if let Some((thread, start_ns)) = running.take() {
                    intervals.push(Interval { thread, start_ns, end_ns: e.time_ns });
                }
            }
            if e.kind == "switch" {
                running = Some((e.subject, e.time_ns));
            }
        }
        if let (Some((thread, start_ns)), Some(last)) = (running, self.events.last()) {
            intervals.push(Interval { thread, start_ns, end_ns: last.time_ns });
        }
        intervals
    }

    /// The threads that ran, in the order they first ran.
    pub fn rows(&self) -> Vec<u64> {
        let mut rows = Vec::new();
        for e in self.events.iter().filter(|e| e.kind == "switch") {
            if !rows.contains(&e.subject) {
                rows.push(e.subject);
            }
        }
        rows
    }
}

/// Every dump in `lines` (console output), in order; a dump without its end marker, or a line
/// inside one that does not read, is an error.
pub fn parse(lines: &[String]) -> Result<Vec<Trace>> {
    let mut traces = Vec::new();
    let mut open: Option<Trace> = None;
    for (number, line) in lines.iter().enumerate() {
        // The console may end lines with \r.
        let Some(rest) = line.trim_end().strip_prefix("trace: ") else { continue };
        let bad = || format!("console line {}: cannot read `{}`", number + 1, line.trim_end());
        let (word, rest) = rest.split_once(' ').ok_or_else(bad)?;
        match (word, open.as_mut()) {
            ("begin", None) => open = Some(Trace { name: rest.to_string(), ..Trace::default() }),
            ("event", Some(trace)) => trace.events.push(event(rest).ok_or_else(bad)?),
            ("thread", Some(trace)) => {
                let (handle, name) = rest.split_once(' ').ok_or_else(bad)?;
                trace.threads.insert(hex(handle).ok_or_else(bad)?, name.to_string());
            }
            ("end", Some(trace)) => {
                // `end <name> <n> events, <d> dropped`
                let words: Vec<&str> = rest.split_whitespace().collect();
                let [.., count, "events,", dropped, "dropped"] = words[..] else { return Err(bad()) };
                if count.parse::<usize>().ok() != Some(trace.events.len()) {
                    return Err(format!("trace `{}`: the end marker says {count} events, {} were read", trace.name, trace.events.len()));
                }
                trace.dropped = dropped.parse().map_err(|_| bad())?;
                traces.extend(open.take());
            }
            _ => return Err(bad()),
        }
    }
    match open {
        Some(trace) => Err(format!("trace `{}` has no end marker (the run stopped while printing it?)", trace.name)),
        None => Ok(traces),
    }
}

/// `<sequence> <time ns> <kind> <subject, hex> <arg>`.
fn event(text: &str) -> Option<Event> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [sequence, time_ns, kind, subject, arg] = words[..] else { return None };
    Some(Event { sequence: sequence.parse().ok()?, time_ns: time_ns.parse().ok()?, kind: kind.to_string(), subject: hex(subject)?, arg: arg.parse().ok()? })
}

fn hex(text: &str) -> Option<u64> {
    u64::from_str_radix(text.strip_prefix("0x")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn reads_a_dump_and_its_intervals() {
        let traces = parse(&lines(
            "noise\ntrace: begin demo\r\ntrace: event 0 10 switch 0x1 5\ntrace: event 1 20 syscall-enter 0x1 3\n\
             trace: event 2 30 block 0x1 0\ntrace: event 3 50 switch 0x2 5\ntrace: event 4 70 switch 0x1 5\n\
             trace: event 5 90 exit 0x1 0\ntrace: thread 0x1 a\ntrace: end demo 6 events, 0 dropped\n",
        ))
        .unwrap();
        assert_eq!(traces.len(), 1);
        let trace = &traces[0];
        assert_eq!(trace.switches(), ["a", "thread 0x2", "a"]);
        let spans: Vec<(u64, u64, u64)> = trace.intervals().iter().map(|i| (i.thread, i.start_ns, i.end_ns)).collect();
        assert_eq!(spans, [(1, 10, 30), (2, 50, 70), (1, 70, 90)]);
        assert_eq!(trace.rows(), [1, 2]);
    }

    #[test]
    fn refuses_cut_or_garbled_dumps() {
        assert!(parse(&lines("trace: begin x\ntrace: event 0 1 switch 0x1 0\n")).is_err(), "no end marker");
        assert!(parse(&lines("trace: begin x\ntrace: event 0 1 switch\ntrace: end x 1 events, 0 dropped\n")).is_err());
        assert!(parse(&lines("trace: begin x\ntrace: end x 1 events, 0 dropped\n")).is_err(), "count differs");
        assert!(parse(&lines("trace: event 0 1 switch 0x1 0\n")).is_err(), "event outside a dump");
    }
}
