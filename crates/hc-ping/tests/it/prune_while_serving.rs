//! The prune commands run beside a busy receiver: every ping is still answered and
//! stored, and pruning still keeps exactly what it should.

use diesel::prelude::*;
use futures_util::future::join_all;
use hc_core::prune::bulk::{self, Mode};
use hc_core::schema::{checks, pings};

use crate::support::App;

#[actix_web::test]
async fn prunepings_beside_the_receiver_loses_nothing() {
    let app = App::start(&[]);
    let targets: Vec<_> = (0..5).map(|_| app.check(|_| {})).collect();
    // History to prune: 300 pings per check, as if imported.
    for check in &targets {
        let url = app.url(&format!("/ping/{}", check.code));
        let replies = join_all((0..300).map(|_| app.client.get(&url).send())).await;
        assert!(replies
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)));
    }
    // Prune with a small keep while 500 more pings arrive.
    let pool = app.pool.clone();
    let pruner = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        bulk::prune_pings(&mut conn, Some(10), Mode::Delete, &mut |_| {}).unwrap()
    });
    let urls: Vec<String> = targets
        .iter()
        .map(|c| app.url(&format!("/ping/{}", c.code)))
        .collect();
    let replies = join_all((0..500).map(|i| {
        app.client
            .post(&urls[i % urls.len()])
            .body(format!("late {i}"))
            .send()
    }))
    .await;
    let pruned = pruner.await.unwrap();
    assert!(pruned > 0);
    assert!(
        replies
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)),
        "every ping answered 2xx"
    );

    let conn = &mut app.conn();
    for check in &targets {
        let n_pings: i64 = checks::table
            .find(check.id)
            .select(checks::n_pings)
            .first(conn)
            .unwrap();
        assert_eq!(n_pings, 400);
        // What is left is the newest pings, without gaps: the prune removed only the
        // oldest ones, whatever arrived while it ran.
        let left: Vec<Option<i64>> = pings::table
            .filter(pings::check_id.eq(check.id))
            .order(pings::n)
            .select(pings::n)
            .load(conn)
            .unwrap();
        let left: Vec<i64> = left.into_iter().flatten().collect();
        assert!(left.len() >= 10, "{left:?}");
        assert_eq!(left.last(), Some(&400));
        assert!(
            left.windows(2).all(|w| w[1] == w[0] + 1),
            "contiguous: {left:?}"
        );
    }
}
