//! Multi-row INSERTs, built for speed: the loader writes a million rows in batches of a
//! thousand, so the per-value costs dominate.
//!
//! - Fewer bound values: every bound text costs SQLite a copy, an allocation and a free on its
//!   (single) writing thread, the bottleneck of a large load; a column that holds the same plain
//!   value in every row of a batch (the source, the currency, a team percentage of 100, an absent
//!   sale date…) is written once as a literal instead.
//! - The SQL text is written with `push_str`: sqlx's `QueryBuilder` formats every separator and
//!   placeholder through `fmt::write`, which was most of the loader's formatting time.

use sqlx::{Arguments, sqlite::SqliteArguments};

/// One value of a row, as bound.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null, Cell::Text)
    }
}

impl Cell {
    /// The value as an SQL literal, for values that cannot need escaping (letters, digits and a
    /// few signs); `None` for anything else, which stays bound.
    fn literal(&self) -> Option<String> {
        match self {
            Cell::Null => Some("NULL".into()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Text(s) => plain(s).then(|| format!("'{s}'")),
        }
    }
}

/// Whether a text can be written into SQL as it is (letters, digits and a few signs).
pub(super) fn plain(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || " .-_+/".contains(c))
}

/// An INSERT's text and its bound values.
pub struct Insert {
    pub sql: String,
    pub args: SqliteArguments<'static>,
    pub rows: u64,
}

/// `head` (e.g. `INSERT INTO t (a, b)`), then `rows` as VALUES, then `tail` (e.g. an `ON
/// CONFLICT` clause). A column marked in `may_be_literal` whose value is the same in every row
/// is written as a literal; the others are bound. Only mark columns that usually repeat: the SQL
/// text (and so the prepared statement sqlx caches) changes with the literal values.
pub fn insert<const N: usize>(
    head: &str,
    rows: Vec<[Cell; N]>,
    may_be_literal: [bool; N],
    tail: &str,
) -> Result<Insert, sqlx::Error> {
    let literals: Vec<Option<String>> = (0..N)
        .map(|i| {
            let first = rows.first().map(|r| &r[i])?;
            (may_be_literal[i] && rows.iter().all(|r| r[i] == *first)).then(|| first.literal()).flatten()
        })
        .collect();
    let mut sql = String::with_capacity(head.len() + tail.len() + rows.len() * (N * 3 + 4) + 8);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut args = SqliteArguments::default();
    let count = rows.len() as u64;
    for (r, row) in rows.into_iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for (i, (cell, literal)) in row.into_iter().zip(&literals).enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            match (literal, cell) {
                (Some(text), _) => {
                    sql.push_str(text);
                    continue;
                }
                (None, Cell::Null) => args.add(None::<i64>),
                (None, Cell::Int(v)) => args.add(v),
                (None, Cell::Text(s)) => args.add(s),
            }
            .map_err(sqlx::Error::Encode)?;
            sql.push('?');
        }
        sql.push(')');
    }
    sql.push_str(tail);
    Ok(Insert { sql, args, rows: count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_plain_values_become_literals_and_the_rest_is_bound() {
        let rows = vec![
            [Cell::from("USD"), Cell::Int(1), Cell::from("it's"), Cell::Null],
            [Cell::from("USD"), Cell::Int(2), Cell::from("it's"), Cell::Null],
        ];
        let built = insert("INSERT INTO t (a, b, c, d)", rows, [true, true, true, true], "").expect("insert");
        assert_eq!(built.sql, "INSERT INTO t (a, b, c, d) VALUES ('USD', ?, ?, NULL), ('USD', ?, ?, NULL)");
        assert_eq!((built.args.len(), built.rows), (4, 2));

        let rows = vec![[Cell::from("USD"), Cell::Int(7)], [Cell::from("EUR"), Cell::Int(7)]];
        let built =
            insert("INSERT INTO t (a, b)", rows, [true, false], " ON CONFLICT DO NOTHING").expect("insert");
        assert_eq!(
            built.sql, "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING",
            "differing or unmarked"
        );
    }

    /// The text and the values together store what was given.
    #[tokio::test]
    async fn the_insert_stores_the_rows() {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.expect("connect");
        sqlx::query("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)").execute(&mut conn).await.expect("table");
        let rows = vec![
            [Cell::from("x"), Cell::Int(1), Cell::from("it's")],
            [Cell::from("x"), Cell::Null, Cell::Null],
        ];
        let Insert { sql, args, .. } =
            insert("INSERT INTO t (a, b, c)", rows, [true; 3], "").expect("insert");
        sqlx::query_with(&sql, args).execute(&mut conn).await.expect("run");
        let stored: Vec<(String, Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT a, b, c FROM t ORDER BY rowid").fetch_all(&mut conn).await.expect("read");
        assert_eq!(stored, [("x".into(), Some(1), Some("it's".into())), ("x".into(), None, None)]);
    }
}
