//! Multi-row INSERTs with fewer bound values. Every bound text costs SQLite a copy, an
//! allocation and a free on its (single) writing thread, which is the bottleneck of a large
//! load; a column that holds the same plain value in every row of a batch (the source, the
//! currency, a team percentage of 100, an absent sale date…) is written once as a literal instead.

use sqlx::{QueryBuilder, Sqlite};

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
    /// The value as an SQL literal, for values that cannot need escaping beyond doubled quotes
    /// (letters, digits and a few signs); `None` for anything else, which stays bound.
    fn literal(&self) -> Option<String> {
        match self {
            Cell::Null => Some("NULL".into()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Text(s) if s.chars().all(|c| c.is_ascii_alphanumeric() || " .-_+/".contains(c)) => {
                Some(format!("'{s}'"))
            }
            Cell::Text(_) => None,
        }
    }
}

/// Pushes `rows` as the VALUES of an INSERT. A column marked in `may_be_literal` whose value is
/// the same in every row is written as a literal; the others are bound. Only mark columns that
/// usually repeat: the SQL text (and so the prepared statement sqlx caches) changes with the
/// literal values.
pub fn push_rows<const N: usize>(
    qb: &mut QueryBuilder<'_, Sqlite>,
    rows: Vec<[Cell; N]>,
    may_be_literal: [bool; N],
) {
    let literals: Vec<Option<String>> = (0..N)
        .map(|i| {
            let first = rows.first().map(|r| &r[i])?;
            (may_be_literal[i] && rows.iter().all(|r| r[i] == *first)).then(|| first.literal()).flatten()
        })
        .collect();
    qb.push_values(rows, |mut b, row| {
        for (cell, literal) in row.into_iter().zip(&literals) {
            match (literal, cell) {
                (Some(sql), _) => {
                    b.push(sql);
                }
                (None, Cell::Null) => {
                    b.push_bind(None::<i64>);
                }
                (None, Cell::Int(v)) => {
                    b.push_bind(v);
                }
                (None, Cell::Text(s)) => {
                    b.push_bind(s);
                }
            }
        }
    });
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
        let mut qb = QueryBuilder::<Sqlite>::new("INSERT INTO t (a, b, c, d) ");
        push_rows(&mut qb, rows, [true, true, true, true]);
        assert_eq!(qb.sql(), "INSERT INTO t (a, b, c, d) VALUES ('USD', ?, ?, NULL), ('USD', ?, ?, NULL)");

        let rows = vec![[Cell::from("USD"), Cell::Int(7)], [Cell::from("EUR"), Cell::Int(7)]];
        let mut qb = QueryBuilder::<Sqlite>::new("INSERT INTO t (a, b) ");
        push_rows(&mut qb, rows, [true, false]);
        assert_eq!(qb.sql(), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)", "differing or unmarked");
    }
}
