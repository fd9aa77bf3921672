//! Majority-quorum arithmetic over voter counts.

/// Votes needed to commit; 0 for an empty ensemble, which has no quorum to speak of.
pub fn quorum_size(voters: usize) -> usize {
    if voters == 0 {
        0
    } else {
        voters / 2 + 1
    }
}

/// Voter failures survivable when every voter is up.
pub fn tolerance(voters: usize) -> usize {
    voters.saturating_sub(1) / 2
}

/// Further voter failures survivable given how many voters are live now; `None` once the
/// quorum is already lost.
pub fn tolerance_now(voters: usize, live_voters: usize) -> Option<usize> {
    live_voters.checked_sub(quorum_size(voters))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_table() {
        let table = [
            (1, 1, 0),
            (2, 2, 0),
            (3, 2, 1),
            (4, 3, 1),
            (5, 3, 2),
            (6, 4, 2),
            (7, 4, 3),
        ];
        for (voters, quorum, tolerated) in table {
            assert_eq!(quorum_size(voters), quorum, "quorum of {voters}");
            assert_eq!(tolerance(voters), tolerated, "tolerance of {voters}");
            assert_eq!(tolerance_now(voters, voters), Some(tolerated));
        }
        assert_eq!((quorum_size(0), tolerance(0)), (0, 0));
    }

    #[test]
    fn tolerance_now_tracks_live_voters() {
        // The trap from the facts file: 3 voters grow to 4 with the new one not running.
        assert_eq!(tolerance_now(4, 3), Some(0));
        assert_eq!(tolerance_now(5, 4), Some(1));
        assert_eq!(tolerance_now(3, 1), None);
        assert_eq!(tolerance_now(2, 1), None);
    }
}
