//! Exports that arrive as a zip (YouTube Studio, TikTok Studio, and XLSX workbooks): recognising
//! them from their first bytes, and reading the files inside without trusting the sizes they
//! claim (see [`ZipLimits`]; the zip reader itself refuses a member that inflates past its
//! declared size, see [`read_error`]).

use std::{
    fs::File,
    io::{self, Read, Seek},
    path::Path,
};

use super::FileError;

const LOCAL_HEADER: &[u8] = b"PK\x03\x04";

/// What a zip may hold before anything in it is inflated. A zip bomb is small on disk and huge
/// once inflated: its central directory is checked first (member count, total declared size,
/// each member's compression ratio), and each member's real size while it is read, since the
/// declared sizes are the bomb's own word.
#[derive(Clone, Copy, Debug)]
pub struct ZipLimits {
    pub max_members: usize,
    pub max_member_bytes: u64,
    pub max_total_bytes: u64,
    /// Inflated size over compressed size, for members past [`RATIO_FLOOR`] bytes.
    pub max_ratio: u64,
}

/// Studio exports hold a few CSVs of at most a few MB (a channel's videos, a year of days);
/// they are read into memory, so the total stays well below the import's 150 MB budget. CSV
/// and XML deflate some 5–20 to 1 and rarely past 100; deflate's own ceiling, where bombs
/// sit, is about 1,030.
pub const EXPORT_LIMITS: ZipLimits =
    ZipLimits { max_members: 100, max_member_bytes: 64 << 20, max_total_bytes: 64 << 20, max_ratio: 200 };

/// Below this inflated size a member's ratio does not matter: it cannot hurt.
const RATIO_FLOOR: u64 = 1 << 20;

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

/// Checks what a zip's central directory says against `limits`, before anything is inflated.
pub fn check_directory<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    limits: &ZipLimits,
) -> Result<(), FileError> {
    if archive.len() > limits.max_members {
        return Err(FileError::Refused(format!(
            "the zip holds {} files, more than the {} an export may hold",
            archive.len(),
            limits.max_members
        )));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| FileError::Unreadable(format!("cannot read member {i} of the zip: {e}")))?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("member {i}"));
        if size > limits.max_member_bytes {
            return Err(FileError::Refused(format!(
                "{name} inside the zip inflates to {size} bytes, more than the {} allowed",
                limits.max_member_bytes
            )));
        }
        if size > RATIO_FLOOR && size / packed.max(1) > limits.max_ratio {
            return Err(FileError::Refused(format!(
                "{name} inside the zip inflates {}-fold ({packed} bytes to {size}), more than the {}-fold \
                 of any real export: a zip bomb?",
                size / packed.max(1),
                limits.max_ratio
            )));
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_total_bytes {
        return Err(FileError::Refused(format!(
            "the zip inflates to {total} bytes in all, more than the {} allowed",
            limits.max_total_bytes
        )));
    }
    Ok(())
}

/// A read error of member `name`, as the reason to refuse its file. The zip reader stops a
/// member once it inflates past its declared size (the limits were checked on the declared
/// sizes, and a member cut at them would be silently short): that is named as what it is.
pub fn read_error(name: &str, declared: u64, err: io::Error) -> FileError {
    if err.kind() == io::ErrorKind::InvalidData && err.to_string().contains("larger than its declared") {
        return FileError::Refused(format!(
            "{name} inside the zip inflates to more than the {declared} bytes it declares (a damaged file or a \
             zip bomb)"
        ));
    }
    FileError::Unreadable(format!("cannot unpack {name} from the zip: {err}"))
}

/// Every file inside the zip (folders and hidden files skipped), in archive order.
pub fn members(path: &Path) -> Result<Vec<Member>, FileError> {
    let file = File::open(path).map_err(|e| FileError::Unreadable(format!("cannot open the zip: {e}")))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| FileError::Unreadable(format!("not a readable zip file: {e}")))?;
    check_directory(&mut archive, &EXPORT_LIMITS)?;
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
        let declared = entry.size();
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        entry.read_to_end(&mut bytes).map_err(|e| read_error(&name, declared, e))?;
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
