//! The timeline PNG: one row per thread (in the order they first ran), time to the right (the
//! whole run, or a window of it), a bar wherever the thread held the CPU, a tick above the bar
//! where it was woken; the rows and the time axis labelled with the small font of `font.rs`. Drawn with plotters' bitmap
//! backend into a buffer (no system font needed), written with the png crate.

use std::path::Path;

use plotters::prelude::*;

use super::dump::Trace;
use super::font;
use crate::Result;

const WIDTH: i32 = 1200;
const ROW: i32 = 30;
const TOP: i32 = 12;
const AXIS: i32 = 40;
const RIGHT: i32 = 110;
/// Screen pixels per font pixel.
const SCALE: i32 = 3;
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// Draws `trace`'s timeline into the PNG file `path`: the whole run, or only `window` (from, to
/// in ns of the kernel's clock).
pub fn draw(trace: &Trace, path: &Path, window: Option<(u64, u64)>) -> Result<()> {
    let rows = trace.rows();
    let (Some(first), Some(last)) = (trace.events.first(), trace.events.last()) else {
        return Err(format!("trace `{}` holds no events", trace.name));
    };
    if rows.is_empty() {
        return Err(format!("trace `{}` holds no switch", trace.name));
    }
    let (from, to) = window.unwrap_or((first.time_ns, last.time_ns));
    if to <= from {
        return Err(format!("the window {from}..{to} ns is empty"));
    }
    let names: Vec<String> = rows.iter().map(|&t| trace.thread_name(t)).collect();
    let label = names.iter().map(|n| n.chars().count() as i32).max().unwrap_or(0) * font::ADVANCE * SCALE + 20;
    let height = TOP + rows.len() as i32 * ROW + AXIS;
    let (t0, span) = (from, to - from);
    let plot = WIDTH - label - RIGHT;
    let x = |t: u64| label + ((t.clamp(from, to) - t0) as f64 / span as f64 * plot as f64) as i32;
    let row_top = |row: usize| TOP + row as i32 * ROW;

    let mut pixels = vec![0u8; WIDTH as usize * height as usize * 3];
    let area = BitMapBackend::with_buffer(&mut pixels, (WIDTH as u32, height as u32)).into_drawing_area();
    let failed = |e: DrawingAreaErrorKind<_>| format!("drawing {}: {e}", path.display());
    area.fill(&WHITE).map_err(failed)?;
    for (row, name) in names.iter().enumerate() {
        if row % 2 == 1 {
            area.draw(&Rectangle::new([(0, row_top(row)), (WIDTH, row_top(row) + ROW)], RGBColor(242, 242, 242).filled())).map_err(failed)?;
        }
        text(&area, name, 8, row_top(row) + (ROW - font::HEIGHT * SCALE) / 2).map_err(failed)?;
    }
    let row_of = |thread: u64| rows.iter().position(|&t| t == thread);
    for interval in trace.intervals() {
        let Some(row) = row_of(interval.thread) else { continue };
        if interval.end_ns < from || interval.start_ns > to {
            continue;
        }
        let (left, right) = (x(interval.start_ns), x(interval.end_ns));
        let bar = [(left, row_top(row) + 6), (right.max(left + 1), row_top(row) + ROW - 4)];
        area.draw(&Rectangle::new(bar, PALETTE[row % PALETTE.len()].filled())).map_err(failed)?;
    }
    for e in trace.events.iter().filter(|e| e.kind == "wake" && (from..=to).contains(&e.time_ns)) {
        let Some(row) = row_of(e.subject) else { continue };
        area.draw(&PathElement::new(vec![(x(e.time_ns), row_top(row) + 1), (x(e.time_ns), row_top(row) + 5)], BLACK)).map_err(failed)?;
    }
    // The time axis: the kernel's clock, ticks at the multiples of a round step, labelled.
    let axis = row_top(rows.len()) + 4;
    area.draw(&PathElement::new(vec![(label, axis), (label + plot, axis)], BLACK)).map_err(failed)?;
    let step = round_step(span / 6);
    let mut t = from.div_ceil(step) * step;
    while t <= to {
        let at = x(t);
        area.draw(&PathElement::new(vec![(at, axis), (at, axis + 5)], BLACK)).map_err(failed)?;
        text(&area, &duration(t, step), at - 4, axis + 10).map_err(failed)?;
        t += step;
    }
    area.present().map_err(failed)?;
    drop(area);
    write_png(path, WIDTH as u32, height as u32, &pixels)
}

/// Writes 8-bit RGB `pixels` (rows top to bottom) as the PNG file `path`.
fn write_png(path: &Path, width: u32, height: u32, pixels: &[u8]) -> Result<()> {
    let failed = |e: &dyn std::fmt::Display| format!("writing {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| failed(&e))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().map_err(|e| failed(&e))?;
    writer.write_image_data(pixels).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))
}

/// Writes `text` with its top left corner at (`x`, `y`).
fn text<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, text: &str, x: i32, y: i32) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (px, py) in font::pixels(text) {
        let (left, top) = (x + px * SCALE, y + py * SCALE);
        area.draw(&Rectangle::new([(left, top), (left + SCALE - 1, top + SCALE - 1)], BLACK.filled()))?;
    }
    Ok(())
}

/// The smallest 1, 2 or 5 times a power of ten that is at least `ns` (at least 1).
fn round_step(ns: u64) -> u64 {
    let mut power = 1;
    loop {
        for m in [1, 2, 5] {
            if m * power >= ns {
                return m * power;
            }
        }
        power *= 10;
    }
}

/// `t` in the unit of `step`: ns, us, ms or s (a step of 1, 2 or 5 times a power of ten
/// is a whole number of its unit).
fn duration(t: u64, step: u64) -> String {
    let (unit, per) = match step {
        s if s >= 1_000_000_000 => ("S", 1_000_000_000),
        s if s >= 1_000_000 => ("MS", 1_000_000),
        s if s >= 1_000 => ("US", 1_000),
        _ => ("NS", 1),
    };
    format!("{}{unit}", t / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_labels_are_round() {
        assert_eq!(round_step(0), 1);
        assert_eq!(round_step(3), 5);
        assert_eq!(round_step(1_200_000), 2_000_000);
        assert_eq!(duration(4_000_000, 2_000_000), "4MS");
        assert_eq!(duration(250, 50), "250NS");
        assert_eq!(duration(3_000, 1_000), "3US");
        assert_eq!(duration(4_000_000_000, 1_000_000_000), "4S");
    }
}
