//! A latency histogram with bounded memory and about 1.6 % relative error: values in
//! microseconds fall into 64 linear sub-buckets per power of two. Small enough (one per
//! session) to merge at the end; precise enough for p50/p99 of a benchmark. Written here
//! rather than taken from a crate: it is forty lines and needs none of a full HDR histogram's
//! features (resizing, serialisation, iteration by quantile).

const SUB: u32 = 64;
/// Powers of two covered: 2^40 µs is about 12 days, far beyond any request deadline.
const EXPONENTS: u32 = 40;

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    sum_us: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (SUB * EXPONENTS) as usize],
            total: 0,
            sum_us: 0,
        }
    }
}

fn index(us: u64) -> usize {
    if us < u64::from(SUB) {
        return us as usize;
    }
    // Values in [2^e, 2^(e+1)) with e ≥ 6 share 64 buckets, each 2^(e-6) wide.
    let e = 63 - us.leading_zeros();
    let shift = e - SUB.trailing_zeros();
    let bucket = (e - SUB.trailing_zeros() + 1) * SUB + ((us >> shift) as u32 - SUB);
    (bucket as usize).min((SUB * EXPONENTS) as usize - 1)
}

/// The middle of a bucket's range, in microseconds.
fn value_of(i: usize) -> f64 {
    let i = i as u32;
    if i < SUB {
        return f64::from(i);
    }
    let shift = i / SUB - 1;
    let low = u64::from(SUB + i % SUB) << shift;
    low as f64 + ((1u64 << shift) as f64 - 1.0) / 2.0
}

impl Histogram {
    pub fn record(&mut self, us: u64) {
        self.counts[index(us)] += 1;
        self.total += 1;
        self.sum_us += u128::from(us);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.sum_us += other.sum_us;
    }

    /// The exact mean in milliseconds; `None` when empty.
    pub fn mean_ms(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum_us as f64 / self.total as f64 / 1000.0)
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0–1) in milliseconds; `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(value_of(i) / 1000.0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_within_two_percent() {
        for us in [
            0u64,
            1,
            17,
            63,
            64,
            65,
            100,
            999,
            1_234,
            50_000,
            3_000_000,
            987_654_321,
        ] {
            let got = value_of(index(us));
            let err = (got - us as f64).abs() / (us as f64).max(1.0);
            assert!(err < 0.02, "{us} µs read back as {got}");
        }
    }

    #[test]
    fn quantiles_of_a_known_spread() {
        let mut h = Histogram::default();
        for us in 1..=1000u64 {
            h.record(us * 10);
        }
        let p50 = h.quantile_ms(0.5).unwrap();
        let p99 = h.quantile_ms(0.99).unwrap();
        assert!((p50 - 5.0).abs() / 5.0 < 0.02, "p50 {p50}");
        assert!((p99 - 9.9).abs() / 9.9 < 0.02, "p99 {p99}");
        let mut other = Histogram::default();
        other.record(1_000_000);
        h.merge(&other);
        assert_eq!(h.count(), 1001);
        assert!(h.quantile_ms(1.0).unwrap() > 990.0);
        assert_eq!(Histogram::default().quantile_ms(0.5), None);
    }
}
