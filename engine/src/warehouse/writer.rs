//! The loader's connection, with room for one statement in flight.
//!
//! SQLite runs on sqlx's worker thread. Awaiting every insert left the loader idle while SQLite
//! worked and SQLite idle while the loader built the next batch, so a large file took the sum of
//! the two. A statement handed over with [`Writer::start`] runs while the loader goes on; the
//! next use of the connection ([`Writer::conn`]) first collects its result, so statements still
//! run one at a time and in order, and an error still stops the file.

use std::{future::Future, pin::Pin, task::Poll};

use sqlx::{SqliteConnection, sqlite::SqliteQueryResult};

use super::{LoadError, batch::Insert};

type Done<'c> = (&'c mut SqliteConnection, Result<SqliteQueryResult, sqlx::Error>);

/// An insert handed to SQLite's thread, and the rows it must store.
struct Inflight<'c> {
    done: Pin<Box<dyn Future<Output = Done<'c>> + Send + 'c>>,
    rows: u64,
}

pub(super) struct Writer<'c> {
    /// `None` while a statement holds it.
    conn: Option<&'c mut SqliteConnection>,
    inflight: Option<Inflight<'c>>,
}

impl<'c> Writer<'c> {
    pub(super) fn new(conn: &'c mut SqliteConnection) -> Self {
        Self { conn: Some(conn), inflight: None }
    }

    /// The connection, once the statement in flight (if any) has finished and stored what it
    /// had to.
    pub(super) async fn conn(&mut self) -> Result<&mut SqliteConnection, LoadError> {
        if let Some(Inflight { done, rows }) = self.inflight.take() {
            let (conn, result) = done.await;
            self.conn = Some(conn);
            check(result?, rows)?;
        }
        self.conn
            .as_deref_mut()
            .ok_or_else(|| LoadError::Inconsistent("the connection was not returned".into()))
    }

    /// Runs `work` with SQLite's own API on the connection (see [`super::direct`]), once the
    /// statement in flight has finished.
    pub(super) async fn direct<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T, LoadError>,
    ) -> Result<T, LoadError> {
        super::direct::with_direct(self.conn().await?, work).await
    }

    /// Waits for the statement in flight, if any, and checks it: the caller commits only after.
    pub(super) async fn finish(mut self) -> Result<(), LoadError> {
        self.conn().await.map(|_| ())
    }

    /// Hands an INSERT to SQLite's thread and returns without waiting for it. Each of its rows
    /// must be stored (inserted or, by an upsert, updated).
    pub(super) async fn start(&mut self, insert: Insert) -> Result<(), LoadError> {
        self.conn().await?;
        let conn = self.conn.take().ok_or_else(|| LoadError::Inconsistent("no connection".into()))?;
        let Insert { sql, args, rows } = insert;
        let mut done: Pin<Box<dyn Future<Output = Done<'c>> + Send + 'c>> = Box::pin(async move {
            let result = sqlx::query_with(&sql, args).execute(&mut *conn).await;
            (conn, result)
        });
        // The first poll sends the statement to SQLite's thread, which runs it to the end on
        // its own: an INSERT's single result fits in sqlx's result channel.
        match std::future::poll_fn(|cx| Poll::Ready(done.as_mut().poll(cx))).await {
            Poll::Ready((conn, result)) => {
                self.conn = Some(conn);
                check(result?, rows)
            }
            Poll::Pending => {
                self.inflight = Some(Inflight { done, rows });
                Ok(())
            }
        }
    }
}

fn check(done: SqliteQueryResult, rows: u64) -> Result<(), LoadError> {
    if done.rows_affected() == rows {
        Ok(())
    } else {
        Err(LoadError::Inconsistent(format!("{rows} rows were to be stored, {} were", done.rows_affected())))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;
    use crate::warehouse::batch::{Cell, insert};

    async fn table() -> SqliteConnection {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("connect");
        sqlx::query("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)")
            .execute(&mut conn)
            .await
            .expect("table");
        conn
    }

    fn rows(from: i64, n: i64) -> Insert {
        let rows = (from..from + n).map(|a| [Cell::Int(a), Cell::from("x")]).collect();
        insert("INSERT OR IGNORE INTO t (a, b)", rows, [false, true], "").expect("insert")
    }

    #[tokio::test]
    async fn statements_run_in_order_and_the_next_use_waits_for_them() {
        let mut conn = table().await;
        let mut db = Writer::new(&mut conn);
        db.start(rows(1, 500)).await.expect("first");
        db.start(rows(501, 500)).await.expect("second");
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(db.conn().await.expect("conn"))
            .await
            .expect("count");
        assert_eq!(n, 1000);
    }

    /// A statement that failed, or stored fewer rows than it had, stops the load at the next
    /// use of the connection.
    #[tokio::test]
    async fn a_failure_in_flight_is_reported_at_the_next_use() {
        let mut conn = table().await;
        let mut db = Writer::new(&mut conn);
        let broken =
            Insert { sql: "INSERT INTO missing (a) VALUES (1)".into(), args: Default::default(), rows: 1 };
        let first = db.start(broken).await;
        let err = match first {
            Err(err) => err,
            Ok(()) => db.conn().await.map(|_| ()).expect_err("the error comes with the next use"),
        };
        assert!(matches!(err, LoadError::Db(_)), "{err}");

        db.start(rows(1, 10)).await.expect("ten rows");
        // Five of these are already there: `OR IGNORE` skips them, which the writer notices,
        // at the latest when the load finishes.
        let short = match db.start(rows(6, 10)).await {
            Ok(()) => db.finish().await,
            Err(err) => Err(err),
        };
        assert!(matches!(short, Err(LoadError::Inconsistent(_))), "{short:?}");
    }
}
