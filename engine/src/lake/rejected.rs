//! Files that leave landing without loading: the count of attempts kept in a landed file's
//! note, and the `rejected/YYYY-MM-DD/` zone where a file rejected whole is moved with its note.
//!
//! A rejected file must leave landing, or every later run would meet it again; it is kept
//! rather than deleted because its bytes may be all there is of it (a pull, an upload whose
//! sender kept no copy), and an admin may want to see what was wrong with it.

use std::{
    fs,
    path::{Component, Path, PathBuf},
};

use chrono::Utc;

use super::{Lake, LakeError, Landed, io_err, meta_path, write_meta};

const ZONE: &str = "rejected";

impl Lake {
    /// Counts a start of `landed`'s processing in its note and returns the count. The note is
    /// written, not flushed: a process that dies keeps what it wrote in the page cache, and
    /// only a crash of the machine can lose an attempt (it is then tried once more).
    pub fn begin_attempt(&self, landed: &mut Landed) -> Result<u32, LakeError> {
        landed.meta.attempts = landed.meta.attempts.saturating_add(1);
        write_meta(&landed.path, &landed.meta)?;
        Ok(landed.meta.attempts)
    }

    /// Notes why an attempt failed, for the next run and for whoever looks at landing.
    pub fn note_failure(&self, landed: &mut Landed, failure: &str) -> Result<(), LakeError> {
        landed.meta.failure = Some(failure.to_string());
        write_meta(&landed.path, &landed.meta)
    }

    /// Moves a landed file and its note (which then says why) into `rejected/<today>/`, and
    /// returns its new place relative to the lake's root, as [`Lake::rejected_file`] takes it.
    pub fn reject(&self, landed: &Landed, reason: &str) -> Result<String, LakeError> {
        let day = Utc::now().format("%Y-%m-%d").to_string();
        let dir = self.root.join(ZONE).join(&day);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let name = landed.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let target = dir.join(&name);
        fs::rename(&landed.path, &target).map_err(io_err(&target))?;
        let note = meta_path(&landed.path);
        if note.is_file() {
            let _ = fs::remove_file(&note);
        }
        let mut meta = landed.meta.clone();
        meta.failure = Some(reason.to_string());
        write_meta(&target, &meta)?;
        Ok(format!("{ZONE}/{day}/{name}"))
    }

    /// The file at `relative` (as [`Lake::reject`] returned it), if it is still there. A place
    /// that would lead out of the rejected zone is refused: the value comes from the database.
    pub fn rejected_file(&self, relative: &str) -> Option<PathBuf> {
        let relative = Path::new(relative);
        let mut parts = relative.components();
        if parts.next() != Some(Component::Normal(ZONE.as_ref())) {
            return None;
        }
        if !parts.all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let path = self.root.join(relative);
        path.is_file().then_some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::LandingMeta;

    #[test]
    fn a_rejected_file_leaves_landing_with_its_note_and_can_be_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path()).expect("lake");
        let src = dir.path().join("bad.tsv");
        fs::write(&src, b"bytes").expect("write");
        let (mut landed, flush) = lake
            .land(&src, LandingMeta { original_name: "bad.tsv".into(), ..LandingMeta::default() })
            .expect("land");
        flush.wait().expect("flush");
        assert_eq!(lake.begin_attempt(&mut landed).expect("attempt"), 1);
        assert_eq!(lake.waiting().expect("waiting")[0].meta.attempts, 1, "the count is in the note");

        let place = lake.reject(&landed, "too many distinct values").expect("reject");
        assert!(lake.waiting().expect("waiting").is_empty());
        let path = lake.rejected_file(&place).expect("found");
        assert_eq!(fs::read(&path).expect("read"), b"bytes");
        let note: LandingMeta =
            serde_json::from_slice(&fs::read(meta_path(&path)).expect("note")).expect("json");
        assert_eq!(note.failure.as_deref(), Some("too many distinct values"));
        assert_eq!(note.original_name, "bad.tsv");

        assert_eq!(lake.rejected_file("rejected/../../soundcheck.db"), None);
        assert_eq!(lake.rejected_file("raw/ab/abcdef"), None);
        assert_eq!(lake.rejected_file("/etc/passwd"), None);
    }
}
