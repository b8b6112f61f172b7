//! Token buckets on the backend under test.

use chrono::Duration;
use hc_core::ratelimit::authorize;
use hc_test::TestDb;

#[test]
fn six_a_minute_then_one_more_every_ten_seconds() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let now = hc_core::time::now();
    let minute = Duration::minutes(1);
    for i in 0..6 {
        assert!(
            authorize(conn, "po-user", 6, minute, now).unwrap(),
            "use {i}"
        );
    }
    assert!(!authorize(conn, "po-user", 6, minute, now).unwrap());
    // Other keys have buckets of their own.
    assert!(authorize(conn, "po-other", 6, minute, now).unwrap());
    // Ten seconds refill one use of six a minute.
    let later = now + Duration::seconds(10);
    assert!(authorize(conn, "po-user", 6, minute, later).unwrap());
    assert!(!authorize(conn, "po-user", 6, minute, later).unwrap());
}

/// Daemons sending at once to a destination nobody has written to yet all race
/// to create its bucket: exactly six of them win, and none fails.
#[test]
fn concurrent_first_uses_share_one_new_bucket() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let now = hc_core::time::now();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let outcomes: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (pool, barrier) = (pool.clone(), barrier.clone());
                s.spawn(move || {
                    let conn = &mut pool.get().unwrap();
                    barrier.wait();
                    authorize(conn, "po-new", 6, Duration::minutes(1), now)
                        .expect("a race for a new bucket is not an error")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 6, "{outcomes:?}");
}
