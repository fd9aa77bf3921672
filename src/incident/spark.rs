//! Sparklines as text: one character per column, ▁ to █ from 0 to the series' maximum.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One column of a sparkline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// Nothing recorded for this column (the console was not running).
    Missing,
    /// Recorded, but the member did not answer.
    Silent,
    Value(f64),
}

/// The line for `cells`, scaled from 0 to the largest value (0 → ▁): ` ` for a column with
/// nothing recorded, `·` for a silent member. Returns the line and the largest value.
pub fn sparkline(cells: &[Cell]) -> (String, Option<f64>) {
    let max = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Value(v) if v.is_finite() => Some(v.max(0.0)),
            _ => None,
        })
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let line = cells
        .iter()
        .map(|c| match c {
            Cell::Missing => ' ',
            Cell::Silent => '·',
            Cell::Value(v) => match max {
                Some(m) if m > 0.0 && v.is_finite() => {
                    let i = ((v.max(0.0) / m) * (BARS.len() - 1) as f64).round() as usize;
                    BARS[i.min(BARS.len() - 1)]
                }
                _ => BARS[0],
            },
        })
        .collect();
    (line, max)
}

/// Puts timed values into `columns` equal slices of `[from, to]` (milliseconds), keeping the
/// worst of each: a value beats silence, silence beats nothing recorded, the larger value
/// wins.
pub fn bucket(points: &[(u64, Cell)], from: u64, to: u64, columns: usize) -> Vec<Cell> {
    let mut out = vec![Cell::Missing; columns];
    if columns == 0 || to <= from {
        return out;
    }
    let span = to - from;
    for (at, c) in points {
        if *at < from || *at > to {
            continue;
        }
        let i = (((at - from) as u128 * columns as u128) / (span as u128 + 1)) as usize;
        let slot = &mut out[i.min(columns - 1)];
        *slot = match (*slot, *c) {
            (Cell::Value(a), Cell::Value(b)) => Cell::Value(a.max(b)),
            (Cell::Value(a), _) | (_, Cell::Value(a)) => Cell::Value(a),
            (Cell::Silent, _) | (_, Cell::Silent) => Cell::Silent,
            _ => Cell::Missing,
        };
    }
    out
}
