//! A network of the test's own: the launcher thread moves into a new network namespace, whose
//! only interface is loopback, and brings loopback up (katas 11 and 12 serve on 127.0.0.1).
//! Needs CAP_SYS_ADMIN in the current user namespace (root, or after `user_namespace::enter`).
//! Loopback is raised with one rtnetlink message through nix's sockets: no netlink crate.

/// Moves the calling thread into a new network namespace with loopback up.
#[cfg(target_os = "linux")]
pub fn isolate_thread() -> Result<(), String> {
    use nix::sched::{CloneFlags, unshare};
    unshare(CloneFlags::CLONE_NEWNET).map_err(|e| format!("no network namespace: {e}"))?;
    loopback_up().map_err(|e| format!("a network namespace, but loopback stayed down: {e}"))
}

#[cfg(not(target_os = "linux"))]
pub fn isolate_thread() -> Result<(), String> {
    Err("network namespaces need Linux".into())
}

/// rtnetlink: RTM_NEWLINK on interface 1 (loopback in a new namespace) setting IFF_UP, acked.
#[cfg(target_os = "linux")]
fn loopback_up() -> Result<(), String> {
    use std::os::fd::AsRawFd;

    use nix::sys::socket::{
        AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket,
    };

    let fd =
        socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute)
            .map_err(|e| format!("netlink socket: {e}"))?;
    let message = set_link_up(1, 1);
    sendto(fd.as_raw_fd(), &message, &NetlinkAddr::new(0, 0), MsgFlags::empty())
        .map_err(|e| format!("netlink send: {e}"))?;
    let mut reply = [0u8; 256];
    let n = recv(fd.as_raw_fd(), &mut reply, MsgFlags::empty()).map_err(|e| format!("netlink reply: {e}"))?;
    match ack_error(&reply[..n]) {
        Some(0) => Ok(()),
        Some(errno) => Err(nix::errno::Errno::from_raw(-errno).to_string()),
        None => Err(format!("an unexpected netlink reply of type {}", u16_at(&reply, 4))),
    }
}

/// An RTM_NEWLINK request setting IFF_UP on interface `index`, asking for an acknowledgement.
#[cfg(target_os = "linux")]
fn set_link_up(index: i32, seq: u32) -> Vec<u8> {
    use nix::libc;
    let mut m = Vec::with_capacity(32);
    m.extend_from_slice(&32u32.to_ne_bytes()); // nlmsghdr: length,
    m.extend_from_slice(&libc::RTM_NEWLINK.to_ne_bytes()); // type,
    m.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16).to_ne_bytes()); // flags,
    m.extend_from_slice(&seq.to_ne_bytes()); // sequence,
    m.extend_from_slice(&0u32.to_ne_bytes()); // port (the kernel fills it in);
    m.extend_from_slice(&[libc::AF_UNSPEC as u8, 0]); // ifinfomsg: family, padding,
    m.extend_from_slice(&0u16.to_ne_bytes()); // device type,
    m.extend_from_slice(&index.to_ne_bytes()); // interface index,
    m.extend_from_slice(&(libc::IFF_UP as u32).to_ne_bytes()); // flags,
    m.extend_from_slice(&(libc::IFF_UP as u32).to_ne_bytes()); // and which flags change.
    m
}

/// The error code of an NLMSG_ERROR reply (0: acknowledged), `None` for any other reply.
#[cfg(target_os = "linux")]
fn ack_error(reply: &[u8]) -> Option<i32> {
    (reply.len() >= 20 && u16_at(reply, 4) == nix::libc::NLMSG_ERROR as u16)
        .then(|| i32::from_ne_bytes(reply[16..20].try_into().expect("4 bytes")))
}

#[cfg(target_os = "linux")]
fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_one_header_and_one_ifinfomsg() {
        let m = set_link_up(1, 7);
        assert_eq!(m.len(), 32);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 32);
        assert_eq!(i32::from_ne_bytes(m[20..24].try_into().unwrap()), 1);
        assert_eq!(u32::from_ne_bytes(m[24..28].try_into().unwrap()), 1, "IFF_UP");
    }

    #[test]
    fn an_ack_is_an_error_message_with_code_zero() {
        let mut ack = vec![0u8; 36];
        ack[4..6].copy_from_slice(&(nix::libc::NLMSG_ERROR as u16).to_ne_bytes());
        assert_eq!(ack_error(&ack), Some(0));
        ack[16..20].copy_from_slice(&(-1i32).to_ne_bytes());
        assert_eq!(ack_error(&ack), Some(-1));
        assert_eq!(ack_error(&[0u8; 8]), None);
    }
}
