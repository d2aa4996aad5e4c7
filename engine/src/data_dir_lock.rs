//! One process at a time writes a data directory. The server holds this lock while it runs;
//! commands that must not run beside it (restore) take it or say who holds it. The lock is the
//! operating system's (`flock`), so it ends with its process, however that process ends.

use std::{
    fs::{File, OpenOptions, TryLockError},
    io::{Read as _, Seek as _, SeekFrom, Write as _},
    path::{Path, PathBuf},
};

pub const LOCK_FILE: &str = "soundcheck.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("another Soundcheck process ({holder}) is using the data directory {dir}: stop it first")]
    Held { dir: PathBuf, holder: String },
}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock at once, or says which process holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Self, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "unknown process".to_string(),
                    text => text.to_string(),
                };
                return Err(LockError::Held { dir: data_dir.to_path_buf(), holder });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        // Who holds it, for the message another process shows.
        let who =
            format!("pid {}, {}", std::process::id(), std::env::args().take(2).collect::<Vec<_>>().join(" "));
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(who.as_bytes()))
            .map_err(io)?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DataDirLock::try_acquire(dir.path()).expect("first");
        let err = DataDirLock::try_acquire(dir.path()).expect_err("held");
        assert!(
            matches!(&err, LockError::Held { holder, .. } if holder.contains(&format!("pid {}", std::process::id()))),
            "{err}"
        );
        drop(first);
        DataDirLock::try_acquire(dir.path()).expect("free again");
    }
}
