//! A real `redis-server` (Debian's package, installed by `scripts/install-redis.sh`) started
//! for one test on a free loopback port, with no persistence, in its own temporary directory.
//! It can be killed and started again on the same port (the cluster fault tests), and is
//! killed when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One `redis-server` process of a test.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// The `redis-server` binary: `$REDIS_SERVER`, else the one on `PATH`.
fn binary() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

/// A loopback port that was free a moment ago (`redis-server` cannot report a port it chose).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl RedisServer {
    /// Starts a server and waits until it answers `PING`. The error names
    /// `scripts/install-redis.sh` when the binary is missing.
    pub fn start() -> std::io::Result<RedisServer> {
        let dir = std::env::temp_dir().join(format!(
            "unishare-redis-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        // A port taken between the probe and the bind: try a few.
        let mut last = None;
        for _ in 0..5 {
            let mut server = RedisServer {
                port: free_port()?,
                dir: dir.clone(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("redis-server did not start")))
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let port = self.port.to_string();
        let child = Command::new(binary())
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--protected-mode", "yes"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot start redis-server ({e}); run scripts/install-redis.sh"),
                )
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Err(std::io::Error::other(format!(
                        "redis-server exited at start ({status})"
                    )));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(std::io::Error::other("redis-server did not answer PING"))
    }

    /// True when the server answers `PING` now.
    pub fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        if s.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL: no shutdown, like a crash) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port, empty (it keeps nothing on disk).
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Stops answering for `pause` without closing connections (SIGSTOP, then SIGCONT): a slow
    /// or hung Redis.
    #[cfg(unix)]
    pub fn freeze_for(&self, pause: Duration) {
        if let Some(c) = self.child.as_ref() {
            let pid = c.id().to_string();
            let _ = Command::new("kill").args(["-STOP", &pid]).status();
            std::thread::sleep(pause);
            let _ = Command::new("kill").args(["-CONT", &pid]).status();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_dies_and_comes_back_on_its_port() {
        let mut r = RedisServer::start().expect("redis-server (scripts/install-redis.sh)");
        assert!(r.ping());
        let port = r.port();
        r.kill();
        assert!(!r.ping());
        r.restart().expect("restart");
        assert_eq!(r.port(), port);
        assert!(r.ping());
    }
}
