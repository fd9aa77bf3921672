//! What parsing a full `mntr` reply costs in allocations and what its figures keep: a fleet
//! parses a thousand of these a second and keeps one per member. Counted by a wrapper around
//! the system allocator, per thread (so the test harness's other threads do not count).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use zkconsole::probe::parse::{parse_mntr, Reply};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(allocations: usize, bytes: isize) {
    ALLOCATIONS.with(|a| a.set(a.get() + allocations));
    LIVE_BYTES.with(|b| b.set(b.get() + bytes));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(1, layout.size() as isize);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(0, -(layout.size() as isize));
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(1, new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counters() -> (usize, isize) {
    (ALLOCATIONS.with(Cell::get), LIVE_BYTES.with(Cell::get))
}

const MNTR_LEADER: &str = include_str!("fixtures/mntr_leader.txt");

#[test]
fn a_full_mntr_reply_parses_in_a_few_allocations_and_keeps_a_few_kilobytes() {
    let lines = MNTR_LEADER.lines().count();
    assert!(lines > 500, "the 3.8 leader's reply has {lines} lines");
    let (allocs_before, bytes_before) = counters();
    let parsed = parse_mntr(MNTR_LEADER).expect("a real reply parses");
    let (allocs_after, bytes_after) = counters();
    let Reply::Ok(metrics) = parsed else {
        panic!("a real reply is figures")
    };
    assert_eq!(metrics.len(), lines);
    // One for the figures' slots, two for each of the three text figures; a map keyed by
    // name needed two per line (the name, its share of the tree's nodes), over a thousand.
    let allocations = allocs_after - allocs_before;
    assert!(
        allocations <= 10,
        "{allocations} allocations for {lines} lines"
    );
    // 16 bytes a slot; the map needed ~100 bytes a figure (over 50 KB).
    let kept = bytes_after - bytes_before;
    assert!(kept <= 12 * 1024, "{kept} bytes kept for {lines} figures");
    drop(metrics);
}
