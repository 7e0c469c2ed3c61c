//! Keeping a rotated refresh token across restarts.

use std::io::Write;
use std::path::Path;
use unishare_core::Error;

/// Replaces `path` with `secret` atomically: a sibling temporary file created `0600` (owner
/// only) and never following a link, written, synced, then renamed over `path`. The error
/// names the file, never the secret.
pub(crate) fn write_secret_file(path: &Path, secret: &str) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh-token".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let fail = |what: &str, e: std::io::Error| {
        Error::internal(format!("cannot {what} {}: {e}", path.display()))
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc_o_nofollow());
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| fail("write a new token next to", e))?;
    let written = file
        .write_all(secret.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("replace", e)
    })
}

/// `O_NOFOLLOW` (Linux and the BSDs share the flag's meaning; its value differs).
#[cfg(unix)]
fn libc_o_nofollow() -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        0o400000
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        0x0100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_owner_only() {
        let dir = std::env::temp_dir().join(format!("unishare-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("rt");
        std::fs::write(&path, "old\n").expect("write");
        write_secret_file(&path, "new-token").expect("persist");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new-token\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(&dir).expect("ls").count();
        assert_eq!(leftovers, 1, "no temporary file left");
        let e = write_secret_file(&dir.join("no/such/dir/rt"), "s3cr3t").expect_err("no dir");
        assert!(!e.message().contains("s3cr3t"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
