//! SQLite's own API, through rusqlite, on the loader's sqlx connection and inside its
//! transaction: for the statements a large file runs hundreds of thousands of times.
//!
//! sqlx runs every statement on a worker thread and binds each value through its own argument
//! buffer, which on a million-line statement cost more than SQLite's work itself: the lines'
//! values were encoded on the loader's thread, copied to the worker, bound again and then
//! cleared one by one (a fifth of the worker's time went to `sqlite3_clear_bindings` and its
//! unbinding alone). A prepared single-row INSERT stepped here binds each value once, and a
//! column that repeats from row to row not at all (SQLite keeps a statement's values between
//! executions).
//!
//! This is the workspace's only unsafe code: rusqlite is handed the raw handle of the connection
//! sqlx opened, for the span of one closure.

use sqlx::SqliteConnection;

use super::LoadError;

/// Runs `work` with rusqlite on `conn`'s database handle, in whatever transaction `conn` has
/// open. The closure runs on the calling thread: keep each call short (one batch).
pub(super) async fn with_direct<T>(
    conn: &mut SqliteConnection,
    work: impl FnOnce(&rusqlite::Connection) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    // While the guard lives, sqlx's worker thread waits for it and touches nothing.
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle();
    // SAFETY: `raw` is the open handle of `conn`, whose worker is blocked on `handle` until the
    // guard drops at the end of this function. The rusqlite connection is a non-owning wrapper
    // (`from_handle`: dropping it finalizes the statements it prepared and never closes the
    // handle), it is created and dropped inside this function, and `work` cannot keep it or
    // anything borrowed from it: its result `T` is chosen before the borrow exists. The handle is
    // used from one thread at a time: this one, while the guard is held.
    #[allow(unsafe_code)]
    let direct = unsafe { rusqlite::Connection::from_handle(raw.as_ptr()) }?;
    let result = work(&direct);
    drop(direct);
    drop(handle);
    result
}

/// A value bound to a statement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    /// Integers stored as one blob of their big-endian bytes (made when bound: a copy of all of
    /// them at once would be a second copy of the largest thing a load holds at its end).
    BigEndian(&'a [u64]),
}

impl Value<'_> {
    fn bind(self, stmt: &mut rusqlite::Statement<'_>, param: usize) -> rusqlite::Result<()> {
        match self {
            Value::Int(v) => stmt.raw_bind_parameter(param, v),
            Value::Text(v) => stmt.raw_bind_parameter(param, v),
            Value::BigEndian(v) => {
                let bytes: Vec<u8> = v.iter().flat_map(|n| n.to_be_bytes()).collect();
                stmt.raw_bind_parameter(param, bytes)
            }
        }
    }
}

/// Rows per multi-row INSERT of [`insert_rows`]: the statement's fixed costs (opening the table,
/// resetting) are shared by this many. 500 rather than 100: the 1M-line import's median went
/// from 5.3 to 4.9 s (6 runs of each, alternated); larger chunks of statement lines (200 rather
/// than 50, see `line_insert`) were no faster.
const ROWS_PER_INSERT: usize = 500;

/// `head` (e.g. `INSERT INTO t (a, b)`), then `rows` as VALUES, then `tail` (e.g. an `ON
/// CONFLICT` clause), by statements of [`ROWS_PER_INSERT`] rows. Every row must be stored
/// (inserted, or updated by an upsert): the count of rows stored is checked.
pub(super) fn insert_rows<'a, const N: usize>(
    conn: &rusqlite::Connection,
    head: &str,
    tail: &str,
    rows: impl IntoIterator<Item = [Value<'a>; N]>,
) -> Result<u64, LoadError> {
    let sql = |n: usize| {
        let row = format!("({})", vec!["?"; N].join(", "));
        format!("{head} VALUES {}{tail}", vec![row; n].join(", "))
    };
    let mut full: Option<rusqlite::Statement<'_>> = None;
    // What the full statement holds bound from its last execution: a parameter whose value is
    // the same again is not bound again (SQLite keeps a statement's values between executions).
    // Rows come sorted by key, so the row at the same place of the next chunk often repeats the
    // source, currency or month; a text bound again is copied by SQLite, a malloc and a free.
    let mut full_bound: Vec<Value<'a>> = Vec::new();
    let mut chunk: Vec<[Value<'a>; N]> = Vec::with_capacity(ROWS_PER_INSERT);
    let mut stored = 0u64;
    let mut run =
        |stmt: &mut rusqlite::Statement<'_>, bound: &mut Vec<Value<'a>>, chunk: &mut Vec<[Value<'a>; N]>| {
            for (i, value) in chunk.iter().flatten().enumerate() {
                match bound.get_mut(i) {
                    Some(held) if held == value => continue,
                    Some(held) => *held = *value,
                    None => bound.push(*value),
                }
                value.bind(stmt, i + 1)?;
            }
            let done = stmt.raw_execute()?;
            if done != chunk.len() {
                return Err(LoadError::Inconsistent(format!(
                    "{} rows were to be stored, {done} were",
                    chunk.len()
                )));
            }
            stored += done as u64;
            chunk.clear();
            Ok(())
        };
    for row in rows {
        chunk.push(row);
        if chunk.len() == ROWS_PER_INSERT {
            let stmt = match &mut full {
                Some(stmt) => stmt,
                None => full.insert(conn.prepare(&sql(ROWS_PER_INSERT))?),
            };
            run(stmt, &mut full_bound, &mut chunk)?;
        }
    }
    if !chunk.is_empty() {
        run(&mut conn.prepare(&sql(chunk.len()))?, &mut Vec::new(), &mut chunk)?;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, Row};

    use super::*;

    /// Rows written directly belong to sqlx's transaction: a rollback takes them away, a commit
    /// keeps them, and sqlx goes on using the connection afterwards.
    #[tokio::test]
    async fn direct_writes_join_the_transaction_sqlx_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut conn = SqliteConnection::connect(&url).await.expect("connect");
        sqlx::query("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)")
            .execute(&mut conn)
            .await
            .expect("table");

        let insert = |conn: &rusqlite::Connection, from: i64| -> Result<usize, LoadError> {
            let mut stmt = conn.prepare("INSERT INTO t (a, b) VALUES (?1, ?2)")?;
            stmt.raw_bind_parameter(2, "x")?;
            let mut stored = 0;
            for a in from..from + 3 {
                stmt.raw_bind_parameter(1, a)?;
                stored += stmt.raw_execute()?;
            }
            Ok(stored)
        };

        let mut tx = conn.begin().await.expect("begin");
        assert_eq!(with_direct(&mut tx, |c| insert(c, 1)).await.expect("insert"), 3);
        tx.rollback().await.expect("rollback");
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut conn).await.expect("n");
        assert_eq!(n, 0, "rolled back with the transaction");

        let mut tx = conn.begin().await.expect("begin");
        with_direct(&mut tx, |c| insert(c, 10)).await.expect("insert");
        sqlx::query("INSERT INTO t (a, b) VALUES (20, 'sqlx')").execute(&mut *tx).await.expect("sqlx");
        tx.commit().await.expect("commit");
        let rows = sqlx::query("SELECT a FROM t ORDER BY a").fetch_all(&mut conn).await.expect("rows");
        let stored: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(stored, [10, 11, 12, 20]);
    }

    /// A connection to a fresh in-memory database holding table `t` with `columns`.
    async fn memory_table(columns: &str) -> SqliteConnection {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("connect");
        sqlx::query(&format!("CREATE TABLE t ({columns})")).execute(&mut conn).await.expect("table");
        conn
    }

    /// Full statements and the last, shorter one together store every row, in order; a row
    /// the table refuses to store fails the call.
    #[tokio::test]
    async fn rows_go_in_by_chunks_and_each_must_be_stored() {
        let mut conn = memory_table("a INTEGER PRIMARY KEY, b TEXT NOT NULL").await;
        let total = 2 * ROWS_PER_INSERT + 250;
        let names: Vec<String> = (0..total).map(|i| format!("row {i}")).collect();
        let rows = names.iter().enumerate().map(|(i, n)| [Value::Int(i as i64), Value::Text(n)]);
        let stored = with_direct(&mut conn, |c| insert_rows(c, "INSERT INTO t (a, b)", "", rows))
            .await
            .expect("insert");
        assert_eq!(stored, total as u64);
        let back: Vec<(i64, String)> =
            sqlx::query_as("SELECT a, b FROM t ORDER BY a").fetch_all(&mut conn).await.expect("read");
        assert_eq!(back.len(), total);
        assert!(back.iter().all(|(a, b)| *b == format!("row {a}")));

        let again = [[Value::Int(300), Value::Text("new")], [Value::Int(3), Value::Text("taken")]];
        let err = with_direct(&mut conn, |c| insert_rows(c, "INSERT OR IGNORE INTO t (a, b)", "", again))
            .await
            .expect_err("row 3 is not stored");
        assert!(matches!(err, LoadError::Inconsistent(_)), "{err}");
    }

    /// Values repeated at the same place of successive chunks are bound once and stay bound;
    /// every row still reads back with its own values, repeated or not.
    #[tokio::test]
    async fn values_held_from_the_chunk_before_are_the_rows_own() {
        let mut conn = memory_table("a INTEGER PRIMARY KEY, b TEXT NOT NULL, c INTEGER NOT NULL").await;
        // `b` repeats with the chunk's length, so it is the same at each place of every chunk
        // but in the last rows; `c` changes from chunk to chunk at some places only.
        let total = 3 * ROWS_PER_INSERT + 7;
        let texts = ["EUR", "USD", "JPY"];
        let b = |i: usize| if i < 3 * ROWS_PER_INSERT { texts[i % ROWS_PER_INSERT % 3] } else { "GBP" };
        let c = |i: usize| if i.is_multiple_of(7) { i as i64 } else { (i % ROWS_PER_INSERT) as i64 };
        let rows = (0..total).map(|i| [Value::Int(i as i64), Value::Text(b(i)), Value::Int(c(i))]);
        let stored = with_direct(&mut conn, |conn| insert_rows(conn, "INSERT INTO t (a, b, c)", "", rows))
            .await
            .expect("insert");
        assert_eq!(stored, total as u64);
        let back: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT a, b, c FROM t ORDER BY a").fetch_all(&mut conn).await.expect("read");
        let want: Vec<(i64, String, i64)> = (0..total).map(|i| (i as i64, b(i).to_string(), c(i))).collect();
        assert_eq!(back, want);
    }

    /// An error inside the closure comes back as a load error and leaves the connection usable.
    #[tokio::test]
    async fn a_failed_statement_is_an_error_and_the_connection_goes_on() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("connect");
        let err = with_direct(&mut conn, |c| Ok(c.execute("INSERT INTO missing VALUES (1)", [])?))
            .await
            .expect_err("no such table");
        assert!(err.to_string().contains("no such table"), "{err}");
        let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("still usable");
        assert_eq!(one, 1);
    }
}
