//! Exports that arrive as a zip (YouTube Studio, TikTok Studio): recognising them from their
//! first bytes, and reading the files inside.

use std::{fs::File, io::Read, path::Path};

use super::FileError;

const LOCAL_HEADER: &[u8] = b"PK\x03\x04";
/// Largest member read into memory: exports inside these zips are small CSVs.
const MAX_MEMBER_BYTES: u64 = 256 * 1024 * 1024;

pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(LOCAL_HEADER)
}

/// The names of the members whose local headers lie in `head` (detection sees only the first
/// bytes of a file; the local headers of small exports all fit in them).
pub fn member_names(head: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut at = 0usize;
    while head.get(at..at + 4) == Some(LOCAL_HEADER) {
        let field = |off: usize, len: usize| head.get(at + off..at + off + len);
        let (Some(csize), Some(nlen), Some(xlen)) = (field(18, 4), field(26, 2), field(28, 2)) else { break };
        let csize = u32::from_le_bytes([csize[0], csize[1], csize[2], csize[3]]) as usize;
        let nlen = u16::from_le_bytes([nlen[0], nlen[1]]) as usize;
        let xlen = u16::from_le_bytes([xlen[0], xlen[1]]) as usize;
        let Some(name) = field(30, nlen) else { break };
        names.push(String::from_utf8_lossy(name).into_owned());
        // A streamed member (flag bit 3) has no size here: stop, the first name is what matters.
        let flags = field(6, 2).map_or(0, |f| u16::from_le_bytes([f[0], f[1]]));
        if flags & 0x08 != 0 {
            break;
        }
        at += 30 + nlen + xlen + csize;
    }
    names
}

/// A file inside a zip, read into memory.
pub struct Member {
    /// The member's name without folders.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file inside the zip (folders and hidden files skipped), in archive order.
pub fn members(path: &Path) -> Result<Vec<Member>, FileError> {
    let file = File::open(path).map_err(|e| FileError::Unreadable(format!("cannot open the zip: {e}")))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| FileError::Unreadable(format!("not a readable zip file: {e}")))?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| FileError::Unreadable(format!("cannot read member {i} of the zip: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let full = entry
            .name()
            .map_err(|e| FileError::Unreadable(format!("member {i} of the zip has an unreadable name: {e}")))?
            .into_owned();
        let name = full.rsplit(['/', '\\']).next().unwrap_or(&full).to_string();
        if name.is_empty() || name.starts_with('.') || full.starts_with("__MACOSX") {
            continue;
        }
        if entry.size() > MAX_MEMBER_BYTES {
            return Err(FileError::Refused(format!(
                "{name} inside the zip is larger than {MAX_MEMBER_BYTES} bytes"
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        (&mut entry)
            .take(MAX_MEMBER_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| FileError::Unreadable(format!("cannot unpack {name} from the zip: {e}")))?;
        out.push(Member { name, bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn make_zip(path: &Path, files: &[(&str, &[u8])]) {
        let mut w = zip::ZipWriter::new(File::create(path).expect("create"));
        for (name, bytes) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
            w.write_all(bytes).expect("write");
        }
        w.finish().expect("finish");
    }

    #[test]
    fn names_members_from_the_head_and_reads_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("export.zip");
        make_zip(
            &path,
            &[("Table data.csv", b"Date,Views\n"), ("sub/Chart data.csv", b"Date,Views\n2025-01-01,3\n")],
        );
        let head = std::fs::read(&path).expect("read");
        assert!(is_zip(&head));
        assert_eq!(member_names(&head), ["Table data.csv", "sub/Chart data.csv"]);
        let members = members(&path).expect("members");
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].name, "Chart data.csv");
        assert_eq!(members[1].bytes, b"Date,Views\n2025-01-01,3\n");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken.zip");
        std::fs::write(&path, b"PK\x03\x04garbage").expect("write");
        assert!(members(&path).is_err());
        assert!(member_names(b"PK\x03\x04\x00").is_empty());
        assert!(!is_zip(b"date,streams"));
    }
}
