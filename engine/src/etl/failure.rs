//! Why a landed file failed to load, told apart: a failure of the file itself (poison) or of the
//! machine (transient).
//!
//! Poison — bytes changed since landing, more distinct values than a load can hold, a sum that
//! overflows, a value SQLite refuses — fails the same way every time: the file is rejected at
//! once and the run goes on. A transient failure — the disk full, the database busy or locked,
//! an I/O error — says nothing about the file: it stays in landing and the run stops, since
//! the files after it would fail alike. Nothing is tried forever: each start of a file's
//! processing is counted in its note, and a file started [`MAX_ATTEMPTS`] times without
//! finishing (transient failures, or a process that died on it) is rejected at the next.

use super::EtlError;
use crate::{DbError, lake::LakeError, warehouse::LoadError};

/// Starts of a file's processing allowed before it is rejected unprocessed. Three runs ride
/// out a busy database or a disk briefly full; a file that stops every run is out of the way
/// after the third.
pub const MAX_ATTEMPTS: u32 = 3;

/// What a failure says about the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The file itself cannot load: reject it, with this reason.
    Poison(String),
    /// Something outside the file failed: try it again at the next run.
    Transient,
}

pub fn classify(err: &EtlError) -> Failure {
    let poison = || Failure::Poison(err.to_string());
    let transient = match err {
        EtlError::Lake(LakeError::Changed { .. } | LakeError::Meta { .. }) => false,
        EtlError::Lake(LakeError::Io { .. }) => true,
        EtlError::Db(DbError::Sqlx(e)) | EtlError::Sqlx(e) | EtlError::Load(LoadError::Db(e)) => {
            sqlx_transient(e)
        }
        EtlError::Load(LoadError::Direct(e)) => rusqlite_transient(e),
        EtlError::Load(LoadError::Inconsistent(_) | LoadError::TooLarge(_) | LoadError::Rollup(_)) => false,
        // Opening the database or a rebuild: nothing to do with one landed file.
        EtlError::Db(_) | EtlError::Rebuild { .. } => true,
    };
    if transient { Failure::Transient } else { poison() }
}

/// SQLite's primary result codes that say the machine failed, not the statement: BUSY,
/// LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, FULL, CANTOPEN, PROTOCOL.
const TRANSIENT_CODES: [i32; 9] = [5, 6, 7, 8, 9, 10, 13, 14, 15];

fn sqlx_transient(err: &sqlx::Error) -> bool {
    match err {
        // SQLite reports its extended code; the primary code is its low byte.
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_none_or(|code| TRANSIENT_CODES.contains(&(code & 0xff))),
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        _ => false,
    }
}

fn rusqlite_transient(err: &rusqlite::Error) -> bool {
    match err {
        rusqlite::Error::SqliteFailure(failure, _) => {
            TRANSIENT_CODES.contains(&(failure.extended_code & 0xff))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn the_files_faults_are_poison_the_machines_are_transient() {
        let changed = EtlError::Lake(LakeError::Changed { path: PathBuf::from("x") });
        assert!(matches!(classify(&changed), Failure::Poison(r) if r.contains("no longer match")));
        let too_large = EtlError::Load(LoadError::TooLarge("1,100 countries".into()));
        assert!(matches!(classify(&too_large), Failure::Poison(r) if r.contains("1,100 countries")));
        let overflow = EtlError::Load(LoadError::Rollup("an integer overflowed".into()));
        assert!(matches!(classify(&overflow), Failure::Poison(_)));
        // SQLITE_MISMATCH (a float refused by a STRICT table), SQLITE_CONSTRAINT
        assert!(matches!(classify(&EtlError::Load(LoadError::Direct(sqlite(20)))), Failure::Poison(_)));
        assert!(matches!(classify(&EtlError::Load(LoadError::Direct(sqlite(19)))), Failure::Poison(_)));

        let disk_full = EtlError::Lake(LakeError::Io {
            path: PathBuf::from("x"),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        });
        assert_eq!(classify(&disk_full), Failure::Transient);
        // SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR_WRITE (an extended code)
        for code in [5, 13, 778] {
            assert_eq!(
                classify(&EtlError::Load(LoadError::Direct(sqlite(code)))),
                Failure::Transient,
                "{code}"
            );
        }
        assert_eq!(classify(&EtlError::Sqlx(sqlx::Error::PoolTimedOut)), Failure::Transient);
    }

    #[tokio::test]
    async fn sqlx_errors_are_told_apart_by_sqlites_code() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.expect("pool");
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL) STRICT").execute(&pool).await.expect("table");
        let refused = sqlx::query("INSERT INTO t VALUES (1.5)").execute(&pool).await.expect_err("refused");
        assert!(matches!(classify(&EtlError::Sqlx(refused)), Failure::Poison(_)));
        let overflow = sqlx::query_scalar::<_, i64>(
            "SELECT SUM(n) FROM (SELECT 9223372036854775807 AS n UNION ALL SELECT 1)",
        )
        .fetch_one(&pool)
        .await
        .expect_err("overflow");
        assert!(matches!(classify(&EtlError::Sqlx(overflow)), Failure::Poison(_)));
    }
}
