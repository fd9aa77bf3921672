//! `--mix`: the share of reads and writes, as `reads`, `writes` or `R:W` (e.g. `9:1`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub reads: u32,
    pub writes: u32,
}

impl Default for Mix {
    /// ZooKeeper's usual shape: mostly reads.
    fn default() -> Self {
        Mix {
            reads: 9,
            writes: 1,
        }
    }
}

impl std::fmt::Display for Mix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.reads, self.writes)
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    fn from_str(s: &str) -> Result<Mix, String> {
        let bad =
            || format!("--mix {s:?}: expected reads, writes, or R:W with whole numbers (e.g. 9:1)");
        let (reads, writes) = match s.trim() {
            "reads" => (1, 0),
            "writes" => (0, 1),
            other => {
                let (r, w) = other.split_once(':').ok_or_else(bad)?;
                (
                    r.trim().parse::<u32>().map_err(|_| bad())?,
                    w.trim().parse::<u32>().map_err(|_| bad())?,
                )
            }
        };
        if reads + writes == 0 || reads > 1000 || writes > 1000 {
            return Err(format!(
                "--mix {s:?}: at least one side above 0, each at most 1000"
            ));
        }
        Ok(Mix { reads, writes })
    }
}

impl Mix {
    /// Whether request number `n` of a slot is a write: the writes spread evenly among the
    /// reads (`9:1` gives nine reads, then a write).
    pub fn is_write(&self, n: u64) -> bool {
        n % u64::from(self.reads + self.writes) >= u64::from(self.reads)
    }
}

#[cfg(test)]
mod tests {
    use super::Mix;

    #[test]
    fn parses_and_spreads() {
        let m: Mix = "3:1".parse().unwrap();
        let writes = (0..400).filter(|n| m.is_write(*n)).count();
        assert_eq!(writes, 100);
        assert!(!"reads".parse::<Mix>().unwrap().is_write(5));
        assert!("writes".parse::<Mix>().unwrap().is_write(5));
        for bad in ["", "1", "a:b", "0:0", "1:-1", "2000:1"] {
            assert!(bad.parse::<Mix>().is_err(), "{bad}");
        }
    }
}
