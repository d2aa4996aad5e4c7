//! The rollups' groups summed on a thread of their own.

use super::{BY_TRACK, Groups, IntOrder, LoadError, Prepared, ROLLUPS, Sums, TRACK_SHARDS, sorted};

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
    /// What to do once the last lines are added.
    pub(super) finish: std::sync::mpsc::SyncSender<Finish>,
    pub(super) thread: std::thread::JoinHandle<Result<(), LoadError>>,
}

/// The end of a load: each rollup's groups are sorted in `order` and sent to `sorted`, one
/// rollup at a time; after the first, each is sorted once `next` says the one before was taken.
/// Sorted groups take about the memory of their maps, and the import's peak is here: one rollup
/// is sorted while the one before is written, never more.
pub(super) struct Finish {
    pub(super) order: std::sync::Arc<IntOrder>,
    pub(super) sorted: tokio::sync::mpsc::Sender<(usize, Vec<(u128, Sums)>)>,
    pub(super) next: std::sync::mpsc::Receiver<()>,
}

impl Summing {
    pub(super) fn start(max_groups: usize) -> Result<Self, LoadError> {
        let (lines, to_sum) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(2);
        let (give_back, spare) = std::sync::mpsc::sync_channel(2);
        let (send_full, full) = std::sync::mpsc::channel();
        let (finish, finishing) = std::sync::mpsc::sync_channel::<Finish>(1);
        let work = move || {
            let mut groups: [Groups; ROLLUPS.len()] = Default::default();
            for mut batch in to_sum {
                // One rollup at a time over the batch: its groups stay in the processor's cache
                // for the whole pass, and the lookups of successive lines, independent of each
                // other, wait for memory together rather than one after the other.
                for (rollup, (groups, by_track)) in groups.iter_mut().zip(BY_TRACK).enumerate() {
                    for line in &batch {
                        let part = if by_track { line.track as usize % TRACK_SHARDS } else { 0 };
                        let key = line.keys.get(rollup).copied().unwrap_or_default();
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
            // No finish: the load stopped, and its groups are not needed.
            let Ok(Finish { order, sorted: out, next }) = finishing.recv() else { return Ok(()) };
            let mut taken = true;
            for (rollup, held) in groups.into_iter().enumerate() {
                if held.len() == 0 {
                    continue;
                }
                if !taken && next.recv().is_err() {
                    break;
                }
                if out.blocking_send((rollup, sorted(rollup, held, &order))).is_err() {
                    break;
                }
                taken = false;
            }
            Ok(())
        };
        let thread = std::thread::Builder::new()
            .name("rollups".into())
            .spawn(work)
            .map_err(|err| LoadError::Rollup(format!("no thread could be started: {err}")))?;
        Ok(Self { lines, spare, full, finish, thread })
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
