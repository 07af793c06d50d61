//! Atomic replacement of a file: the new content goes to a temporary file in the same
//! directory (so the rename cannot cross file systems), is flushed to disk, takes the
//! original's permissions, and is renamed over it. A reader sees the old file or the new
//! one, never half of either; a failure leaves the original untouched.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Replaces the file at `path` with `contents`. A symbolic link is followed: the file it
/// points to is replaced and the link stays.
pub fn replace(path: &Path, contents: &[u8]) -> Result<(), String> {
    let target = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let meta = std::fs::metadata(&target).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp, mut file) = create_temp(dir, &file_name)?;
    let written = (|| {
        file.write_all(contents)?;
        file.set_permissions(meta.permissions())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.to_string());
    }
    // The rename itself is durable once the directory is flushed (best effort: not every
    // platform lets a directory be opened for it).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new, exclusive temporary file next to the target (`.NAME.protoguard-fix.PID.N`).
fn create_temp(dir: &Path, name: &str) -> Result<(PathBuf, std::fs::File), String> {
    let pid = std::process::id();
    for n in 0..100 {
        let tmp = dir.join(format!(".{name}.protoguard-fix.{pid}.{n}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "cannot create a temporary file in {}: {e}",
                    dir.display()
                ))
            }
        }
    }
    Err(format!(
        "cannot create a temporary file in {}: too many left over",
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_keeps_permissions_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("a.proto");
        std::fs::write(&real, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
            let link = dir.path().join("link.proto");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            replace(&link, b"new").unwrap();
            assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
            let mode = std::fs::metadata(&real).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        #[cfg(not(unix))]
        replace(&real, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), if cfg!(unix) { 2 } else { 1 });
    }
}
