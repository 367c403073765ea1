//! Socket addresses as the probe captures them: a user `struct sockaddr` (connect,
//! bind, sendto, sendmsg) and the kernel's view of a socket ([`crate::abi::Sock`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::abi::Sock;

/// `AF_UNIX`: unix domain sockets.
pub const AF_UNIX: u16 = 1;
/// `AF_INET`: IPv4.
pub const AF_INET: u16 = 2;
/// `AF_INET6`: IPv6.
pub const AF_INET6: u16 = 10;

/// A user `struct sockaddr`, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    /// An IPv4 or IPv6 address and port.
    Inet(IpAddr, u16),
    /// A unix socket's path.
    Unix(String),
    /// Another family; holds its number.
    Other(u16),
}

/// Parses a user `sockaddr` (the bytes the probe copied, at most 128).
pub fn parse_sockaddr(b: &[u8]) -> Option<SockAddr> {
    let family = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    match family {
        AF_INET => {
            let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
            let ip = Ipv4Addr::new(*b.get(4)?, *b.get(5)?, *b.get(6)?, *b.get(7)?);
            Some(SockAddr::Inet(IpAddr::V4(ip), port))
        }
        AF_INET6 => {
            let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
            let mut a = [0u8; 16];
            a.copy_from_slice(b.get(8..24)?);
            Some(SockAddr::Inet(unmap(Ipv6Addr::from(a)), port))
        }
        AF_UNIX => {
            let path = b.get(2..).unwrap_or(&[]);
            // An abstract socket starts with NUL; libsinsp shows it with an '@'.
            let (abs, path) = match path.split_first() {
                Some((0, rest)) => (true, rest),
                _ => (false, path),
            };
            let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
            let s = String::from_utf8_lossy(path.get(..end).unwrap_or(&[]));
            Some(SockAddr::Unix(if abs {
                format!("@{s}")
            } else {
                s.into_owned()
            }))
        }
        f => Some(SockAddr::Other(f)),
    }
}

/// IPv4-mapped IPv6 addresses are shown as IPv4, as libsinsp does.
pub fn unmap(a: Ipv6Addr) -> IpAddr {
    match a.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(a),
    }
}

/// The local and remote endpoints of a kernel socket: `(local ip, local port, remote
/// ip, remote port)`, or `None` when it is not an IP socket.
pub fn sock_endpoints(s: &Sock) -> Option<(IpAddr, u16, IpAddr, u16)> {
    let rport = u16::from_be(s.dport);
    match s.family {
        AF_INET => {
            let l = Ipv4Addr::new(s.saddr[0], s.saddr[1], s.saddr[2], s.saddr[3]);
            let r = Ipv4Addr::new(s.daddr[0], s.daddr[1], s.daddr[2], s.daddr[3]);
            Some((IpAddr::V4(l), s.sport, IpAddr::V4(r), rport))
        }
        AF_INET6 => Some((
            unmap(Ipv6Addr::from(s.saddr)),
            s.sport,
            unmap(Ipv6Addr::from(s.daddr)),
            rport,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inet_inet6_unix() {
        let v4 = [2, 0, 0x1f, 0x90, 10, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_sockaddr(&v4),
            Some(SockAddr::Inet("10.0.0.7".parse().expect("ip"), 8080))
        );
        let mut v6 = vec![10u8, 0, 0, 22, 0, 0, 0, 0];
        v6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        v6.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            parse_sockaddr(&v6),
            Some(SockAddr::Inet("::1".parse().expect("ip"), 22))
        );
        let mut mapped = vec![10u8, 0, 0, 80, 0, 0, 0, 0];
        mapped.extend_from_slice(&Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped().octets());
        assert_eq!(
            parse_sockaddr(&mapped),
            Some(SockAddr::Inet("1.2.3.4".parse().expect("ip"), 80))
        );
        let mut un = vec![1u8, 0];
        un.extend_from_slice(b"/run/x.sock\0junk");
        assert_eq!(
            parse_sockaddr(&un),
            Some(SockAddr::Unix("/run/x.sock".into()))
        );
        assert_eq!(
            parse_sockaddr(&[1, 0, 0, b'a', b'b']),
            Some(SockAddr::Unix("@ab".into()))
        );
        assert_eq!(parse_sockaddr(&[2, 0, 1]), None);
        assert_eq!(parse_sockaddr(&[]), None);
        assert_eq!(parse_sockaddr(&[17, 0]), Some(SockAddr::Other(17)));
    }
}
