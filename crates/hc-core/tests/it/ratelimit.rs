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
