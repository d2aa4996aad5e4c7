//! Runs of statement lines by track (migration 0013): the loader stores a file's lines in chunks
//! sorted by track, so one track's lines are a few ranges of ids. "One track in one store by
//! territory" reads those ranges instead of a rollup as big as the lines.

use sqlx::SqliteConnection;

use super::{LoadError, batch::insert, writer::Writer};

pub const TABLE: &str = "statement_line_runs";

/// Runs per INSERT (three bound values each).
const INSERT_ROWS: usize = 1000;

/// The runs of the lines one load stores, in the order their ids are given out.
#[derive(Debug, Default)]
pub struct Runs {
    /// (track id, first line id, last line id).
    runs: Vec<(i64, i64, i64)>,
}

impl Runs {
    /// Line `id` of `track_id`, ids given in increasing order.
    pub fn add(&mut self, track_id: i64, id: i64) {
        match self.runs.last_mut() {
            Some((track, _, last)) if *track == track_id && *last + 1 == id => *last = id,
            _ => self.runs.push((track_id, id, id)),
        }
    }

    /// Writes the runs, in primary-key order.
    pub(super) async fn write(mut self, db: &mut Writer<'_>) -> Result<(), LoadError> {
        self.runs.sort_unstable();
        for chunk in self.runs.chunks(INSERT_ROWS) {
            let rows =
                chunk.iter().map(|&(track, first, last)| [track.into(), first.into(), last.into()]).collect();
            db.start(insert(
                &format!("INSERT INTO {TABLE} (track_id, first_id, last_id)"),
                rows,
                [false; 3],
                "",
            )?)
            .await?;
        }
        Ok(())
    }
}

/// Adds the runs of the lines with an id above `after`, as they lie (a database whose lines
/// were stored before the runs existed): consecutive lines of one file with the same track. The
/// difference of the two row numbers is constant along such a stretch.
pub async fn add_lines_after(conn: &mut SqliteConnection, after: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO {TABLE} (track_id, first_id, last_id) \
         SELECT track_id, MIN(id), MAX(id) FROM ( \
             SELECT id, raw_file_id, track_id, ROW_NUMBER() OVER (ORDER BY id) \
                 - ROW_NUMBER() OVER (PARTITION BY raw_file_id, track_id ORDER BY id) AS stretch \
             FROM statement_lines WHERE id > ?1) \
         WHERE track_id IS NOT NULL GROUP BY raw_file_id, track_id, stretch"
    ))
    .bind(after)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_ids_of_one_track_make_one_run() {
        let mut runs = Runs::default();
        for (track, id) in [(1, 10), (1, 11), (2, 12), (2, 13), (2, 14), (1, 15), (1, 17)] {
            runs.add(track, id);
        }
        assert_eq!(runs.runs, [(1, 10, 11), (2, 12, 14), (1, 15, 15), (1, 17, 17)]);
    }

    /// The loader's runs and the ones found in the stored lines agree.
    #[tokio::test]
    async fn runs_from_stored_lines_are_the_stretches_of_one_track_in_one_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("t.db")).await.expect("open");
        let mut conn = db.pool().acquire().await.expect("conn");
        sqlx::query(
            "INSERT INTO raw_files (id, sha256, size_bytes, original_name, received_at, status) \
             VALUES (1, 'a', 1, 'a', 'now', 'loaded'), (2, 'b', 1, 'b', 'now', 'loaded')",
        )
        .execute(&mut *conn)
        .await
        .expect("files");
        sqlx::query("INSERT INTO stores (id, name) VALUES (1, 'Spotify')")
            .execute(&mut *conn)
            .await
            .expect("store");
        sqlx::query("INSERT INTO tracks (id, isrc, title) VALUES (1, 'A', 'a'), (2, 'B', 'b')")
            .execute(&mut *conn)
            .await
            .expect("tracks");
        // File 1: ids 1-5, tracks 1 1 2 1 none; file 2: ids 6-7, tracks 1 1 (not joined to
        // file 1's last run of track 1).
        let lines = [
            (1, 1, Some(1)),
            (2, 1, Some(1)),
            (3, 1, Some(2)),
            (4, 1, Some(1)),
            (5, 1, None),
            (6, 2, Some(1)),
            (7, 2, Some(1)),
        ];
        let mut expected = Runs::default();
        for (id, file, track) in lines {
            sqlx::query(
                "INSERT INTO statement_lines (id, source, raw_file_id, line, reporting_date, sale_month, store_id, \
                 track_id, quantity, currency) VALUES (?, 'distrokid', ?, ?, 20250301, 202501, 1, ?, 1, 'USD')",
            )
            .bind(id)
            .bind(file)
            .bind(id)
            .bind(track)
            .execute(&mut *conn)
            .await
            .expect("line");
            if let Some(track) = track {
                // The loader starts a new run list per file.
                if id == 6 {
                    expected.runs.push((track, id, id));
                } else {
                    expected.add(track, id);
                }
            }
        }
        add_lines_after(&mut conn, 0).await.expect("runs");
        let stored: Vec<(i64, i64, i64)> =
            sqlx::query_as(&format!("SELECT track_id, first_id, last_id FROM {TABLE} ORDER BY 1, 2"))
                .fetch_all(&mut *conn)
                .await
                .expect("read");
        expected.runs.sort_unstable();
        assert_eq!(stored, expected.runs);
        assert_eq!(stored, [(1, 1, 2), (1, 4, 4), (1, 6, 7), (2, 3, 3)]);
    }
}
