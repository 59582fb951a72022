//! Keep-alive latency: the server sets TCP_NODELAY on every connection it
//! accepts (#18). Without it a gzip reply written in two parts waits ~40 ms
//! for the client's delayed ACK. How long a reply takes is shown by the
//! benchmark's latency table (crane-bench, docs/performance.md), not asserted
//! here: this test checks the mechanism, the socket option itself.
//!
//! The server runs in this process (tests/common), so its side of a
//! connection is one of this process's file descriptors: the test finds it
//! by its two addresses and reads TCP_NODELAY from it.

mod common;
use common::TestApp;
use std::mem::ManuallyDrop;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, RawFd};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// TCP_NODELAY of the socket of this process whose local address is `local`
/// and peer address is `peer`; None when there is no such socket.
fn nodelay_of(local: SocketAddr, peer: SocketAddr) -> Option<bool> {
    for entry in std::fs::read_dir("/proc/self/fd").ok()? {
        let entry = entry.ok()?;
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|t| t.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is only borrowed, never closed (ManuallyDrop);
        // if it was closed or reused in the meantime, the calls below fail or
        // give addresses that do not match.
        let sock = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(fd) });
        if sock.local_addr().ok() == Some(local) && sock.peer_addr().ok() == Some(peer) {
            return sock.nodelay().ok();
        }
    }
    None
}

#[tokio::test]
async fn accepted_connections_have_tcp_nodelay() {
    let app = TestApp::spawn().await;
    let server: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("a socket address");
    let mut conn = tokio::net::TcpStream::connect(server).await.unwrap();
    let client = conn.local_addr().unwrap();
    // What a browser asks for first: the page, compressed, kept alive.
    conn.write_all(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\r\n",
    )
    .await
    .unwrap();
    // Read up to the end of the headers: the connection was accepted and served.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-encoding: gzip"),
        "the page is sent compressed (the case that waited for the ACK): {head}"
    );

    assert_eq!(
        nodelay_of(server, client),
        Some(true),
        "the server's side of the connection has TCP_NODELAY"
    );
    // The client's own side is found the same way (the lookup itself works),
    // and has the operating system's default: Nagle on.
    assert_eq!(nodelay_of(client, server), Some(false));
}
