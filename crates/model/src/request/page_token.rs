//! Page tokens: opaque, tamper-evident, and bound to the list, filter and order they came from.
//!
//! A token carries a position (an offset, or for ListTuningJobs the id of the last job shown)
//! and a checksum over the position, the list and a *binding*: the parent, the filter and the
//! canonical order of the request that issued it (see [`super::ListRequest`]). AIP-158: a token
//! sent back with another filter or order is 400 INVALID_ARGUMENT naming `page_token`, as is one
//! that was altered or never issued.
//!
//! Layout: `base64url(format ‖ list ‖ position (8 bytes, big-endian) ‖ checksum (8 bytes))`,
//! without padding. The checksum is FNV-1a (64 bit) over a fixed key, the first ten bytes and the
//! binding. It detects changes; it is not a secret (the emulator's lists are not confidential).
//! No randomness and no clock: the same request always gets the same token.

use super::ListKind;

/// The first byte of every token: the layout's version.
const FORMAT: u8 = 1;
/// Mixed into every checksum, so that a token from another program does not pass by chance.
const KEY: &[u8] = b"retune.page-token.v1";
/// Bytes in a decoded token.
const TOKEN_BYTES: usize = 18;

/// A position in a list, as a page token carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageToken {
    kind: ListKind,
    position: u64,
}

/// A page token that cannot be used for this request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageTokenError {
    /// Not base64url, the wrong length, or a checksum that does not match anything.
    #[error("Invalid page_token {token:?}: it is not a page token this service issued.")]
    Malformed {
        /// The token as given.
        token: String,
    },
    /// A token issued by another list method.
    #[error("Invalid page_token {token:?}: it was issued by {issued_by}, not {used_with}.")]
    OtherList {
        /// The token as given.
        token: String,
        /// The list it came from.
        issued_by: ListKind,
        /// The list it was sent to.
        used_with: ListKind,
    },
    /// A token issued for another parent, filter or order_by (AIP-158).
    #[error(
        "Invalid page_token {token:?}: it was issued for a request with another parent, filter or \
         order_by; send the filter and order_by of the request that returned it."
    )]
    OtherRequest {
        /// The token as given.
        token: String,
    },
}

impl PageToken {
    /// The position `position` in a list of `kind`.
    pub fn new(kind: ListKind, position: u64) -> PageToken {
        PageToken { kind, position }
    }

    /// The position: an offset, or (ListTuningJobs) the number of the last job shown.
    pub fn position(self) -> u64 {
        self.position
    }

    /// The opaque token for a request with this `binding` (parent, filter, order).
    ///
    /// ```
    /// use retune_model::request::{ListKind, PageToken};
    /// let token = PageToken::new(ListKind::Models, 100).encode("p|labels.a:*|");
    /// assert_eq!(PageToken::decode(&token, ListKind::Models, "p|labels.a:*|").unwrap().position(), 100);
    /// assert!(PageToken::decode(&token, ListKind::Models, "p||").is_err());
    /// assert!(PageToken::decode(&token, ListKind::ModelVersions, "p|labels.a:*|").is_err());
    /// assert!(PageToken::decode("c3a9", ListKind::Models, "p||").is_err());
    /// ```
    pub fn encode(self, binding: &str) -> String {
        let mut bytes = [0u8; TOKEN_BYTES];
        bytes[0] = FORMAT;
        bytes[1] = self.kind.tag();
        bytes[2..10].copy_from_slice(&self.position.to_be_bytes());
        let sum = checksum(&bytes[..10], binding);
        bytes[10..].copy_from_slice(&sum.to_be_bytes());
        base64url(&bytes)
    }

    /// Reads a token sent to a list of `kind` by a request with this `binding`.
    pub fn decode(token: &str, kind: ListKind, binding: &str) -> Result<PageToken, PageTokenError> {
        let malformed = || PageTokenError::Malformed {
            token: token.to_owned(),
        };
        let bytes = unbase64url(token).ok_or_else(malformed)?;
        let bytes: [u8; TOKEN_BYTES] = bytes.try_into().map_err(|_| malformed())?;
        if bytes[0] != FORMAT {
            return Err(malformed());
        }
        let issued_by = ListKind::from_tag(bytes[1]).ok_or_else(malformed)?;
        let mut position = [0u8; 8];
        position.copy_from_slice(&bytes[2..10]);
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&bytes[10..]);
        let sum = u64::from_be_bytes(sum);
        if sum != checksum(&bytes[..10], binding) {
            // A token of another list fails the checksum too (the binding differs); name the
            // list when that is the reason.
            return Err(if issued_by != kind {
                PageTokenError::OtherList {
                    token: token.to_owned(),
                    issued_by,
                    used_with: kind,
                }
            } else {
                PageTokenError::OtherRequest {
                    token: token.to_owned(),
                }
            });
        }
        if issued_by != kind {
            return Err(PageTokenError::OtherList {
                token: token.to_owned(),
                issued_by,
                used_with: kind,
            });
        }
        Ok(PageToken {
            kind,
            position: u64::from_be_bytes(position),
        })
    }
}

/// FNV-1a, 64 bit, over the key, `head` and `binding`.
fn checksum(head: &[u8], binding: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    KEY.iter()
        .chain(head)
        .chain(binding.as_bytes())
        .fold(OFFSET, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
        })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// The inverse of [`base64url`]; `None` for any other text (padding, other alphabets, a
/// dangling character, or non-zero trailing bits).
fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> = text
        .bytes()
        .map(|c| ALPHABET.iter().position(|a| *a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(values.len() * 3 / 4);
    for chunk in values.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
        let bytes = chunk.len() - 1;
        let spare_bits = 24 - 8 * bytes;
        if n & ((1 << spare_bits) - 1) != 0 {
            return None;
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(unbase64url(&base64url(&bytes)), Some(bytes));
        }
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn garbage_is_malformed() {
        for bad in ["c3a9", "", " ", "%%%", "AAAA", "j5eed5eef"] {
            assert!(
                matches!(
                    PageToken::decode(bad, ListKind::ModelVersionCheckpoints, ""),
                    Err(PageTokenError::Malformed { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn another_binding_is_another_request() {
        let token = PageToken::new(ListKind::TuningJobs, 7).encode("a");
        assert!(matches!(
            PageToken::decode(&token, ListKind::TuningJobs, "b"),
            Err(PageTokenError::OtherRequest { .. })
        ));
        assert!(matches!(
            PageToken::decode(&token, ListKind::Operations, "a"),
            Err(PageTokenError::OtherList { .. })
        ));
    }

    proptest! {
        #[test]
        fn decode_never_panics(text in "\\PC{0,40}") {
            let _ = PageToken::decode(&text, ListKind::Models, "");
        }

        #[test]
        fn tokens_round_trip(position: u64, binding in "\\PC{0,20}") {
            let token = PageToken::new(ListKind::Models, position).encode(&binding);
            prop_assert_eq!(
                PageToken::decode(&token, ListKind::Models, &binding).map(PageToken::position),
                Ok(position)
            );
        }

        #[test]
        fn any_altered_character_is_refused(position: u64, at in 0usize..24, with in 0usize..64) {
            let token = PageToken::new(ListKind::Models, position).encode("x");
            let mut bytes = token.into_bytes();
            let replacement = ALPHABET[with];
            prop_assume!(bytes[at] != replacement);
            bytes[at] = replacement;
            let altered = String::from_utf8(bytes).unwrap();
            prop_assert!(PageToken::decode(&altered, ListKind::Models, "x").is_err());
        }
    }
}
