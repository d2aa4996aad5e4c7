//! The rollups' groups summed on a thread of their own.

use super::{BY_TRACK, Groups, LoadError, Prepared, ROLLUPS, TRACK_SHARDS};

/// The groups of a load's rollups, summed on a thread of their own: adding a million lines to
/// maps of hundreds of thousands of groups is a sixth of a large import's work, which this way
/// runs beside the loader's instead of after it.
pub(super) struct Summing {
    /// Prepared lines to add (a few batches ahead at most).
    pub(super) lines: std::sync::mpsc::SyncSender<Vec<Prepared>>,
    /// Emptied buffers, to fill again.
    pub(super) spare: std::sync::mpsc::Receiver<Vec<Prepared>>,
    /// A rollup's groups taken out because all held too many, to write out now.
    pub(super) full: std::sync::mpsc::Receiver<(usize, Groups)>,
    pub(super) thread: std::thread::JoinHandle<Result<[Groups; ROLLUPS.len()], LoadError>>,
}

impl Summing {
    pub(super) fn start(max_groups: usize) -> Result<Self, LoadError> {
        let (lines, to_sum) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(2);
        let (give_back, spare) = std::sync::mpsc::sync_channel(2);
        let (send_full, full) = std::sync::mpsc::channel();
        let work = move || {
            let mut groups: [Groups; ROLLUPS.len()] = Default::default();
            for mut batch in to_sum {
                for line in &batch {
                    for ((groups, key), by_track) in groups.iter_mut().zip(line.keys).zip(BY_TRACK) {
                        let part = if by_track { line.track as usize % TRACK_SHARDS } else { 0 };
                        groups
                            .add(part, key, &line.sums)
                            .ok_or_else(|| LoadError::Rollup("an integer overflowed".into()))?;
                    }
                }
                batch.clear();
                let _ = give_back.try_send(batch);
                // Bounds the memory of a file whose lines rarely share a group.
                while groups.iter().map(Groups::len).sum::<usize>() >= max_groups {
                    let largest = (0..groups.len()).max_by_key(|&i| groups[i].len()).unwrap_or(0);
                    if send_full.send((largest, std::mem::take(&mut groups[largest]))).is_err() {
                        break;
                    }
                }
            }
            Ok(groups)
        };
        let thread = std::thread::Builder::new()
            .name("rollups".into())
            .spawn(work)
            .map_err(|err| LoadError::Rollup(format!("no thread could be started: {err}")))?;
        Ok(Self { lines, spare, full, thread })
    }

    /// Why a thread that no longer takes lines stopped.
    pub(super) fn stopped(self) -> LoadError {
        match self.thread.join() {
            Ok(Err(err)) => err,
            Ok(Ok(_)) => Self::lost(),
            Err(_) => LoadError::Rollup("its thread panicked".into()),
        }
    }

    pub(super) fn lost() -> LoadError {
        LoadError::Rollup("its thread stopped".into())
    }
}
