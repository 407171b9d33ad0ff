//! Files on disk: what a request path names under the server's root, a response
//! body read in chunks as the stream makes room, and where a client stores a download.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

const CHUNK: usize = 64 * 1024;

/// The file `request_path` names under `root`; `..`, `.` and roots in the path are
/// dropped, so a request never leaves `root`.
pub fn resolve(root: &Path, request_path: &str) -> PathBuf {
    let path = request_path.split(['?', '#']).next().unwrap_or("");
    let mut resolved = root.to_path_buf();
    for component in Path::new(path).components() {
        if let Component::Normal(part) = component {
            resolved.push(part);
        }
    }
    resolved
}

/// The name a download is stored under: the last segment of the URL path.
pub fn download_name(request_path: &str) -> String {
    let path = request_path.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('/').next() {
        Some(name) if !name.is_empty() && name != "." && name != ".." => name.to_string(),
        _ => "index.html".to_string(),
    }
}

/// What a stream did with the bytes it was offered.
pub enum Sent {
    /// This many bytes were taken (possibly fewer than offered).
    Bytes(usize),
    /// The stream has no room now: try again when it is writable.
    Blocked,
    /// The stream is gone (reset, stopped, connection closing).
    Gone,
}

/// A file being sent on one stream, a chunk at a time.
pub struct Body {
    file: File,
    size: u64,
    sent: u64,
    chunk: Vec<u8>,
    offset: usize,
}

/// Where a body stands after [`Body::pump`].
#[derive(PartialEq, Eq, Debug)]
pub enum Progress {
    /// Bytes (or the FIN) remain to be sent.
    Pending,
    /// Every byte and the FIN went out.
    Done,
    /// The stream went away before the end.
    Abandoned,
}

impl Body {
    pub fn open(path: &Path) -> io::Result<Body> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not a regular file",
            ));
        }
        Ok(Body {
            file,
            size: metadata.len(),
            sent: 0,
            chunk: Vec::new(),
            offset: 0,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Offers the rest of the file to `send(bytes, fin)` until it is all sent or the
    /// stream has no more room.
    pub fn pump(&mut self, mut send: impl FnMut(&[u8], bool) -> Sent) -> io::Result<Progress> {
        loop {
            if self.offset == self.chunk.len() && self.sent < self.size {
                self.chunk.resize(CHUNK, 0);
                let read = self.file.read(&mut self.chunk)?;
                if read == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file got shorter",
                    ));
                }
                self.chunk.truncate(read);
                self.offset = 0;
            }
            let pending = &self.chunk[self.offset..];
            let fin = self.sent + pending.len() as u64 == self.size;
            match send(pending, fin) {
                Sent::Bytes(written) => {
                    self.offset += written;
                    self.sent += written as u64;
                    if written == pending.len() && fin {
                        return Ok(Progress::Done);
                    }
                    if written < pending.len() {
                        return Ok(Progress::Pending);
                    }
                }
                Sent::Blocked => return Ok(Progress::Pending),
                Sent::Gone => return Ok(Progress::Abandoned),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_stay_under_the_root() {
        let root = Path::new("/www");
        assert_eq!(resolve(root, "/a/b.bin"), Path::new("/www/a/b.bin"));
        assert_eq!(
            resolve(root, "/../../etc/passwd"),
            Path::new("/www/etc/passwd")
        );
        assert_eq!(resolve(root, "/x.bin?q=1"), Path::new("/www/x.bin"));
    }

    #[test]
    fn download_names() {
        assert_eq!(download_name("/dir/file.bin"), "file.bin");
        assert_eq!(download_name("/"), "index.html");
        assert_eq!(download_name("/f?x=1"), "f");
    }

    #[test]
    fn a_body_goes_out_in_pieces_with_one_fin() {
        let dir = std::env::temp_dir().join(format!("panther-quiche-body-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let mut body = Body::open(&path).unwrap();
        let mut received = Vec::new();
        let mut fins = 0;
        let mut rounds = 0;
        loop {
            rounds += 1;
            // A stream that takes at most 10 000 bytes per round.
            let mut room = 10_000usize;
            let progress = body
                .pump(|bytes, fin| {
                    if room == 0 {
                        return Sent::Blocked;
                    }
                    let taken = bytes.len().min(room);
                    room -= taken;
                    received.extend_from_slice(&bytes[..taken]);
                    if fin && taken == bytes.len() {
                        fins += 1;
                    }
                    Sent::Bytes(taken)
                })
                .unwrap();
            if progress == Progress::Done {
                break;
            }
        }
        assert_eq!(received, content);
        assert_eq!(fins, 1);
        assert!(rounds >= 20);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_file_is_just_a_fin() {
        let dir = std::env::temp_dir().join(format!("panther-quiche-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty");
        std::fs::write(&path, b"").unwrap();
        let mut body = Body::open(&path).unwrap();
        let mut calls = Vec::new();
        let progress = body.pump(|bytes, fin| {
            calls.push((bytes.len(), fin));
            Sent::Bytes(bytes.len())
        });
        assert_eq!(progress.unwrap(), Progress::Done);
        assert_eq!(calls, vec![(0, true)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
