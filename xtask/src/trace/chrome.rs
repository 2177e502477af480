//! A trace as Chrome trace-event JSON, which ui.perfetto.dev (and chrome://tracing) opens: one
//! process for the run, a track "CPU 0" with a slice per running interval named after its
//! thread, one track per thread with the same slices ("running") and its other events as
//! instants (wakes, blocks, system calls, interrupts, hypercalls, VM entries and exits,
//! decision-set picks, exits). Timestamps are microseconds with ns precision.

use super::dump::Trace;

/// The JSON text of `trace`.
pub fn render(trace: &Trace) -> String {
    let rows = trace.rows();
    // Track 0 is the CPU; thread tracks follow in the order they first ran, then the rest.
    let mut tracks = rows.clone();
    for e in &trace.events {
        if e.subject != 0 && !tracks.contains(&e.subject) && !e.kind.starts_with("txn-") {
            tracks.push(e.subject);
        }
    }
    let tid = |thread: u64| tracks.iter().position(|&t| t == thread).map_or(0, |i| i + 1);
    let mut out: Vec<String> = Vec::new();
    out.push(format!(r#"{{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{{"name":"wells {}"}}}}"#, escape(&trace.name)));
    out.push(r#"{"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"CPU 0"}}"#.to_string());
    for (i, &thread) in tracks.iter().enumerate() {
        out.push(format!(r#"{{"name":"thread_name","ph":"M","pid":1,"tid":{},"args":{{"name":"{}"}}}}"#, i + 1, escape(&trace.thread_name(thread))));
        out.push(format!(r#"{{"name":"thread_sort_index","ph":"M","pid":1,"tid":{},"args":{{"sort_index":{}}}}}"#, i + 1, i + 1));
    }
    for interval in trace.intervals() {
        let (ts, dur) = (micros(interval.start_ns), micros(interval.end_ns - interval.start_ns));
        let name = escape(&trace.thread_name(interval.thread));
        out.push(format!(r#"{{"name":"{name}","ph":"X","pid":1,"tid":0,"ts":{ts},"dur":{dur}}}"#));
        out.push(format!(r#"{{"name":"running","ph":"X","pid":1,"tid":{},"ts":{ts},"dur":{dur}}}"#, tid(interval.thread)));
    }
    for e in trace.events.iter().filter(|e| e.kind != "switch") {
        // Transactions and whole-kernel events (set loads) go on the CPU track.
        let track = if e.kind.starts_with("txn-") { 0 } else { tid(e.subject) };
        out.push(format!(
            r#"{{"name":"{} {}","ph":"i","s":"t","pid":1,"tid":{track},"ts":{},"args":{{"subject":"{:#x}","arg":{},"sequence":{}}}}}"#,
            e.kind,
            e.arg,
            micros(e.time_ns),
            e.subject,
            e.arg,
            e.sequence
        ));
    }
    format!("{{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{}\n]}}\n", out.join(",\n"))
}

/// Nanoseconds as microseconds, exactly (three decimals).
fn micros(ns: u64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

/// A string for inside JSON quotes.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::dump::parse;
    use super::*;

    #[test]
    fn renders_slices_instants_and_names() {
        let lines: Vec<String> = "trace: begin demo\ntrace: event 0 1500 switch 0x7 5\ntrace: event 1 2500 wake 0x8 9\n\
             trace: event 2 4000 switch 0x8 9\ntrace: thread 0x7 a\"b\ntrace: end demo 3 events, 0 dropped"
            .lines()
            .map(str::to_string)
            .collect();
        let json = render(&parse(&lines).unwrap()[0]);
        assert!(json.contains(r#""args":{"name":"a\"b"}"#), "{json}");
        assert!(json.contains(r#"{"name":"a\"b","ph":"X","pid":1,"tid":0,"ts":1.500,"dur":2.500}"#), "{json}");
        assert!(json.contains(r#"{"name":"running","ph":"X","pid":1,"tid":1,"ts":1.500,"dur":2.500}"#), "{json}");
        assert!(json.contains(r#""name":"wake 9","ph":"i","s":"t","pid":1,"tid":2,"ts":2.500"#), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let events = parsed["traceEvents"].as_array().expect("traceEvents");
        let phases: Vec<&str> = events.iter().filter_map(|e| e["ph"].as_str()).collect();
        assert_eq!(phases.iter().filter(|&&p| p == "X").count(), 4, "two intervals, each on the CPU and on its thread");
        assert_eq!(phases.iter().filter(|&&p| p == "i").count(), 1);
        assert_eq!(phases.len(), events.len(), "every event has a phase");
    }
}
